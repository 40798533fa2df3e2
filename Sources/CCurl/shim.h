#include <curl/curl.h>

/* Non-variadic wrappers around libcurl's variadic calls, which Swift cannot call directly.
   Each passes its argument through with the exact C type libcurl expects for that option. */

/* curl_global_init(CURL_GLOBAL_DEFAULT); call once, before any other thread uses libcurl. */
static inline CURLcode coffer_curl_global_init(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Options of type long (timeouts, flags, sizes). */
static inline CURLcode coffer_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

/* Options of type char * (URL, user agent, CA file); libcurl copies the string. */
static inline CURLcode coffer_curl_setopt_str(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/* Options of type void * or struct pointer (WRITEDATA, HEADERDATA, HTTPHEADER, ERRORBUFFER). */
static inline CURLcode coffer_curl_setopt_ptr(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

/* The shape of CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION callbacks. */
typedef size_t (*coffer_curl_write_callback)(char *data, size_t size, size_t count, void *userdata);

/* CURLOPT_WRITEFUNCTION or CURLOPT_HEADERFUNCTION. */
static inline CURLcode coffer_curl_setopt_write_callback(CURL *handle, CURLoption option,
                                                         coffer_curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

/* Informations of type long (CURLINFO_RESPONSE_CODE). */
static inline CURLcode coffer_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

/* Informations of type curl_off_t (CURLINFO_RETRY_AFTER, libcurl 7.66 or later). */
static inline CURLcode coffer_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

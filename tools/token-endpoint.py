#!/usr/bin/env python3
"""A stand-in for the Microsoft Entra ID token endpoint, for tests (loopback only).

Serves the OAuth 2.0 client credentials grant the way Entra ID does:

  POST /{tenant}/oauth2/v2.0/token   (application/x-www-form-urlencoded:
       grant_type=client_credentials&client_id=...&client_secret=...&scope=RESOURCE/.default)

  200 {"token_type":"Bearer","expires_in":N,"ext_expires_in":N,"access_token":JWT}
      JWT: RS256, header {"alg":"RS256","typ":"JWT","kid":KID}; claims aud (the scope's
      resource), iss https://sts.windows.net/{tid}/, tid, appid, oid, sub, iat, nbf, exp,
      ver "1.0", and roles only when the app was granted some.
  4xx Entra's error JSON: error, error_description ("AADSTSnnnn: ..."), error_codes,
      timestamp, trace_id, correlation_id, error_uri.
      90002 unknown tenant (400 invalid_request), 900144 missing parameter (400),
      70003 grant_type not client_credentials (400 unsupported_grant_type),
      700016 client not in tenant (400 unauthorized_client), 7000218 no secret (401),
      1002012 scope without /.default (400 invalid_scope), 500011 unknown resource (400),
      7000222 expired secret (401 invalid_client), 7000215 wrong secret (401 invalid_client).

  GET /_stats  ->  {"token_requests": N, "tokens_issued": M}   (not part of Entra; for tests)

Apps come from --apps FILE, a JSON list of
  {"tenant": GUID, "client_id": GUID, "secret": "...", "secret_id": GUID, "expired": false,
   "roles": ["IMAP.AccessAsApp"], "oid": GUID, "tenant_domains": ["contoso.example"]}
(secret_id, expired, roles, oid, tenant_domains optional). Known tenants are the tenants in
that file (and their tenant_domains).

The RSA signing key is generated once into --key-dir with the openssl CLI (no Python
packages needed); the public key is written as KEY_DIR/<kid>.pem (for Dovecot's local JWT
validation) and the kid as KEY_DIR/kid. Each request is logged to stderr, never the secret.

Example:
  tools/token-endpoint.py --apps apps.json --key-dir /tmp/keys --port 0 --port-file /tmp/port
"""
import argparse
import base64
import datetime
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

DEFAULT_RESOURCES = [
    "https://outlook.office365.com",
    "00000002-0000-0ff1-ce00-000000000000",
    "https://graph.microsoft.com",
]
TOKEN_PATH = re.compile(r"^/([^/?#]+)/oauth2/v2\.0/token$")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def write_atomically(path: str, data: bytes, mode: int = 0o644) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def openssl(*args: str, data: bytes = b"") -> bytes:
    result = subprocess.run(["openssl", *args], input=data, capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


class Signer:
    """An RS256 signer whose private key lives in KEY_DIR/signing-key (created once)."""

    def __init__(self, key_dir: str) -> None:
        os.makedirs(key_dir, exist_ok=True)
        self.key_path = os.path.join(key_dir, "signing-key")
        if not os.path.exists(self.key_path):
            self.create_key(key_dir)
        der = openssl("pkey", "-in", self.key_path, "-pubout", "-outform", "DER")
        self.kid = b64url(hashlib.sha1(der).digest())  # like Entra's x5t thumbprints
        pem = openssl("pkey", "-in", self.key_path, "-pubout")
        write_atomically(os.path.join(key_dir, f"{self.kid}.pem"), pem)
        write_atomically(os.path.join(key_dir, "kid"), self.kid.encode() + b"\n")

    def create_key(self, key_dir: str) -> None:
        """Generates the key; if another instance wins the race, its key is kept (never replaced)."""
        key = openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
        fd, tmp = tempfile.mkstemp(dir=key_dir, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        try:
            os.link(tmp, self.key_path)  # atomic create-if-absent
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)

    def jwt(self, claims: dict) -> str:
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                         + b64url(json.dumps(claims, separators=(",", ":")).encode()))
        signature = openssl("dgst", "-sha256", "-sign", self.key_path, data=signing_input.encode())
        return signing_input + "." + b64url(signature)


class Directory:
    """The tenants and app registrations of --apps."""

    def __init__(self, apps: list, resources: list) -> None:
        self.apps = apps
        self.resources = {r.lower(): r for r in resources}
        self.tenants = {}  # lower-case name or domain -> tenant GUID (tid)
        for app in apps:
            for key in ("tenant", "client_id", "secret"):
                if not isinstance(app.get(key), str):
                    raise ValueError(f"--apps: every app needs a string '{key}'")
            self.tenants[app["tenant"].lower()] = app["tenant"]
            for domain in app.get("tenant_domains", []):
                self.tenants[domain.lower()] = app["tenant"]

    def tenant(self, name: str):
        return self.tenants.get(name.lower())

    def app(self, tid: str, client_id: str):
        for app in self.apps:
            if app["tenant"] == tid and app["client_id"].lower() == client_id.lower():
                return app
        return None

    def resource(self, name: str):
        return self.resources.get(name.rstrip("/").lower())


class Settings:
    def __init__(self, args, signer: Signer, directory: Directory) -> None:
        self.lifetime = args.lifetime
        self.fail_first = args.fail_first
        self.retry_after = args.retry_after
        self.delay = args.delay
        self.signer = signer
        self.directory = directory
        self.lock = threading.Lock()
        self.token_requests = 0
        self.tokens_issued = 0


class EntraError(Exception):
    """An answer in Entra's error shape."""

    def __init__(self, status: int, error: str, code: int, text: str) -> None:
        super().__init__(text)
        self.status, self.error, self.code, self.text = status, error, code, text


def missing(name: str) -> EntraError:
    return EntraError(400, "invalid_request", 900144,
                      f"The request body must contain the following parameter: '{name}'.")


def issue(settings: Settings, tenant: str, form: dict) -> dict:
    """Checks one client credentials request as Entra does; returns the 200 body or raises."""
    tid = settings.directory.tenant(tenant)
    if tid is None:
        raise EntraError(400, "invalid_request", 90002,
                         f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
                         "and are signing into the correct cloud. Check with your subscription administrator, "
                         "this may happen if there are no active subscriptions for the tenant.")
    grant_type = form.get("grant_type", "")
    if not grant_type:
        raise missing("grant_type")
    if grant_type != "client_credentials":
        raise EntraError(400, "unsupported_grant_type", 70003,
                         f"The app requested an unsupported grant type '{grant_type}'.")
    client_id = form.get("client_id", "")
    if not client_id:
        raise missing("client_id")
    app = settings.directory.app(tid, client_id)
    if app is None:
        raise EntraError(400, "unauthorized_client", 700016,
                         f"Application with identifier '{client_id}' was not found in the directory '{tenant}'. "
                         "This can happen if the application has not been installed by the administrator of the "
                         "tenant or consented to by any user in the tenant. You may have sent your authentication "
                         "request to the wrong tenant.")
    scope = form.get("scope", "")
    if not scope:
        raise missing("scope")
    if not scope.endswith("/.default") or " " in scope:
        raise EntraError(400, "invalid_scope", 1002012,
                         f"The provided value for scope {scope} is not valid. Client credential flows must have a "
                         "scope value with /.default suffixed to the resource identifier (application ID URI).")
    resource = settings.directory.resource(scope[: -len("/.default")])
    if resource is None:
        raise EntraError(400, "invalid_resource", 500011,
                         f"The resource principal named {scope[: -len('/.default')]} was not found in the tenant "
                         f"named {tenant}. This can happen if the application has not been installed by the "
                         "administrator of the tenant or consented to by any user in the tenant. You might have "
                         "sent your authentication request to the wrong tenant.")
    secret = form.get("client_secret", "")
    if not secret:
        raise EntraError(401, "invalid_client", 7000218,
                         "The request body must contain the following parameter: 'client_assertion' or "
                         "'client_secret'.")
    if secret == app["secret"] and app.get("expired", False):
        raise EntraError(401, "invalid_client", 7000222,
                         f"The provided client secret keys for app '{app['client_id']}' are expired. Visit the "
                         "Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or "
                         "consider using certificate credentials for added security: https://aka.ms/certCreds.")
    if secret != app["secret"]:
        raise EntraError(401, "invalid_client", 7000215,
                         "Invalid client secret provided. Ensure the secret being sent in the request is the "
                         "client secret value, not the client secret ID, for a secret added to app "
                         f"'{app['client_id']}'.")
    return token_body(settings, tid, app, resource)


def token_body(settings: Settings, tid: str, app: dict, resource: str) -> dict:
    now = int(time.time())
    oid = app.get("oid") or str(uuid.uuid5(uuid.NAMESPACE_URL, f"sp:{tid}:{app['client_id']}"))
    claims = {
        "aud": resource, "iss": f"https://sts.windows.net/{tid}/", "iat": now, "nbf": now,
        "exp": now + settings.lifetime, "appid": app["client_id"], "appidacr": "1",
        "idp": f"https://sts.windows.net/{tid}/", "idtyp": "app", "oid": oid, "sub": oid,
        "tid": tid, "uti": b64url(os.urandom(16)), "ver": "1.0",
    }
    if app.get("roles"):
        claims["roles"] = list(app["roles"])
    return {"token_type": "Bearer", "expires_in": settings.lifetime, "ext_expires_in": settings.lifetime,
            "access_token": settings.signer.jwt(claims)}


def error_body(err: EntraError, correlation_id: str) -> dict:
    trace_id = str(uuid.uuid4())
    timestamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    description = (f"AADSTS{err.code}: {err.text}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}"
                   f"\r\nTimestamp: {timestamp}")
    return {"error": err.error, "error_description": description, "error_codes": [err.code],
            "timestamp": timestamp, "trace_id": trace_id, "correlation_id": correlation_id,
            "error_uri": f"https://login.microsoftonline.com/error?code={err.code}"}


class Handler(BaseHTTPRequestHandler):
    server_version = "token-endpoint-standin/1"
    protocol_version = "HTTP/1.1"
    settings: Settings = None  # set in main()

    def log_message(self, fmt, *args):  # the standard access log is replaced by log()
        pass

    def log(self, text: str) -> None:
        sys.stderr.write(f"token-endpoint: {text}\n")
        sys.stderr.flush()

    def reply(self, status: int, body, headers=()) -> None:
        """Sends `body`: a dict as JSON, a str as text/plain."""
        is_json = isinstance(body, dict)
        data = json.dumps(body).encode() if is_json else body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8" if is_json else "text/plain; charset=utf-8")
            self.send_header("Cache-Control", "no-store, no-cache")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.log("client went away before the answer")

    def do_GET(self):
        if self.path == "/_stats":
            with self.settings.lock:
                stats = {"token_requests": self.settings.token_requests, "tokens_issued": self.settings.tokens_issued}
            self.reply(200, stats)
        elif TOKEN_PATH.match(self.path):
            err = EntraError(405, "invalid_request", 900561,
                             "The endpoint only accepts POST, OPTIONS requests. Received a GET request.")
            self.reply(405, error_body(err, str(uuid.uuid4())))
        else:
            self.reply(404, "Not Found\n")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        match = TOKEN_PATH.match(self.path)
        if not match:
            self.log(f"POST {self.path} -> 404")
            self.reply(404, "Not Found\n")
            return
        settings = self.settings
        with settings.lock:
            settings.token_requests += 1
            number = settings.token_requests
        if settings.delay > 0:
            time.sleep(settings.delay)
        correlation_id = self.headers.get("client-request-id") or str(uuid.uuid4())
        echo = [("client-request-id", correlation_id)] if self.headers.get("return-client-request-id") == "true" else []
        form = self.form(raw)
        summary = (f"POST {self.path} #{number} grant_type={form.get('grant_type', '-')} "
                   f"client_id={form.get('client_id', '-')} scope={form.get('scope', '-')} "
                   f"client_secret=<{len(form.get('client_secret', ''))} characters>")
        if number <= settings.fail_first:
            err = EntraError(503, "temporarily_unavailable", 90033, "A transient error has occurred. Please try again.")
            extra = [("Retry-After", str(settings.retry_after))] if settings.retry_after is not None else []
            self.log(f"{summary} -> 503 (--fail-first {settings.fail_first})")
            self.reply(503, error_body(err, correlation_id), echo + extra)
            return
        try:
            body = issue(settings, match.group(1), form)
        except EntraError as err:
            self.log(f"{summary} -> {err.status} AADSTS{err.code}")
            self.reply(err.status, error_body(err, correlation_id), echo)
            return
        with settings.lock:
            settings.tokens_issued += 1
        self.log(f"{summary} -> 200 token for {body['expires_in']} s")
        self.reply(200, body, echo)

    def form(self, raw: bytes) -> dict:
        """The first value of each form field; an empty form unless the body is form-encoded."""
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return {}
        fields = parse_qs(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace")
        return {name: values[0] for name, values in fields.items()}


def watch_parent() -> None:
    parent = os.getppid()
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def main() -> int:
    parser = argparse.ArgumentParser(description="Stand-in for the Entra ID token endpoint (loopback only).",
                                     epilog=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", required=True, help="JSON file: list of app registrations")
    parser.add_argument("--key-dir", required=True, help="folder for the RSA signing key and <kid>.pem")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--port-file", help="write the listening port here (atomically) once listening")
    parser.add_argument("--lifetime", type=int, default=3599, help="expires_in of issued tokens, seconds")
    parser.add_argument("--fail-first", type=int, default=0, metavar="N",
                        help="answer the first N token requests with HTTP 503 (AADSTS90033)")
    parser.add_argument("--retry-after", type=int, metavar="SECONDS",
                        help="send Retry-After: SECONDS with the --fail-first answers")
    parser.add_argument("--delay", type=float, default=0, metavar="SECONDS",
                        help="wait this long before answering each token request")
    parser.add_argument("--resource", action="append", metavar="URI",
                        help="a resource that exists (repeatable); default: Exchange Online and Graph")
    parser.add_argument("--exit-with-parent", action="store_true", help="exit when the parent process exits")
    args = parser.parse_args()

    with open(args.apps, encoding="utf-8") as f:
        apps = json.load(f)
    if not isinstance(apps, list):
        parser.error("--apps must hold a JSON list")
    directory = Directory(apps, args.resource or DEFAULT_RESOURCES)
    Handler.settings = Settings(args, Signer(args.key_dir), directory)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    if args.port_file:
        write_atomically(args.port_file, f"{port}\n".encode())
    if args.exit_with_parent:
        threading.Thread(target=watch_parent, daemon=True).start()
    sys.stderr.write(f"token-endpoint: listening on http://127.0.0.1:{port}/ kid={Handler.settings.signer.kid}\n")
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

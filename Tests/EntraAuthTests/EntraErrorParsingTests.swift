import Foundation
import XCTest
@testable import EntraAuth

/// Error bodies the stand-in does not produce, taken from real reports (cases B03–B06).
final class EntraErrorParsingTests: XCTestCase {
    private let request = TokenRequest(tenantID: "00000000-0000-0000-0000-000000000001",
                                       clientID: "00000000-0000-0000-0000-000000000002",
                                       clientSecret: "s3cret~value+with%stuff")

    private func error(_ json: String, status: Int = 400) -> TokenError {
        TokenError(httpStatus: status, body: Array(json.utf8), request: request)
    }

    func testCaseB03ExpiredSecretKeysOnCodeNotText() {
        let e = error("""
            {"error":"invalid_client","error_description":"AADSTS7000222: The provided client secret keys for app '00000000-0000-0000-0000-000000000002' are expired. (text abbreviated)","error_codes":[7000222],"timestamp":"2025-01-01 00:00:00Z","trace_id":"00000000-0000-0000-0000-00000000000a","correlation_id":"00000000-0000-0000-0000-00000000000b","error_uri":"https://login.microsoftonline.com/error?code=7000222"}
            """, status: 401)
        guard case .expiredSecret = e else { return XCTFail("\(e)") }
        XCTAssertEqual(e.description, "the client secret of app 00000000-0000-0000-0000-000000000002 has expired: create a new client secret in Entra admin center → App registrations → the app → Certificates & secrets and put its Value in client_secret [Entra ID: AADSTS7000222: The provided client secret keys for app '00000000-0000-0000-0000-000000000002' are expired. (text abbreviated) (AADSTS7000222 invalid_client, HTTP 401, trace ID 00000000-0000-0000-0000-00000000000a, correlation ID 00000000-0000-0000-0000-00000000000b, timestamp 2025-01-01 00:00:00Z)]")
    }

    func testUserSignInErrors50126And50034() {
        for code in [50126, 50034] {
            let e = error(#"{"error":"invalid_grant","error_description":"AADSTS\#(code): Error validating credentials.","error_codes":[\#(code)],"trace_id":"t-1","correlation_id":"c-1"}"#)
            guard case .userSignInError(let r) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(r.errorCodes, [code])
            XCTAssertTrue(e.description.contains("not a user name or password"), e.description)
            XCTAssertTrue(e.isPermanentAuthFailure)
        }
    }

    func testInvalidScopeByErrorNameAlone() {
        let e = error(#"{"error":"invalid_scope","error_description":"AADSTS70011: The provided request must include a 'scope' input parameter.","error_codes":[70011]}"#)
        guard case .invalidScope = e else { return XCTFail("\(e)") }
    }

    func testUnknownCodeIsShownInFullWithSupportIDs() {
        let e = error("""
            {"error":"unauthorized_client","error_description":"AADSTS7000112: Application '00000000-0000-0000-0000-000000000002'(coffer) is disabled.\\r\\nTrace ID: tr-9\\r\\nCorrelation ID: co-9\\r\\nTimestamp: 2025-01-01 00:00:00Z","error_codes":[7000112],"timestamp":"2025-01-01 00:00:00Z","trace_id":"tr-9","correlation_id":"co-9"}
            """)
        guard case .rejected = e else { return XCTFail("\(e)") }
        XCTAssertTrue(e.description.contains("AADSTS7000112: Application '00000000-0000-0000-0000-000000000002'(coffer) is disabled. (AADSTS7000112 unauthorized_client, HTTP 400, trace ID tr-9, correlation ID co-9, timestamp 2025-01-01 00:00:00Z)"), e.description)
        XCTAssertFalse(e.description.contains("Trace ID:"), "Entra's own ID lines are folded into one reference")
        XCTAssertEqual(e.errorCodes, [7000112])
    }

    func testEchoedSecretIsRedacted() {
        let e = error(#"{"error":"invalid_request","error_description":"AADSTS9999: bad value s3cret~value+with%stuff or s3cret~value%2Bwith%25stuff","error_codes":[9999]}"#)
        XCTAssertFalse(e.description.contains("s3cret"), e.description)
        XCTAssertTrue(e.description.contains("bad value <redacted> or <redacted>"), e.description)
    }

    func testHTMLBodyIsUnexpectedResponseWithoutSecret() {
        let body = "<html>\n<body>Proxy error for s3cret~value+with%stuff</body>\n</html>"
        let e = TokenError(httpStatus: 407, body: Array(body.utf8), request: request)
        guard case .unexpectedResponse(407, let detail) = e else { return XCTFail("\(e)") }
        XCTAssertEqual(detail, "<html> <body>Proxy error for <redacted></body> </html>")
        XCTAssertTrue(e.isPermanentAuthFailure)
    }
}

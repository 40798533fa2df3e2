import Foundation
import XCTest
@testable import EntraAuth

/// Each Entra error the stand-in produces maps to the right ``TokenError`` with a one-line,
/// secret-free description that names the cause, the fix and the support IDs.
final class TokenErrorTests: XCTestCase {
    private var endpoint: TokenEndpoint!

    override func setUpWithError() throws { endpoint = try TokenEndpoint() }
    override func tearDown() { endpoint?.stop() }

    /// Runs the grant and returns the error after checking what every error description must satisfy.
    private func failure(_ request: TokenRequest, validated: Bool = true,
                         file: StaticString = #filePath, line: UInt = #line) throws -> TokenError {
        let client = validated ? try TokenClient(request: request, options: fastOptions())
                               : TokenClient(unvalidated: request, options: fastOptions())
        let error = try XCTUnwrap(expectTokenError({ try client.accessToken() }, file: file, line: line), file: file, line: line)
        assertWellFormed(error, secret: request.clientSecret, file: file, line: line)
        XCTAssertEqual(endpoint.requestCount, 1, "a permanent failure is not retried", file: file, line: line)
        return error
    }

    private func assertWellFormed(_ error: TokenError, secret: String, file: StaticString, line: UInt) {
        let text = error.description
        XCTAssertFalse(text.contains("\n") || text.contains("\r"), "one line: \(text)", file: file, line: line)
        if !secret.isEmpty {
            XCTAssertFalse(text.contains(secret), "secret in: \(text)", file: file, line: line)
            XCTAssertFalse(text.contains(FormEncoding.percentEncode(secret)), file: file, line: line)
        }
        XCTAssertTrue(error.isPermanentAuthFailure, file: file, line: line)
        guard let response = error.response else { return XCTFail("no Entra response in \(error)", file: file, line: line) }
        for id in [response.traceID, response.correlationID] {
            XCTAssertTrue(text.contains(id ?? "<missing>"), "support ID missing in: \(text)", file: file, line: line)
        }
    }

    func testWrongSecretIsInvalidSecret7000215() throws {
        let error = try failure(endpoint.request(Apps.imap, secret: "Wrong~secret+value&x=1"))
        guard case .invalidSecret(let clientID, let looksLikeID, let response) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(clientID, Apps.imap.clientID)
        XCTAssertFalse(looksLikeID)
        XCTAssertEqual(response.errorCodes, [7000215])
        XCTAssertEqual(response.httpStatus, 401)
        XCTAssertEqual(response.error, "invalid_client")
        XCTAssertTrue(error.description.contains("AADSTS7000215"))
        XCTAssertTrue(error.description.contains("Certificates & secrets"))
        XCTAssertFalse(error.description.contains("secret's ID"))
    }

    func testSecretIDInsteadOfValueGetsHint() throws {
        let error = try failure(endpoint.request(Apps.imap, secret: Apps.imap.secretID!))
        guard case .invalidSecret(_, let looksLikeID, _) = error else { return XCTFail("\(error)") }
        XCTAssertTrue(looksLikeID)
        XCTAssertTrue(error.description.contains("this looks like the secret's ID, not its value"), error.description)
    }

    func testExpiredSecretIs7000222() throws {
        let error = try failure(endpoint.request(Apps.expired))
        guard case .expiredSecret(let clientID, let response) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(clientID, Apps.expired.clientID)
        XCTAssertEqual(response.errorCodes, [7000222])
        XCTAssertEqual(response.httpStatus, 401)
        XCTAssertTrue(error.description.contains("has expired"))
        XCTAssertTrue(error.description.contains("Entra admin center → App registrations → the app → Certificates & secrets"))
    }

    func testUnknownClientIs700016() throws {
        let stranger = Apps.App(clientID: "0a0a0a0a-1111-4222-8333-444444444444", secret: "some-secret-value", secretID: nil, oid: "", roles: [])
        let error = try failure(endpoint.request(stranger))
        guard case .applicationNotFound(let clientID, let tenantID, let response) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(clientID, stranger.clientID)
        XCTAssertEqual(tenantID, Apps.tenant)
        XCTAssertEqual(response.httpStatus, 400)
        XCTAssertEqual(response.error, "unauthorized_client")
        XCTAssertTrue(error.description.contains("client_id"))
        XCTAssertTrue(error.description.contains("tenant_id"))
        XCTAssertTrue(error.description.contains("consented"))
    }

    func testUnknownTenantIs90002() throws {
        let error = try failure(endpoint.request(Apps.imap, tenant: Apps.unknownTenant))
        guard case .tenantNotFound(let tenantID, let response) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(tenantID, Apps.unknownTenant)
        XCTAssertEqual(response.errorCodes, [90002])
        XCTAssertEqual(response.error, "invalid_request")
        XCTAssertTrue(error.description.contains("tenant \(Apps.unknownTenant) was not found"))
    }

    func testScopeWithoutDefaultIs1002012() throws {
        let scope = "https://outlook.office365.com/IMAP.AccessAsApp"
        let error = try failure(endpoint.request(Apps.imap, scope: scope), validated: false)
        guard case .invalidScope(let reported, let response) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(reported, scope)
        XCTAssertEqual(response.errorCodes, [1002012])
        XCTAssertEqual(response.error, "invalid_scope")
        XCTAssertTrue(error.description.contains("/.default"))
    }

    func testUnknownResourceIs500011() throws {
        let error = try failure(endpoint.request(Apps.imap, scope: "https://imap.example.com/.default"))
        guard case .resourceNotFound(let scope, _, let response) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(scope, "https://imap.example.com/.default")
        XCTAssertEqual(response.errorCodes, [500011])
        XCTAssertTrue(error.description.contains(TokenRequest.defaultScope))
    }

    func testEmptySecretIs7000218() throws {
        let error = try failure(endpoint.request(Apps.imap, secret: ""), validated: false)
        guard case .missingSecret(let clientID, let response) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(clientID, Apps.imap.clientID)
        XCTAssertEqual(response.errorCodes, [7000218])
        XCTAssertEqual(response.httpStatus, 401)
        XCTAssertTrue(error.description.contains("client_secret"))
    }

    func testMissingParameterIs900144ShownInFull() throws {
        var request = endpoint.request(Apps.imap)
        request.clientID = ""
        let error = try failure(request, validated: false)
        guard case .rejected(let response) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(response.errorCodes, [900144])
        XCTAssertTrue(error.description.contains("AADSTS900144"))
        XCTAssertTrue(error.description.contains("'client_id'"), error.description)
    }

    func testUnsupportedGrantTypeIs70003ShownInFull() throws {
        let request = endpoint.request(Apps.imap)
        let body = FormEncoding.encode([("grant_type", "password"), ("client_id", Apps.imap.clientID),
                                        ("client_secret", Apps.imap.secret), ("scope", request.scope)])
        let response = try CurlTransport.post(url: request.tokenEndpoint, body: body, headers: [],
                                              settings: HTTPSettings(timeout: 10, connectTimeout: 5))
        XCTAssertEqual(response.status, 400)
        let error = TokenError(httpStatus: response.status, body: response.body, request: request)
        guard case .rejected(let entra) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(entra.errorCodes, [70003])
        XCTAssertEqual(entra.error, "unsupported_grant_type")
        XCTAssertTrue(error.description.contains("AADSTS70003: The app requested an unsupported grant type 'password'."))
        assertWellFormed(error, secret: Apps.imap.secret, file: #filePath, line: #line)
    }

    func testWrongAuthorityPathIsUnexpectedResponse() throws {
        var request = endpoint.request(Apps.imap)
        request.authority = endpoint.authority.appendingPathComponent("not-an-authority")
        let client = try TokenClient(request: request, options: fastOptions())
        let error = try XCTUnwrap(expectTokenError { try client.accessToken() })
        guard case .unexpectedResponse(404, let detail) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(detail, "Not Found")
        XCTAssertTrue(error.isPermanentAuthFailure)
        XCTAssertTrue(error.description.contains("authority"))
    }

    func testPermanentFailureIsRememberedUntilReset() throws {
        let client = try TokenClient(request: endpoint.request(Apps.expired), options: fastOptions())
        XCTAssertNotNil(expectTokenError { try client.accessToken() })
        XCTAssertNotNil(expectTokenError { try client.accessToken() })
        XCTAssertEqual(endpoint.requestCount, 1, "every mailbox would fail the same way: ask Entra once")
        client.reset()
        XCTAssertNotNil(expectTokenError { try client.accessToken() })
        XCTAssertEqual(endpoint.requestCount, 2)
    }
}

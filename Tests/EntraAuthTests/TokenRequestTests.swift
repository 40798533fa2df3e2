import Foundation
import XCTest
@testable import EntraAuth

/// Configuration checks before any network call, the endpoint URL and the form body.
final class TokenRequestTests: XCTestCase {
    private let good = TokenRequest(tenantID: "7b3f1a52-9c1e-4d0a-8f35-2b6e1c9d4a10",
                                    clientID: "5d2c8e7a-1b4f-4c39-9a6e-0e8f7d3c2b11", clientSecret: "secret")

    private func validationError(_ change: (inout TokenRequest) -> Void, file: StaticString = #filePath, line: UInt = #line) -> TokenRequestError? {
        var request = good
        change(&request)
        do {
            try request.validate()
            XCTFail("\(request) passed validation", file: file, line: line)
        } catch let error as TokenRequestError {
            return error
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
        return nil
    }

    func testDefaultsAndEndpoint() throws {
        XCTAssertNoThrow(try good.validate())
        XCTAssertEqual(good.scope, "https://outlook.office365.com/.default")
        XCTAssertEqual(good.resource, "https://outlook.office365.com")
        XCTAssertEqual(good.tokenEndpoint.absoluteString,
                       "https://login.microsoftonline.com/7b3f1a52-9c1e-4d0a-8f35-2b6e1c9d4a10/oauth2/v2.0/token")
        var slash = good
        slash.authority = URL(string: "https://login.microsoftonline.us/")!
        XCTAssertEqual(slash.tokenEndpoint.absoluteString,
                       "https://login.microsoftonline.us/7b3f1a52-9c1e-4d0a-8f35-2b6e1c9d4a10/oauth2/v2.0/token")
    }

    func testClientIDMustBeGUID() {
        for bad in ["j.doe", "5d2c8e7a1b4f4c399a6e0e8f7d3c2b11", "5d2c8e7a-1b4f-4c39-9a6e-0e8f7d3c2b1g", ""] {
            XCTAssertEqual(validationError { $0.clientID = bad }, .clientIDNotGUID(bad))
        }
        let error = validationError { $0.clientID = "j.doe" }
        XCTAssertEqual(error?.key, "client_id")
        XCTAssertTrue(error?.description.contains("Application (client) ID") ?? false)
    }

    func testTenantMustBeSpecific() {
        for name in ["common", "Organizations", "consumers"] {
            let error = validationError { $0.tenantID = name }
            XCTAssertEqual(error, .tenantNotSpecific(name))
            XCTAssertEqual(error?.key, "tenant_id")
            XCTAssertTrue(error?.description.contains("concrete tenant") ?? false)
        }
        for bad in ["contoso", "not a tenant", "contoso..example", "-contoso.example", "10.0.0.1", ""] {
            XCTAssertEqual(validationError { $0.tenantID = bad }, .tenantInvalid(bad), bad)
        }
        var domain = good
        domain.tenantID = "contoso.onmicrosoft.com"
        XCTAssertNoThrow(try domain.validate())
    }

    func testScopeMustEndInDefault() {
        for bad in ["https://outlook.office365.com/IMAP.AccessAsApp", "IMAP.AccessAsApp", "/.default",
                    "https://outlook.office365.com/.default https://graph.microsoft.com/.default"] {
            let error = validationError { $0.scope = bad }
            XCTAssertEqual(error, .scopeNotDefault(bad))
            XCTAssertEqual(error?.key, "scope")
            XCTAssertTrue(error?.description.contains("https://outlook.office365.com/.default") ?? false)
        }
    }

    func testSecretMustNotBeEmpty() {
        XCTAssertEqual(validationError { $0.clientSecret = "" }, .secretEmpty)
    }

    func testAuthorityMustBeHTTPSUnlessLoopback() {
        for url in ["http://login.example.com", "http://10.0.0.1:8080", "http://128.0.0.1"] {
            XCTAssertEqual(validationError { $0.authority = URL(string: url)! }, .authorityNotHTTPS(url), url)
        }
        XCTAssertEqual(validationError { $0.authority = URL(string: "ftp://login.example.com")! }, .authorityInvalid("ftp://login.example.com"))
        XCTAssertEqual(validationError { $0.authority = URL(string: "https://login.example.com?x=1")! }?.key, "authority")
        for url in ["http://127.0.0.1:8080", "http://127.1.2.3", "http://localhost:1234", "http://[::1]:8080",
                    "https://login.microsoftonline.us", "https://login.partner.microsoftonline.cn"] {
            var request = good
            request.authority = URL(string: url)!
            XCTAssertNoThrow(try request.validate(), url)
        }
    }

    /// A request that fails validation never reaches the token endpoint.
    func testValidationHappensBeforeAnyRequest() throws {
        let endpoint = try TokenEndpoint()
        defer { endpoint.stop() }
        let bad = [
            endpoint.request(Apps.imap, tenant: "common"),
            endpoint.request(Apps.imap, scope: "https://outlook.office365.com/IMAP.AccessAsApp"),
            TokenRequest(authority: endpoint.authority, tenantID: Apps.tenant, clientID: "j.doe", clientSecret: "x"),
            endpoint.request(Apps.imap, secret: ""),
        ]
        for request in bad {
            XCTAssertThrowsError(try TokenClient(request: request)) { XCTAssertTrue($0 is TokenRequestError) }
        }
        XCTAssertEqual(endpoint.requestCount, 0)
    }

    func testFormEncodingKeepsOnlyUnreserved() {
        XCTAssertEqual(FormEncoding.percentEncode("AZaz09-._~"), "AZaz09-._~")
        XCTAssertEqual(FormEncoding.percentEncode("a~b+c%d&e=f g/é"), "a~b%2Bc%25d%26e%3Df%20g%2F%C3%A9")
        var request = good
        request.clientSecret = "Q8~x+y%&= z"
        XCTAssertEqual(request.formBody, "grant_type=client_credentials&client_id=5d2c8e7a-1b4f-4c39-9a6e-0e8f7d3c2b11"
                       + "&client_secret=Q8~x%2By%25%26%3D%20z&scope=https%3A%2F%2Foutlook.office365.com%2F.default")
    }

    func testRequestNeverShowsSecret() {
        var request = good
        request.clientSecret = "very-secret-value"
        var dumped = ""
        dump(request, to: &dumped)
        for text in [request.description, String(reflecting: request), "\(request)", dumped] {
            XCTAssertFalse(text.contains("very-secret-value"), text)
            XCTAssertTrue(text.contains("<redacted>"), text)
        }
    }
}

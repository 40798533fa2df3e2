import Foundation
import XCTest
@testable import EntraAuth

/// The client credentials grant against tools/token-endpoint.py: tokens, claims, cache, retries.
final class TokenClientTests: XCTestCase {
    private var endpoint: TokenEndpoint?

    override func tearDown() {
        endpoint?.stop()
        endpoint = nil
    }

    private func start(_ arguments: [String] = []) throws -> TokenEndpoint {
        let e = try TokenEndpoint(arguments)
        endpoint = e
        return e
    }

    func testGoodAppGetsTokenWithConfiguredClaims() throws {
        let e = try start()
        let before = Date()
        let token = try TokenClient(request: e.request(Apps.imap), options: fastOptions()).accessToken()
        let claims = try XCTUnwrap(token.claims)
        XCTAssertEqual(claims.aud, "https://outlook.office365.com")
        XCTAssertEqual(claims.iss, "https://sts.windows.net/\(Apps.tenant)/")
        XCTAssertEqual(claims.tid, Apps.tenant)
        XCTAssertEqual(claims.appid, Apps.imap.clientID)
        XCTAssertEqual(claims.applicationID, Apps.imap.clientID)
        XCTAssertEqual(claims.oid, Apps.imap.oid)
        XCTAssertEqual(claims.sub, Apps.imap.oid)
        XCTAssertEqual(claims.roles, ["IMAP.AccessAsApp"])
        XCTAssertEqual(claims.ver, "1.0")
        XCTAssertEqual(claims.idtyp, "app")
        XCTAssertTrue(claims.hasIMAPAccessAsApp)
        XCTAssertTrue(claims.audienceIsExchange)
        XCTAssertEqual(claims.imapProblems, [])
        let exp = try XCTUnwrap(claims.exp), iat = try XCTUnwrap(claims.iat)
        XCTAssertEqual(exp.timeIntervalSince(iat), 3599, accuracy: 0.5)
        XCTAssertEqual(token.expiresAt.timeIntervalSince(before), 3599, accuracy: 5)
        XCTAssertEqual(e.requestCount, 1)
    }

    func testTenantDomainWorksAndTokenCarriesTenantGUID() throws {
        let e = try start()
        let token = try TokenClient(request: e.request(Apps.imap, tenant: Apps.tenantDomain), options: fastOptions()).accessToken()
        XCTAssertEqual(token.claims?.tid, Apps.tenant)
    }

    /// The stand-in's signature verifies with the public key it published as KEY_DIR/<kid>.pem.
    func testTokenIsRS256SignedWithPublishedKey() throws {
        let e = try start()
        let token = try TokenClient(request: e.request(Apps.imap), options: fastOptions()).accessToken()
        let parts = token.value.split(separator: ".").map(String.init)
        XCTAssertEqual(parts.count, 3)
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: TokenClaims.base64URLDecode(Substring(parts[0]))!) as? [String: String])
        XCTAssertEqual(header["alg"], "RS256")
        XCTAssertEqual(header["typ"], "JWT")
        let kid = try XCTUnwrap(header["kid"])
        let storedKid = try String(contentsOf: TokenEndpoint.keyDir.appendingPathComponent("kid"), encoding: .utf8)
        XCTAssertEqual(storedKid.trimmingCharacters(in: .whitespacesAndNewlines), kid)

        let signedFile = e.dir.appendingPathComponent("signed"), signatureFile = e.dir.appendingPathComponent("signature")
        try Data((parts[0] + "." + parts[1]).utf8).write(to: signedFile)
        try TokenClaims.base64URLDecode(Substring(parts[2]))!.write(to: signatureFile)
        let verify = Process()
        verify.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        verify.arguments = ["openssl", "dgst", "-sha256", "-verify", TokenEndpoint.keyDir.appendingPathComponent("\(kid).pem").path,
                            "-signature", signatureFile.path, signedFile.path]
        verify.standardOutput = FileHandle.nullDevice
        verify.standardError = FileHandle.nullDevice
        try verify.run()
        verify.waitUntilExit()
        XCTAssertEqual(verify.terminationStatus, 0, "openssl could not verify the token's signature")
    }

    func testAppWithoutRolesGetsTokenWithoutRolesClaim() throws {
        let e = try start()
        let token = try TokenClient(request: e.request(Apps.noRoles), options: fastOptions()).accessToken()
        let payload = try XCTUnwrap(TokenClaims.base64URLDecode(token.value.split(separator: ".")[1]))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: payload) as? [String: Any])
        XCTAssertNil(object["roles"], "roles must be absent, not empty, when nothing was granted")
        XCTAssertEqual(token.claims?.roles, [])
        XCTAssertEqual(token.claims?.hasIMAPAccessAsApp, false)
        XCTAssertEqual(token.claims?.imapProblems.count, 1)
        XCTAssertTrue(token.claims?.imapProblems.first?.contains("IMAP.AccessAsApp") ?? false)
    }

    func testFormEncodedSecretWithReservedCharactersRoundTrips() throws {
        let e = try start()
        XCTAssertTrue(Apps.imap.secret.contains("~") && Apps.imap.secret.contains("+") && Apps.imap.secret.contains("%")
                      && Apps.imap.secret.contains("&") && Apps.imap.secret.contains("=") && Apps.imap.secret.contains(" "))
        // The stand-in compares the decoded secret with the configured one byte for byte.
        XCTAssertNoThrow(try TokenClient(request: e.request(Apps.imap), options: fastOptions()).accessToken())
        XCTAssertTrue(e.log.contains("client_secret=<\(Apps.imap.secret.count) characters> -> 200"))
        XCTAssertFalse(e.log.contains(Apps.imap.secret), "the stand-in must not log the secret")
    }

    func testSecondCallIsServedFromCache() throws {
        let e = try start()
        let client = try TokenClient(request: e.request(Apps.imap), options: fastOptions())
        let first = try client.accessToken()
        let second = try client.accessToken()
        XCTAssertEqual(first.value, second.value)
        XCTAssertEqual(e.requestCount, 1)
    }

    func testTokenShorterThanMarginIsFetchedAgain() throws {
        let e = try start(["--lifetime", "60"])
        let client = try TokenClient(request: e.request(Apps.imap), options: fastOptions(margin: 300))
        let first = try client.accessToken()
        Thread.sleep(forTimeInterval: 1.1)  // so the second token's iat differs
        let second = try client.accessToken()
        XCTAssertEqual(e.requestCount, 2)
        XCTAssertNotEqual(first.value, second.value)
        XCTAssertEqual(second.remainingLifetime(), 60, accuracy: 5)
    }

    func testConcurrentCallersShareOneFetch() throws {
        let e = try start(["--delay", "0.5"])
        let client = try TokenClient(request: e.request(Apps.imap), options: fastOptions())
        let values = LockedValues()
        DispatchQueue.concurrentPerform(iterations: 12) { _ in
            values.append((try? client.accessToken())?.value ?? "failed")
        }
        XCTAssertEqual(values.all.count, 12)
        XCTAssertEqual(Set(values.all).count, 1)
        XCTAssertNotEqual(values.all.first, "failed")
        XCTAssertEqual(e.requestCount, 1)
    }

    func testInvalidateForcesOneNewFetch() throws {
        let e = try start()
        let client = try TokenClient(request: e.request(Apps.imap), options: fastOptions())
        let first = try client.accessToken()
        client.invalidate(first)
        Thread.sleep(forTimeInterval: 1.1)
        let second = try client.accessToken()
        client.invalidate(first)  // a second report about the old token changes nothing
        let third = try client.accessToken()
        XCTAssertNotEqual(first.value, second.value)
        XCTAssertEqual(second.value, third.value)
        XCTAssertEqual(e.requestCount, 2)
    }

    func testSucceedsAfterTwo503s() throws {
        let e = try start(["--fail-first", "2"])
        let token = try TokenClient(request: e.request(Apps.imap), options: fastOptions()).accessToken()
        XCTAssertEqual(token.claims?.appid, Apps.imap.clientID)
        XCTAssertEqual(e.requestCount, 3)
    }

    func testRetryAfterIsHonoured() throws {
        let e = try start(["--fail-first", "1", "--retry-after", "1"])
        let started = Date()
        _ = try TokenClient(request: e.request(Apps.imap), options: fastOptions()).accessToken()
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 1.0)
        XCTAssertEqual(e.requestCount, 2)
    }

    func testRetryAfterBeyondLimitGivesUpAtOnce() throws {
        let e = try start(["--fail-first", "5", "--retry-after", "600"])
        var options = fastOptions()
        options.maxRetryAfter = 120
        let error = expectTokenError { try TokenClient(request: e.request(Apps.imap), options: options).accessToken() }
        guard case .unavailable(let attempts, _)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertEqual(attempts, 1)
        XCTAssertTrue(error!.description.contains("600 s"), error!.description)
        XCTAssertEqual(e.requestCount, 1)
    }

    func testPersistent503IsTransientAfterAllAttempts() throws {
        let e = try start(["--fail-first", "10"])
        let error = expectTokenError { try TokenClient(request: e.request(Apps.imap), options: fastOptions(attempts: 3)).accessToken() }
        guard case .unavailable(let attempts, _)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertEqual(attempts, 3)
        XCTAssertEqual(e.requestCount, 3)
        XCTAssertFalse(error!.isPermanentAuthFailure)
        XCTAssertTrue(error!.isTransient)
        XCTAssertTrue(error!.description.contains("HTTP 503"), error!.description)
        XCTAssertTrue(error!.description.contains("AADSTS90033"), error!.description)
        XCTAssertFalse(error!.description.contains(Apps.imap.secret))
    }

    func testConnectionRefusedIsTransient() throws {
        let request = TokenRequest(authority: URL(string: "http://127.0.0.1:1")!, tenantID: Apps.tenant,
                                   clientID: Apps.imap.clientID, clientSecret: Apps.imap.secret)
        let error = expectTokenError { try TokenClient(request: request, options: fastOptions(attempts: 2)).accessToken() }
        guard case .unavailable(let attempts, let problem)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertEqual(attempts, 2)
        XCTAssertTrue(problem.contains("curl error 7"), problem)  // CURLE_COULDNT_CONNECT
        XCTAssertFalse(error!.isPermanentAuthFailure)
    }

    func testSlowEndpointTimesOut() throws {
        let e = try start(["--delay", "3"])
        let started = Date()
        let error = expectTokenError {
            try TokenClient(request: e.request(Apps.imap), options: fastOptions(attempts: 2, timeout: 0.5)).accessToken()
        }
        guard case .unavailable(_, let problem)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertTrue(problem.contains("curl error 28"), problem)  // CURLE_OPERATION_TIMEDOUT
        XCTAssertLessThan(Date().timeIntervalSince(started), 2.5)
    }
}

/// Strings collected from several threads.
final class LockedValues: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String] = []

    func append(_ value: String) { lock.withLock { values.append(value) } }
    var all: [String] { lock.withLock { values } }
}

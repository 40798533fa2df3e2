import Foundation
import XCTest
@testable import EntraAuth

/// The repository root (this file is Tests/EntraAuthTests/TokenEndpoint.swift).
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The tenants and app registrations the stand-in knows, with the values tests expect in tokens.
enum Apps {
    static let tenant = "7b3f1a52-9c1e-4d0a-8f35-2b6e1c9d4a10"
    static let tenantDomain = "contoso.example"
    static let unknownTenant = "0f0f0f0f-0000-4000-8000-000000000bad"

    /// Granted IMAP.AccessAsApp; its secret has every character a naive encoder breaks.
    static let imap = App(clientID: "5d2c8e7a-1b4f-4c39-9a6e-0e8f7d3c2b11", secret: "Q8~x.R+z3%kL&m=n p/é_-",
                          secretID: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", oid: "c0ffee00-1234-4abc-9def-000000000001",
                          roles: ["IMAP.AccessAsApp"])
    /// No application permissions at all.
    static let noRoles = App(clientID: "6e3d9f8b-2c5a-4d4a-8b7f-1f9a8e4d3c22", secret: "plain-secret-value-123",
                             secretID: nil, oid: "c0ffee00-1234-4abc-9def-000000000002", roles: [])
    /// Its only secret has expired.
    static let expired = App(clientID: "7f4ea09c-3d6b-4e5b-9c80-2a0b9f5e4d33", secret: "expired-secret-value-456",
                             secretID: nil, oid: "c0ffee00-1234-4abc-9def-000000000003", roles: ["IMAP.AccessAsApp"],
                             expired: true)
    static let all = [imap, noRoles, expired]

    struct App {
        var clientID: String
        var secret: String
        var secretID: String?
        var oid: String
        var roles: [String]
        var expired = false

        var json: [String: Any] {
            var object: [String: Any] = ["tenant": Apps.tenant, "client_id": clientID, "secret": secret, "oid": oid,
                                         "roles": roles, "expired": expired, "tenant_domains": [Apps.tenantDomain]]
            if let secretID { object["secret_id"] = secretID }
            return object
        }
    }
}

/// A running tools/token-endpoint.py on a free loopback port; stopped by ``stop()``.
final class TokenEndpoint {
    /// One signing key for the whole test run (RSA generation is the slow part).
    static let keyDir = FileManager.default.temporaryDirectory.appendingPathComponent("entraauth-tests-keys")

    let process = Process()
    let dir: URL
    let port: Int
    var authority: URL { URL(string: "http://127.0.0.1:\(port)")! }
    let logFile: URL

    /// Starts the stand-in with `arguments` added (`--lifetime 60`, `--fail-first 2`…).
    init(_ arguments: [String] = []) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("entraauth-endpoint-\(UUID().uuidString)")
        logFile = dir.appendingPathComponent("stderr.log")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let apps = try JSONSerialization.data(withJSONObject: Apps.all.map(\.json))
        try apps.write(to: dir.appendingPathComponent("apps.json"))
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let portFile = dir.appendingPathComponent("port")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repoRoot.appendingPathComponent("tools/token-endpoint.py").path,
                             "--apps", dir.appendingPathComponent("apps.json").path, "--key-dir", Self.keyDir.path,
                             "--port", "0", "--port-file", portFile.path, "--exit-with-parent"] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: logFile)
        try process.run()
        do {
            port = try Self.waitForPort(portFile, process: process, log: logFile)
        } catch {
            if process.isRunning { process.terminate() }
            throw error
        }
    }

    private static func waitForPort(_ file: URL, process: Process, log: URL) throws -> Int {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let text = try? String(contentsOf: file, encoding: .utf8), let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return port
            }
            if !process.isRunning {
                throw StandInError(text: "token-endpoint.py exited: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw StandInError(text: "token-endpoint.py did not write its port within 30 s")
    }

    /// The stand-in's stderr so far.
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Token requests the stand-in has received (one log line each, written before it answers).
    var requestCount: Int { log.split(separator: "\n").filter { $0.hasPrefix("token-endpoint: POST ") }.count }

    /// A token request for `app` against this stand-in.
    func request(_ app: Apps.App, tenant: String = Apps.tenant, secret: String? = nil,
                 scope: String = TokenRequest.defaultScope) -> TokenRequest {
        TokenRequest(authority: authority, tenantID: tenant, clientID: app.clientID,
                     clientSecret: secret ?? app.secret, scope: scope)
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: dir)
    }
}

struct StandInError: Error, CustomStringConvertible { let text: String; var description: String { text } }

/// Options for fast tests: short backoff, short timeouts.
func fastOptions(margin: TimeInterval = 300, attempts: Int = 4, timeout: TimeInterval = 10) -> TokenClient.Options {
    TokenClient.Options(refreshMargin: margin, timeout: timeout, connectTimeout: 5, maxAttempts: attempts,
                        initialBackoff: 0.02, maxBackoff: 0.1)
}

/// Runs `body`, expecting a ``TokenError``; fails the test otherwise.
func expectTokenError(_ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) -> TokenError? {
    do {
        _ = try body()
        XCTFail("expected a TokenError, got a token", file: file, line: line)
    } catch let error as TokenError {
        return error
    } catch {
        XCTFail("expected a TokenError, got \(error)", file: file, line: line)
    }
    return nil
}

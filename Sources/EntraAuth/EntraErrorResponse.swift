import Foundation

/// The JSON error body of the Microsoft identity platform's token endpoint.
///
/// Shape (HTTP 400 or 401):
/// `{"error":"invalid_client","error_description":"AADSTS7000215: …","error_codes":[7000215],
/// "timestamp":"2025-01-01 00:00:00Z","trace_id":"…","correlation_id":"…","error_uri":"…"}`.
///
/// Source: Microsoft identity platform, "OAuth 2.0 client credentials flow" (error response)
/// and RFC 6749 §5.2. Key on ``errorCodes``, never on the description text.
public struct EntraErrorResponse: Sendable, Equatable {
    /// The HTTP status the body came with.
    public var httpStatus: Int
    /// The RFC 6749 error code, e.g. `invalid_client`, `unauthorized_client`, `invalid_scope`.
    public var error: String
    /// Entra's full text, `AADSTSnnnn: …`, possibly followed by Trace ID / Correlation ID /
    /// Timestamp lines. Never truncated.
    public var errorDescription: String
    /// The AADSTS numbers, e.g. `[7000215]`.
    public var errorCodes: [Int]
    /// When Entra answered, e.g. `2025-01-01 00:00:00Z`.
    public var timestamp: String?
    /// The request's ID in Entra's logs, for a support case.
    public var traceID: String?
    /// The correlation ID (our `client-request-id`), for a support case.
    public var correlationID: String?
    /// A link to Entra's explanation of the code.
    public var errorURI: String?

    /// Parses Entra's error JSON; nil when `body` is not a JSON object with a string `error`.
    public init?(httpStatus: Int, body: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let error = object["error"] as? String else { return nil }
        self.httpStatus = httpStatus
        self.error = error
        self.errorDescription = object["error_description"] as? String ?? ""
        self.errorCodes = (object["error_codes"] as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue } ?? []
        self.timestamp = object["timestamp"] as? String
        self.traceID = object["trace_id"] as? String
        self.correlationID = object["correlation_id"] as? String
        self.errorURI = object["error_uri"] as? String
    }

    /// ``errorDescription`` on one line, without the Trace ID / Correlation ID / Timestamp
    /// lines Entra appends (``supportReference`` carries those).
    public var message: String {
        let lines = errorDescription.split(whereSeparator: \.isNewline)  // "\r\n" is one Character
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { line in
                !line.isEmpty && !["Trace ID:", "Correlation ID:", "Timestamp:"].contains { line.hasPrefix($0) }
            }
        return lines.isEmpty ? error : lines.joined(separator: " ")
    }

    /// `AADSTS7000215 invalid_client, HTTP 401, trace ID …, correlation ID …, timestamp …`.
    public var supportReference: String {
        var parts = [errorCodes.isEmpty ? error : errorCodes.map { "AADSTS\($0)" }.joined(separator: "/") + " \(error)"]
        parts.append("HTTP \(httpStatus)")
        if let traceID { parts.append("trace ID \(traceID)") }
        if let correlationID { parts.append("correlation ID \(correlationID)") }
        if let timestamp { parts.append("timestamp \(timestamp)") }
        return parts.joined(separator: ", ")
    }

    /// A copy with every occurrence of `secret` (and its percent-encoded form) replaced by
    /// `<redacted>`, in case a server echoes it. Secrets under 4 characters are left alone.
    func redacting(_ secret: String) -> EntraErrorResponse {
        var copy = self
        copy.error = Self.redact(secret, in: error)
        copy.errorDescription = Self.redact(secret, in: errorDescription)
        return copy
    }

    static func redact(_ secret: String, in text: String) -> String {
        guard secret.count >= 4 else { return text }
        return text.replacingOccurrences(of: secret, with: "<redacted>")
            .replacingOccurrences(of: FormEncoding.percentEncode(secret), with: "<redacted>")
    }
}

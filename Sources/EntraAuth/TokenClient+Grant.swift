import Foundation

extension TokenClient {
    /// What one HTTP attempt amounts to.
    enum AttemptOutcome {
        case token(AccessToken)
        case retry(problem: String, retryAfter: TimeInterval?)
        case fail(TokenError)
    }

    /// Runs the client credentials grant, retrying transient failures; bypasses the cache.
    func fetchToken() throws(TokenError) -> AccessToken {
        var lastProblem = "no attempt made"
        for attempt in 1...options.maxAttempts {
            switch attemptOnce() {
            case .token(let token):
                return token
            case .fail(let error):
                throw error
            case .retry(let problem, let retryAfter):
                lastProblem = problem
                guard attempt < options.maxAttempts else { break }
                if let retryAfter, retryAfter > options.maxRetryAfter {
                    throw .unavailable(attempts: attempt, lastProblem: "\(problem), and the server asked to wait \(Int(retryAfter)) s")
                }
                let delay = backoff(afterAttempt: attempt, retryAfter: retryAfter)
                options.log?("token request to \(request.tokenEndpoint.absoluteString) failed (\(problem)); attempt \(attempt + 1) of \(options.maxAttempts) in \(String(format: "%.1f", delay)) s")
                Thread.sleep(forTimeInterval: delay)
            }
        }
        throw .unavailable(attempts: options.maxAttempts, lastProblem: lastProblem)
    }

    /// Seconds to wait after failed attempt `attempt` (1-based): exponential with jitter,
    /// and at least `retryAfter` when the server sent one.
    func backoff(afterAttempt attempt: Int, retryAfter: TimeInterval?) -> TimeInterval {
        let exponential = min(options.maxBackoff, options.initialBackoff * pow(2, Double(attempt - 1)))
        let jittered = exponential * Double.random(in: 0.5...1.0)
        return max(jittered, retryAfter ?? 0)
    }

    private func attemptOnce() -> AttemptOutcome {
        let started = Date()
        let settings = HTTPSettings(timeout: options.timeout, connectTimeout: options.connectTimeout, caFile: options.caFile)
        let headers = ["client-request-id: \(UUID().uuidString.lowercased())", "return-client-request-id: true"]
        do {
            let response = try CurlTransport.post(url: request.tokenEndpoint, body: request.formBody,
                                                  headers: headers, settings: settings)
            return outcome(of: response, requestedAt: started)
        } catch let error as TransportError {
            return .retry(problem: error.description, retryAfter: nil)
        } catch {
            return .retry(problem: "\(error)", retryAfter: nil)
        }
    }

    /// Classifies one HTTP answer: a token, a retryable status, or a final error.
    func outcome(of response: HTTPResponse, requestedAt started: Date) -> AttemptOutcome {
        switch response.status {
        case 200:
            return tokenOutcome(body: response.body, requestedAt: started)
        case 408, 429, 500...599:
            return .retry(problem: retryProblem(response), retryAfter: response.retryAfter)
        default:
            return .fail(TokenError(httpStatus: response.status, body: response.body, request: request))
        }
    }

    private func retryProblem(_ response: HTTPResponse) -> String {
        guard let entra = EntraErrorResponse(httpStatus: response.status, body: response.body) else {
            return "HTTP \(response.status)"
        }
        let r = entra.redacting(request.clientSecret)
        return "HTTP \(response.status): \(r.message) (\(r.supportReference))"
    }

    /// Reads `{"token_type":"Bearer","expires_in":3599,"access_token":"…"}` (RFC 6749 §5.1).
    private func tokenOutcome(body: [UInt8], requestedAt started: Date) -> AttemptOutcome {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let value = object["access_token"] as? String, !value.isEmpty else {
            return .fail(.unexpectedResponse(httpStatus: 200, detail: "no access_token in the answer"))
        }
        if let type = object["token_type"] as? String, type.lowercased() != "bearer" {
            return .fail(.unexpectedResponse(httpStatus: 200, detail: "token_type \(type), expected Bearer"))
        }
        let claims = TokenClaims(jwt: value)
        // Entra's v2.0 endpoint sends a number, v1.0 a string.
        let lifetime = (object["expires_in"] as? NSNumber)?.doubleValue ?? (object["expires_in"] as? String).flatMap(Double.init)
        guard let expiresAt = lifetime.map({ started.addingTimeInterval($0) }) ?? claims?.exp else {
            return .fail(.unexpectedResponse(httpStatus: 200, detail: "no expires_in in the answer"))
        }
        return .token(AccessToken(value: value, expiresAt: expiresAt, claims: claims))
    }
}

import Foundation
import HTTPTypes
import OpenAPIRuntime

/// How long a client keeps trying one request before it gives up (the push stays queued either way).
public struct RetryPolicy: Sendable {
    /// Tries of one request in all: after a network error, 429, 502 or 503.
    public var attempts: Int
    /// The longest wait honoured from Retry-After, and the cap of the backoff after network errors.
    public var maximumWait: Duration

    public init(attempts: Int = 5, maximumWait: Duration = .seconds(30)) {
        self.attempts = attempts
        self.maximumWait = maximumWait
    }
}

/// Gives the token for each request and asks for a new one at most once when the service answers 401.
actor TokenSource {
    private let getToken: @Sendable (_ refresh: Bool) async throws -> String
    private var current: String?

    init(getToken: @escaping @Sendable (_ refresh: Bool) async throws -> String) { self.getToken = getToken }

    func token() async throws -> String {
        if let current { return current }
        let fresh = try await getToken(false)
        current = fresh
        return fresh
    }

    func refresh() async throws -> String {
        let fresh = try await getToken(true)
        current = fresh
        return fresh
    }
}

/// Every request of the generated client goes through here: the bearer token, one token refresh on
/// 401, waiting out 429, 502 and 503 (Retry-After) and network errors, and any other failure turned
/// into a SyncServiceError from the service's JSON error body. The request body is sent again as is,
/// so a push retried here keeps its Idempotency-Key and its bytes.
struct ServiceMiddleware: ClientMiddleware {
    let tokens: TokenSource
    let policy: RetryPolicy

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var refreshed = false
        var attempt = 1
        var token = try await tokens.token()
        while true {
            var request = request
            request.headerFields[.authorization] = "Bearer \(token)"
            let response: HTTPResponse
            let responseBody: HTTPBody?
            do {
                (response, responseBody) = try await next(request, body, baseURL)
            } catch {
                guard attempt < policy.attempts else { throw error }
                try await Task.sleep(for: min(.milliseconds(200 << min(attempt, 6)), policy.maximumWait))
                attempt += 1
                continue
            }
            let status = response.status.code
            if (200..<300).contains(status) { return (response, responseBody) }
            var bytes = Data()
            if let responseBody { bytes = try await Data(collecting: responseBody, upTo: 1 << 20) }
            if status == 401 && !refreshed {
                refreshed = true
                token = try await tokens.refresh()
                continue
            }
            if [429, 502, 503].contains(status) && attempt < policy.attempts {
                let seconds = response.headerFields[.retryAfter].flatMap { Int($0) } ?? 1
                try await Task.sleep(for: min(.seconds(max(seconds, 0)), policy.maximumWait))
                attempt += 1
                continue
            }
            throw Self.serviceError(status: status, body: bytes)
        }
    }

    static func serviceError(status: Int, body: Data) -> SyncServiceError {
        struct Envelope: Decodable {
            struct Body: Decodable { var code: String; var message: String; var details: [JSONValue]? }
            var error: Body
        }
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: body) else {
            return SyncServiceError(status: status, code: "unexpected_response",
                                    message: "HTTP \(status) without the service's error body", details: [])
        }
        return SyncServiceError(status: status, code: envelope.error.code, message: envelope.error.message,
                                details: envelope.error.details ?? [])
    }
}

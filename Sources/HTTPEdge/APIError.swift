import Auth
import FastCGI
import Settings
import Store
import SyncCore

/// An error as the client sees it: the one place where failures become HTTP statuses.
struct APIError: Error {
    let status: Int
    let code: String
    let message: String
    var details: JSON = .array([])
    /// Set when `details` lists only the first `maximumDetails` of this many problems.
    var issueCount: Int?
    var headers: [(String, String)] = []

    /// An error body stays small whatever the request: at most this many problems are listed.
    static let maximumDetails = 100

    var response: HTTPResponse {
        var error = JSONObject([("code", .string(code)), ("message", .string(message)), ("details", details)])
        if let issueCount { error["issueCount"] = .int(Int64(issueCount)) }
        let body = JSON.object(JSONObject([("success", .bool(false)), ("error", .object(error))]))
        return HTTPResponse(status: status, headers: JSONResponse.headers + headers, body: Array(body.serialized.utf8))
    }

    static func notFound(_ path: String) -> APIError {
        APIError(status: 404, code: "not_found", message: "no endpoint at this path")
    }

    static func methodNotAllowed(allowed: String) -> APIError {
        APIError(status: 405, code: "method_not_allowed", message: "use \(allowed) for this endpoint", headers: [("Allow", allowed)])
    }

    static func unauthorized(_ error: TokenError) -> APIError {
        let challenge = error == .missing
            ? "Bearer realm=\"sync\""
            : "Bearer realm=\"sync\", error=\"invalid_token\", error_description=\"\(error.description)\""
        return APIError(status: 401, code: "unauthorized", message: error.description, headers: [("WWW-Authenticate", challenge)])
    }

    static func forbidden(_ message: String) -> APIError {
        APIError(status: 403, code: "forbidden", message: message)
    }

    /// RFC 6750 §3.1: the token is valid but does not grant this; the challenge names the scope it needs.
    static func insufficientScope(_ access: Scope.Access, _ entityTypes: [String]) -> APIError {
        let needed = entityTypes.map { "sync:\(access.rawValue):\($0)" }
        return APIError(status: 403, code: "insufficient_scope",
                        message: "the token may not \(access.rawValue): \(entityTypes.joined(separator: ", "))",
                        details: .array(zip(entityTypes, needed).map { type, scope in
                            .object(JSONObject([("entityType", .string(type)), ("message", .string("needs \(scope)"))]))
                        }),
                        headers: [("WWW-Authenticate", "Bearer realm=\"sync\", error=\"insufficient_scope\", scope=\"\(needed.joined(separator: " "))\"")])
    }

    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(status: 413, code: "body_too_large", message: "the request body is larger than \(limit) bytes")
    }

    static let unsupportedMediaType = APIError(status: 415, code: "unsupported_media_type",
                                               message: "send the body as application/json")

    static func unavailable() -> APIError {
        APIError(status: 503, code: "database_unavailable", message: "the database is unavailable; retry shortly",
                 headers: [("Retry-After", "1")])
    }

    static func rateLimited(retryAfter: Int) -> APIError {
        APIError(status: 429, code: "rate_limited", message: "your tenant is over its request rate; retry after \(retryAfter) s",
                 headers: [("Retry-After", String(retryAfter))])
    }

    static let internalError = APIError(status: 500, code: "internal_error", message: "the server failed to process the request")

    /// What nginx answers by itself when the workers cannot (nginx/syncd.conf writes these bodies; a
    /// test checks every body there against `nginxAnswers`).
    static let workersUnavailable = APIError(status: 502, code: "workers_unavailable",
                                             message: "the sync workers are unavailable; retry shortly", headers: [("Retry-After", "1")])
    static let gatewayTimeout = APIError(status: 504, code: "gateway_timeout", message: "the sync workers did not answer in time")

    /// Every error the site file's nginx answers in the service's shape, by status and code.
    static let nginxAnswers: [APIError] = [
        unauthorized(.missing), forbidden(""), notFound(""), methodNotAllowed(allowed: "GET, POST"), bodyTooLarge(limit: 0),
        rateLimited(retryAfter: 1), internalError, workersUnavailable, unavailable(), gatewayTimeout,
    ]

    static func from(_ error: StoreError) -> APIError {
        switch error {
        case .idempotencyKeyReused:
            return APIError(status: 422, code: "idempotency_key_reused",
                            message: "this Idempotency-Key was used with a different request body")
        case .conflictNotFound:
            return APIError(status: 404, code: "conflict_not_found", message: "no conflict with this id in your tenant")
        case .conflictAlreadyResolved:
            return APIError(status: 409, code: "conflict_resolved", message: "this conflict has been resolved already")
        case .recordChangedSinceConflict(let current):
            return APIError(status: 409, code: "record_changed",
                            message: "the record changed after this conflict was recorded: resolving with the client's copy would undo a newer edit; "
                                + "the current copy is in details (resolve with \"server\" to keep it, or push a new edit)",
                            details: .array([(try? JSON.parse(current)) ?? .null]))
        case .resetRequired:
            return APIError(status: 410, code: "reset_required",
                            message: "the server cannot continue from this lastSyncTimestamp (it was restored from a backup): "
                                + "pull again without lastSyncTimestamp, then push your local changes again")
        case .lostInsertRace:
            return APIError(status: 409, code: "concurrent_write",
                            message: "the records changed while the push was applied; retry it")
        }
    }

    static func from(_ error: RequestError) -> APIError {
        switch error {
        case .malformedJSON(let parseError) where parseError.isOverLimit:
            return APIError(status: 400, code: "body_too_complex", message: "the body is larger in shape than any request needs",
                            details: .array([.object(JSONObject([("offset", .int(Int64(parseError.offset))),
                                                                 ("message", .string(parseError.message))]))]))
        case .malformedJSON(let parseError):
            return APIError(status: 400, code: "malformed_json", message: "the body is not valid JSON",
                            details: .array([.object(JSONObject([("offset", .int(Int64(parseError.offset))),
                                                                 ("message", .string(parseError.message))]))]))
        case .invalid(let issues) where issues.count > maximumDetails:
            return APIError(status: 400, code: "validation_failed",
                            message: "the request has \(issues.count) problems; the first \(maximumDetails) are listed",
                            details: .array(issues.prefix(maximumDetails).map(\.json)), issueCount: issues.count)
        case .invalid(let issues):
            return APIError(status: 400, code: "validation_failed", message: "the request has invalid fields",
                            details: .array(issues.map(\.json)))
        case .tooManyRecords(let count, let maximum):
            return APIError(status: 400, code: "too_many_records",
                            message: "a push may carry at most \(maximum) records; this one has \(count)",
                            details: .array([.object(JSONObject([("count", .int(Int64(count))), ("maximum", .int(Int64(maximum)))]))]))
        }
    }
}

enum JSONResponse {
    static let headers = [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")]

    static func ok(_ body: JSON) -> HTTPResponse {
        ok(Array(body.serialized.utf8))
    }

    /// A body encoded before: a push's answer, as stored for its retries.
    static func ok(encoded text: String) -> HTTPResponse {
        ok(Array(text.utf8))
    }

    static func ok(_ body: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: 200, headers: headers, body: body)
    }
}

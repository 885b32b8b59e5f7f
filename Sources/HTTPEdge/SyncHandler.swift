import Administration
import Auth
import FastCGI
import Foundation
import LivePokes
import Postgres
import Settings
import SharedCounters
import Store
import SyncCore

/// Serves the sync API on one worker thread, with that thread's own database connection.
public final class SyncHandler: RequestHandler {
    /// The FastCGI parameters the handler reads; the worker pool copies only these.
    public static let parameterNames = ["HTTP_AUTHORIZATION", "CONTENT_TYPE", "HTTP_IDEMPOTENCY_KEY", "REQUEST_ID", "REMOTE_ADDR", "SYNC_EVENTS_TICKET"]

    /// What an endpoint gets once the request is authenticated and its body parsed.
    struct Call {
        let body: JSON
        let tenant: Tenant
        let claims: Claims
        /// What the token may do: its `scope` claim, else the tenant's default.
        let scope: Scope
        let request: HTTPRequest
        let store: SyncStore

        var requestID: String? { request.parameter("REQUEST_ID") }
    }

    /// What the request log line and the metrics say about the request being served.
    struct Trace {
        var requestID: JSON = .null
        var endpoint = "other"
        var tenant: String?
        var subject: String?
        var records = 0
        var conflicts = 0
    }

    let configuration: Configuration
    let registry: Registry
    let metrics: Metrics
    private let rateLimiter: RateLimiter
    private let tokens: VerifiedTokens
    private let tenants: TenantDirectory
    /// Where live pokes go (the master's relay, when SYNC_POKE_ADDRESS is set); nil: none.
    let pokes: PokeOutbox?
    /// The migrations of the SQL directory, all of which `/ready` wants applied.
    private let migrations: [String]
    private var store: SyncStore?
    /// For the ids of new records. Foundation's UUID() opened /dev/urandom for each (a twentieth of a
    /// push-100 profile).
    var random = BufferedRandom()
    var trace = Trace()

    public init(configuration: Configuration, registry: Registry, metrics: Metrics, rateLimiter: RateLimiter, pokes: PokeOutbox? = nil) {
        self.configuration = configuration
        self.registry = registry
        self.metrics = metrics
        self.rateLimiter = rateLimiter
        // The master refuses settings whose key list does not parse, so a worker never sees one.
        let keys = (try? configuration.tokenKeys()) ?? TokenKeys(primary: "")
        self.tokens = VerifiedTokens(verifier: TokenVerifier(keys: keys, policy: configuration.tokenPolicy))
        self.tenants = TenantDirectory(maximumAge: configuration.tenantCacheSeconds)
        self.pokes = configuration.pokeAddress == nil ? nil : pokes
        // Read once: the master has checked them before starting this worker.
        self.migrations = (try? Migrator.files(in: configuration.sqlDirectory)) ?? []
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let started = MonotonicClock.seconds
        metrics.started()
        defer { metrics.finished() }
        trace = Trace(requestID: request.parameter("REQUEST_ID").map(JSON.string) ?? .null)
        let response = answer(request)
        let seconds = MonotonicClock.seconds - started
        metrics.request(endpoint: trace.endpoint, status: response.status, seconds: seconds)
        if configuration.logRequests {
            Log.info("request", [
                ("requestId", trace.requestID), ("tenant", trace.tenant.map(JSON.string) ?? .null),
                ("sub", trace.subject.map(JSON.string) ?? .null), ("endpoint", .string(trace.endpoint)),
                ("status", .int(Int64(response.status))), ("durationMs", .double((seconds * 100_000).rounded() / 100)),
                ("records", .int(Int64(trace.records))), ("conflicts", .int(Int64(trace.conflicts))),
            ])
        }
        return response
    }

    private func answer(_ request: HTTPRequest) -> HTTPResponse {
        answer { try respond(to: request) }
    }

    private func answer(_ respond: () throws -> HTTPResponse) -> HTTPResponse {
        do {
            return try respond()
        } catch let error as APIError {
            return error.response
        } catch let error as RequestError {
            return APIError.from(error).response
        } catch let error as StoreError {
            return APIError.from(error).response
        } catch let error as PostgresError where error.meansUnavailable {
            store = nil
            metrics.databaseError()
            Log.error("database unavailable", [("error", .string(error.description)), ("requestId", trace.requestID)])
            return APIError.unavailable().response
        } catch {
            if error is PostgresError { metrics.databaseError() }
            Log.error("request failed", [("error", .string(String(describing: error))), ("requestId", trace.requestID)])
            return APIError.internalError.response
        }
    }

    private func respond(to request: HTTPRequest) throws -> HTTPResponse {
        guard let route = Route.byPath[request.path] else { throw APIError.notFound(request.path) }
        trace.endpoint = route.label
        guard request.method == route.method || route.method == "GET" && request.method == "HEAD" else {
            throw APIError.methodNotAllowed(allowed: route.method)
        }
        switch route.action {
        case .request(let action):
            return try action(self)(request)
        case .api(let endpoint):
            return try call(endpoint, request)
        }
    }

    /// An API endpoint: the token and tenant admitted, the JSON body parsed, the tenant entered.
    private func call(_ endpoint: (SyncHandler) -> (Call) throws -> HTTPResponse, _ request: HTTPRequest) throws -> HTTPResponse {
        let (claims, tenant) = try admit(request)
        if request.bodyTooLarge { throw APIError.bodyTooLarge(limit: configuration.maximumBodyBytes) }
        guard isJSON(request.parameter("CONTENT_TYPE")) else { throw APIError.unsupportedMediaType }
        let body: JSON
        do {
            body = try JSON.parse(request.body)
        } catch {
            throw RequestError.malformedJSON(error)
        }
        return try withDatabase { store in
            try store.enter(tenant: tenant.id)
            return try endpoint(self)(Call(body: body, tenant: tenant, claims: claims, scope: claims.scope.map(Scope.init(parsing:)) ?? tenant.defaultScope,
                                    request: request, store: store))
        }
    }

    /// The token, then its tenant (existing, active) and the tenant's rate. Checked before a body is
    /// parsed: a suspended or throttled tenant's requests cost no parsing at all.
    private func admit(_ request: HTTPRequest) throws -> (Claims, Tenant) {
        let claims = try authenticate(request)
        trace.tenant = claims.tenantID
        trace.subject = claims.subject
        return (claims, try admit(tenant: claims.tenantID))
    }

    /// Whose live pokes a subscriber may hear, and until when: nginx's auth_request for GET
    /// /api/client/sync/events (nginx/syncd.conf) comes here with the subscriber's headers, and with its
    /// `?ticket=` as the parameter SYNC_EVENTS_TICKET. 204 with the verified tenant in X-Sync-Tenant,
    /// from which nginx names the channel (the client names nothing itself), and in X-Sync-Expires the
    /// minute (Unix time / 60) that the token's exp falls in: nginx adds the channel `expires-<minute>`
    /// to the subscription, and the master deletes that channel just before the minute begins
    /// (PokeRelay), which ends the subscription before the token expires. A token with less than that
    /// left is refused: the client subscribes with a fresh one.
    func authorizeEventsForNginx(_ request: HTTPRequest) -> HTTPResponse {
        SyncHandler.refusalForNginx(answer { try authorizeEvents(request) })
    }

    private func authorizeEvents(_ request: HTTPRequest) throws -> HTTPResponse {
        let tenant: Tenant, expiresAt: Int64
        if request.parameter("HTTP_AUTHORIZATION") == nil, let ticket = request.parameter("SYNC_EVENTS_TICKET") {
            guard let redeemed = try withDatabase({ try $0.redeemEventTicket(ticket) }) else {
                throw APIError(status: 401, code: "invalid_ticket", message: "the ticket is unknown, used or expired: ask for a new one")
            }
            trace.tenant = redeemed.tenant
            tenant = try admit(tenant: redeemed.tenant)
            expiresAt = redeemed.tokenExpiresAt
        } else {
            let claims: Claims
            (claims, tenant) = try admit(request)
            expiresAt = claims.expiresAt
        }
        guard let minute = ExpiryChannels.minute(tokenExpiresAt: expiresAt, now: Int64(Date().timeIntervalSince1970)) else {
            throw APIError(status: 401, code: "unauthorized", message: "the token expires within a minute: subscribe with a fresh one")
        }
        return HTTPResponse(status: 204, headers: [("X-Sync-Tenant", tenant.id), ("X-Sync-Expires", String(minute))])
    }

    /// nginx's auth_request passes on 401 and 403 and turns any other refusal into a 500, so those
    /// become 403 with the status meant in X-Sync-Refusal, which the site file's @events_refused answers.
    static func refusalForNginx(_ response: HTTPResponse) -> HTTPResponse {
        guard response.status >= 300, response.status != 401, response.status != 403 else { return response }
        var refused = response
        refused.status = 403
        refused.headers.append(("X-Sync-Refusal", String(response.status)))
        return refused
    }

    /// A single-use ticket for one live-poke subscription, for browsers, which cannot set an
    /// Authorization header on an EventSource or a WebSocket (sql/016). It carries the token's tenant
    /// and exp, and must be redeemed within `SyncStore.eventTicketSeconds`.
    func eventTicket(_ request: HTTPRequest) throws -> HTTPResponse {
        let (claims, tenant) = try admit(request)
        var hex = ByteWriter(capacity: 64)
        for _ in 0..<4 {
            withUnsafeBytes(of: random.next()) { for byte in $0 { hex.write(hex: byte) } }
        }
        let ticket = String(decoding: hex.bytes, as: UTF8.self)
        try withDatabase { store in
            try store.enter(tenant: tenant.id)
            try store.saveEventTicket(ticket, tenant: tenant.id, tokenExpiresAt: claims.expiresAt)
        }
        let data = JSONObject([("ticket", .string(ticket)), ("expiresIn", .int(Int64(SyncStore.eventTicketSeconds)))])
        return JSONResponse.ok(SuccessBody(["data": .value(.object(data))]).bytes)
    }

    /// The tenant, when it exists and is active, within its rate.
    private func admit(tenant id: String) throws -> Tenant {
        let found = try withDatabase { store in
            try tenants.tenant(id, connection: store.connection, now: MonotonicClock.seconds)
        }
        guard let tenant = found else { throw APIError.forbidden("the token's tenant does not exist") }
        guard tenant.isActive else { throw APIError.forbidden("the token's tenant is suspended") }
        if case .limited(let retryAfter) = rateLimiter.take(tenant: tenant.id, rate: tenant.rateLimit ?? configuration.defaultRateLimit) {
            metrics.rateLimited()
            throw APIError.rateLimited(retryAfter: retryAfter)
        }
        return tenant
    }

    private func authenticate(_ request: HTTPRequest) throws -> Claims {
        let header = request.parameter("HTTP_AUTHORIZATION") ?? ""
        guard header.utf8.count > 7, header.utf8.prefix(7).elementsEqual("bearer ".utf8, by: { $0 | 0x20 == $1 }) else {
            throw APIError.unauthorized(header.isEmpty ? .missing : .malformed)
        }
        let token = String(header.dropFirst(7).trimmingSpaces)
        do {
            return try tokens.verify(token, now: Int64(Date().timeIntervalSince1970))
        } catch {
            throw APIError.unauthorized(error)
        }
    }

    /// Whether nginx says the client is this host (the addresses its site file exempts from rate limits).
    private func isLoopback(_ request: HTTPRequest) -> Bool {
        let address = request.parameter("REMOTE_ADDR")
        return address == "127.0.0.1" || address == "::1" || address == "unix:"
    }

    /// `application/json` or any `+json` type, parameters (`; charset=utf-8`) ignored.
    private func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.prefix { $0 != ";" }.trimmingSpaces.lowercased()
        return mediaType == "application/json" || mediaType.hasSuffix("+json")
    }

    /// 200 while this worker can take requests; no database work, so it stays cheap.
    func health(_ request: HTTPRequest) -> HTTPResponse {
        JSONResponse.ok(.object(JSONObject([("status", .string("ok"))])))
    }

    /// The scoreboard's counters, and how far the safe horizon lags now (left out when the database does
    /// not answer: the other metrics still do).
    func metricsText(_ request: HTTPRequest) -> HTTPResponse {
        let horizonLag = try? withDatabase { try $0.horizonLagSeconds() }
        let subscribers = configuration.pokeAddress.flatMap(PokePublisher.init(address:))?.subscriberCount()
        return HTTPResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8"), ("Cache-Control", "no-store")],
                            body: Array(metrics.render(horizonLagSeconds: horizonLag, liveSubscribers: subscribers).utf8))
    }

    /// 200 only when the database answers, every migration of the service's SQL directory is applied and
    /// the schema matches the registry. What does not match is listed only to the local host: the schema
    /// is nobody else's business.
    func ready(_ request: HTTPRequest) throws -> HTTPResponse {
        let problems: [String]
        do {
            problems = try withDatabase { database in
                if let pending = try Migrator.status(connection: database.connection, files: migrations).pendingProblem { return [pending] }
                return try SchemaCheck.mismatches(registry: registry, connection: database.connection)
            }
        } catch let error as PostgresError where error.meansUnavailable {
            store = nil
            metrics.databaseError()
            throw APIError.unavailable()
        }
        guard problems.isEmpty else {
            throw APIError(status: 503, code: "schema_mismatch", message: "the database schema is not the one this program needs",
                           details: .array(isLoopback(request) ? problems.map(JSON.string) : []), headers: [("Retry-After", "5")])
        }
        return JSONResponse.ok(.object(JSONObject([("status", .string("ready"))])))
    }

    /// Runs `body` with this thread's connection. A connection that broke while idle (the database
    /// restarted, or killed it) is only found out on use: then it is made again and `body` runs once more,
    /// unless the break came during a COMMIT, whose outcome is unknown.
    private func withDatabase<T>(_ body: (SyncStore) throws -> T) throws -> T {
        let reused = store != nil
        do {
            return try body(connectedStore())
        } catch let error as PostgresError where error.meansUnavailable && reused && !error.outcomeUnknown {
            store = nil
            return try body(connectedStore())
        } catch let error as PostgresError {
            store?.forgetTenant()
            throw error
        }
    }

    private func connectedStore() throws -> SyncStore {
        if let store, store.connection.isConnected { return store }
        let connection = try Connection(url: configuration.databaseURL)
        let fresh = try SyncStore(connection: connection, registry: registry)
        store = fresh
        return fresh
    }

}

private extension Substring {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }), let last = utf8.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return self[first...last]
    }
}

import Auth
import FastCGI
import Foundation
import Postgres
import SyncCore

/// Serves the sync API on one worker thread, with that thread's own database connection.
final class SyncHandler: RequestHandler {
    static let prefix = "/api/client/sync/"
    private static let endpoints = ["push", "pull", "pull-pending"]
    private static let pushAttempts = 3

    private let configuration: Configuration
    private let registry: Registry
    private let verifier: TokenVerifier
    private let tenants: TenantDirectory
    private var store: SyncStore?

    init(configuration: Configuration, registry: Registry) {
        self.configuration = configuration
        self.registry = registry
        self.verifier = TokenVerifier(secret: configuration.jwtSecret)
        self.tenants = TenantDirectory(maximumAge: configuration.tenantCacheSeconds)
    }

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        do {
            return try respond(to: request)
        } catch let error as APIError {
            return error.response
        } catch let error as RequestError {
            return APIError.from(error).response
        } catch let error as PostgresError where error.meansUnavailable {
            store = nil
            Log.error("database unavailable", [("error", .string(error.description)), ("requestId", requestID(request))])
            return APIError.unavailable().response
        } catch {
            Log.error("request failed", [("error", .string(String(describing: error))), ("requestId", requestID(request))])
            return APIError.internalError.response
        }
    }

    private func requestID(_ request: HTTPRequest) -> JSON {
        request.parameter("REQUEST_ID").map(JSON.string) ?? .null
    }

    private func respond(to request: HTTPRequest) throws -> HTTPResponse {
        guard request.path.hasPrefix(SyncHandler.prefix),
              case let endpoint = String(request.path.dropFirst(SyncHandler.prefix.count)),
              SyncHandler.endpoints.contains(endpoint)
        else { throw APIError.notFound(request.path) }
        guard request.method == "POST" else { throw APIError.methodNotAllowed(allowed: "POST") }

        let claims = try authenticate(request)
        if request.bodyTooLarge { throw APIError.bodyTooLarge(limit: configuration.maximumBodyBytes) }
        guard isJSON(request.parameter("CONTENT_TYPE")) else { throw APIError.unsupportedMediaType }
        let store = try connectedStore()
        guard let tenant = try tenants.tenant(claims.tenantID, connection: store.connection, now: monotonicSeconds()) else {
            throw APIError.forbidden("the token's tenant does not exist")
        }
        guard tenant.isActive else { throw APIError.forbidden("the token's tenant is suspended") }

        let body: JSON
        do {
            body = try JSON.parse(request.body)
        } catch {
            throw RequestError.malformedJSON(error)
        }
        switch endpoint {
        case "push": return try push(body, tenant: tenant, store: store)
        case "pull": return try pull(body, tenant: tenant, store: store)
        default: return try pending(body, tenant: tenant, store: store)
        }
    }

    private func authenticate(_ request: HTTPRequest) throws -> Claims {
        let header = request.parameter("HTTP_AUTHORIZATION") ?? ""
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            throw APIError.unauthorized(header.isEmpty ? .missing : .malformed)
        }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        do {
            return try verifier.verify(token, now: Int64(Date().timeIntervalSince1970))
        } catch {
            throw APIError.unauthorized(error)
        }
    }

    private func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        return mediaType == "application/json" || (mediaType?.hasSuffix("+json") ?? false)
    }

    private func connectedStore() throws -> SyncStore {
        if let store, store.connection.isConnected { return store }
        let connection = try Connection(url: configuration.databaseURL)
        let fresh = SyncStore(connection: connection, registry: registry)
        store = fresh
        return fresh
    }

    private func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    private func push(_ body: JSON, tenant: Tenant, store: SyncStore) throws -> HTTPResponse {
        let request = try PushRequest.parse(body, registry: registry, maxRecords: configuration.maximumPushRecords)
        var attempt = 1
        while true {
            do {
                let result = try store.push(request, tenant: tenant.id, strategy: tenant.strategy(for:),
                                            newID: { UUID().uuidString.lowercased() })
                var text = "{\"success\":true,\"data\":[" + result.records.joined(separator: ",") + "],\"conflicts\":"
                text += JSON.array(result.conflicts.map(\.json)).serialized
                text += ",\"syncTimestamp\":\"\((request.lastSyncTimestamp ?? .epoch).description)\"}"
                return JSONResponse.ok(text)
            } catch let error as PostgresError where error.sqlState?.meansRetry == true && attempt < SyncHandler.pushAttempts {
                attempt += 1
            } catch StoreError.lostInsertRace where attempt < SyncHandler.pushAttempts {
                attempt += 1
            }
        }
    }

    private func pull(_ body: JSON, tenant: Tenant, store: SyncStore) throws -> HTTPResponse {
        let request = try PullRequest.parse(body, registry: registry)
        let (records, position) = try store.pull(request, tenant: tenant.id)
        return JSONResponse.ok(recordsBody(records, syncTimestamp: position))
    }

    private func pending(_ body: JSON, tenant: Tenant, store: SyncStore) throws -> HTTPResponse {
        let request = try PendingRequest.parse(body, registry: registry)
        let records = try store.pending(request, tenant: tenant.id)
        return JSONResponse.ok(recordsBody(records, syncTimestamp: (request.lastSyncTimestamp ?? .epoch).description))
    }

    /// `{"success":true,"data":{"type":[rows...]},"syncTimestamp":"..."}` from the rows' JSON text.
    private func recordsBody(_ records: [(EntityType, [String])], syncTimestamp: String) -> String {
        var text = "{\"success\":true,\"data\":{"
        for (index, (entityType, rows)) in records.enumerated() {
            if index > 0 { text += "," }
            JSON.string(entityType.name).write(to: &text)
            text += ":[" + rows.joined(separator: ",") + "]"
        }
        text += "},\"syncTimestamp\":\"\(syncTimestamp)\"}"
        return text
    }
}

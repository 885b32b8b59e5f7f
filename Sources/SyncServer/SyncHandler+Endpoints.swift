import FastCGI
import Foundation
import Postgres
import SyncCore

extension SyncHandler {
    private static let pushAttempts = 3

    func push(_ call: Call) throws -> HTTPResponse {
        let request = try PushRequest.parse(call.body, registry: registry, maxRecords: configuration.maximumPushRecords)
        let idempotency = try idempotencyKey(call)
        let context = PushContext(tenant: call.tenant, subject: call.claims.subject, requestID: call.requestID,
                                  newID: { UUID().uuidString.lowercased() })
        let position = (request.lastSyncTimestamp ?? .epoch).description
        var attempt = 1
        while true {
            do {
                let outcome = try call.store.push(request, context: context, idempotency: idempotency) { result in
                    var text = "{\"success\":true,\"data\":[" + result.records.joined(separator: ",") + "],\"conflicts\":"
                    text += JSON.array(result.conflicts.map(\.json)).serialized
                    return text + ",\"syncTimestamp\":\"\(position)\"}"
                }
                switch outcome {
                case .applied(let body):
                    return JSONResponse.ok(body)
                case .replayed(let body):
                    var response = JSONResponse.ok(body)
                    response.headers.append(("Idempotent-Replayed", "true"))
                    return response
                }
            } catch let error as PostgresError where error.sqlState?.meansRetry == true && attempt < SyncHandler.pushAttempts {
                attempt += 1
            } catch StoreError.lostInsertRace where attempt < SyncHandler.pushAttempts {
                attempt += 1
            }
        }
    }

    private func idempotencyKey(_ call: Call) throws -> IdempotencyKey? {
        guard let key = call.request.parameter("HTTP_IDEMPOTENCY_KEY") else { return nil }
        guard IdempotencyKey.isValid(key) else {
            throw APIError(status: 400, code: "invalid_idempotency_key",
                           message: "an Idempotency-Key is 1 to 255 visible ASCII characters")
        }
        return IdempotencyKey(key: key, body: call.bodyText, lifetimeSeconds: configuration.idempotencyLifetimeSeconds)
    }

    func pull(_ call: Call) throws -> HTTPResponse {
        let request = try PullRequest.parse(call.body, registry: registry, limits: configuration.pageLimits)
        let page = try call.store.pull(request, tenant: call.tenant.id)
        var text = recordsObject(page.records)
        text += ",\"hasMore\":\(page.hasMore),\"syncTimestamp\":\"\(page.syncTimestamp)\"}"
        return JSONResponse.ok(text)
    }

    func pending(_ call: Call) throws -> HTTPResponse {
        let request = try PendingRequest.parse(call.body, registry: registry, limits: configuration.pageLimits)
        let page = try call.store.pending(request, tenant: call.tenant.id)
        var text = recordsObject(page.records)
        text += ",\"hasMore\":\(page.next != nil)"
        if let next = page.next { text += ",\"nextCursor\":" + JSON.string(next.text).serialized }
        text += ",\"syncTimestamp\":\"\((request.lastSyncTimestamp ?? .epoch).description)\"}"
        return JSONResponse.ok(text)
    }

    func conflicts(_ call: Call) throws -> HTTPResponse {
        guard let root = call.body.objectValue, root.keys.allSatisfy({ $0 == "limit" }) else {
            throw RequestError.invalid([ValidationIssue("the body is an object with an optional limit")])
        }
        var issues: [ValidationIssue] = []
        let limit = configuration.pageLimits.limitValue(root["limit"], issues: &issues)
        guard issues.isEmpty else { throw RequestError.invalid(issues) }
        let rows = try call.store.openConflicts(tenant: call.tenant.id, limit: limit)
        return JSONResponse.ok("{\"success\":true,\"data\":[" + rows.joined(separator: ",") + "]}")
    }

    func resolve(_ call: Call) throws -> HTTPResponse {
        let request = try ResolveRequest.parse(call.body)
        let context = PushContext(tenant: call.tenant, subject: call.claims.subject, requestID: call.requestID, newID: { "" })
        let record = try call.store.resolveConflict(request, registry: registry, context: context)
        return JSONResponse.ok("{\"success\":true,\"data\":" + record + "}")
    }

    /// `{"success":true,"data":{"type":[rows...]}` (left open) from the rows' JSON text.
    private func recordsObject(_ records: [(EntityType, [String])]) -> String {
        var text = "{\"success\":true,\"data\":{"
        for (index, (entityType, rows)) in records.enumerated() {
            if index > 0 { text += "," }
            JSON.string(entityType.name).write(to: &text)
            text += ":[" + rows.joined(separator: ",") + "]"
        }
        return text + "}"
    }
}

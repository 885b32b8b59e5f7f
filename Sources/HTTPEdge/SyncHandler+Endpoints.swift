import FastCGI
import Foundation
import Postgres
import Settings
import Store
import SyncCore

extension SyncHandler {
    private static let pushAttempts = 3

    func push(_ call: Call) throws -> HTTPResponse {
        let named = call.body["changes"]?.objectValue?.keys.filter { registry.entityType(named: $0) != nil } ?? []
        try require(.write, call.scope.denied(.write, named))
        let request = try PushRequest.parse(call.body, registry: registry, maxRecords: configuration.maximumPushRecords)
        if let position = request.lastSyncTimestamp, call.tenant.lostPositions.contains(position) {
            throw StoreError.resetRequired
        }
        let idempotency = try idempotencyKey(call)
        var context = PushContext(tenant: call.tenant, subject: call.claims.subject, requestID: call.requestID,
                                  newID: { [unowned self] in UUIDText.random(using: &random) })
        context.clock = EditClock(receivedAt: Timestamp(microsecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000_000)),
                                  toleranceSeconds: configuration.clockSkewSeconds)
        var attempt = 1
        while true {
            do {
                let outcome = try call.store.push(request, context: context, idempotency: idempotency) { result in
                    var body = SuccessBody(["data": .records(result.records), "conflicts": .value(.array(result.conflicts.map(\.json)))])
                    if !result.clamps.isEmpty { body.add("clockClamped", .value(.array(result.clamps.map(\.json)))) }
                    if !result.rejected.isEmpty { body.add("rejected", .value(.array(result.rejected.map(\.json)))) }
                    if !request.warnings.isEmpty {   // the first hundred, like an error's details
                        body.add("warnings", .value(.array(request.warnings.prefix(APIError.maximumDetails).map(\.json))))
                        if request.warnings.count > APIError.maximumDetails { body.add("warningCount", .value(.int(Int64(request.warnings.count)))) }
                    }
                    // A push echoes the position it was sent, or its device's (PushResult.position).
                    body.add("syncTimestamp", .value(.string(result.position.description)))
                    return body.text
                }
                switch outcome {
                case .applied(let body, let result):
                    if let stamp = result.latestStamp, let pokes, !pokes.poke(tenant: call.tenant.id, stamp: stamp) { metrics.pokeDropped() }
                    trace.records = request.recordCount
                    trace.conflicts = result.conflicts.count
                    for batch in request.batches { metrics.pushed(batch.entityType.name, batch.items.count) }
                    for conflict in result.conflicts { metrics.conflict(conflict.strategy) }
                    metrics.clocksClamped(result.clamps.count)
                    return JSONResponse.ok(encoded: body)
                case .replayed(let body):
                    var response = JSONResponse.ok(encoded: body)
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
        return IdempotencyKey(key: key, request: call.body.canonical,
                              lifetimeSeconds: configuration.idempotencyLifetimeSeconds)
    }

    func pull(_ call: Call) throws -> HTTPResponse {
        let request = try PullRequest.parse(call.body, registry: registry, limits: configuration.pageLimits, whenAbsent: readable(call))
        try require(.read, call.scope.denied(.read, request.entityTypes.map(\.name)))
        if let position = request.since, call.tenant.lostPositions.contains(position) {
            throw StoreError.resetRequired
        }
        let page = try call.store.pull(request, tenant: call.tenant.id, device: call.claims.subject, byteBudget: configuration.pageMaximumBytes)
        count(page.records)
        let body = SuccessBody(["data": .page(page.records), "hasMore": .value(.bool(page.hasMore)),
                                "syncTimestamp": .value(.string(page.syncTimestamp.description))])
        return JSONResponse.ok(body.bytes)
    }

    func pending(_ call: Call) throws -> HTTPResponse {
        let request = try PendingRequest.parse(call.body, registry: registry, limits: configuration.pageLimits, whenAbsent: readable(call))
        try require(.read, call.scope.denied(.read, request.entityTypes.map(\.name)))
        let page = try call.store.pending(request, tenant: call.tenant.id, byteBudget: configuration.pageMaximumBytes)
        count(page.records)
        var body = SuccessBody(["data": .page(page.records), "hasMore": .value(.bool(page.next != nil))])
        if let next = page.next { body.add("nextCursor", .value(.string(next.text))) }
        body.add("syncTimestamp", .value(.string((request.lastSyncTimestamp ?? .epoch).description)))
        return JSONResponse.ok(body.bytes)
    }

    func conflicts(_ call: Call) throws -> HTTPResponse {
        guard let root = call.body.objectValue, root.keys.allSatisfy({ $0 == "limit" }) else {
            throw RequestError.invalid([ValidationIssue("the body is an object with an optional limit")])
        }
        var issues: [ValidationIssue] = []
        let limit = configuration.pageLimits.limitValue(root["limit"], issues: &issues)
        guard issues.isEmpty else { throw RequestError.invalid(issues) }
        let visible = registry.names.filter { call.scope.allows(.read, $0) }
        let rows = try call.store.openConflicts(tenant: call.tenant.id, entityTypes: visible, limit: limit)
        return JSONResponse.ok(SuccessBody(["data": .records(rows)]).bytes)
    }

    func resolve(_ call: Call) throws -> HTTPResponse {
        let request = try ResolveRequest.parse(call.body)
        let context = PushContext(tenant: call.tenant, subject: call.claims.subject, requestID: call.requestID, newID: { "" })
        let record = try call.store.resolveConflict(request, registry: registry, context: context) { entityType in
            try require(.write, call.scope.denied(.write, [entityType.name]))
        }
        if let stamp = record.stamp, let pokes, !pokes.poke(tenant: call.tenant.id, stamp: stamp) { metrics.pokeDropped() }
        return JSONResponse.ok(SuccessBody(["data": .record(record.json)]).bytes)
    }

    /// The types a pull without `entityTypes` returns: those the token may read (all of them when it
    /// may read none, so that the request is refused naming them).
    private func readable(_ call: Call) -> [EntityType] {
        let types = registry.entityTypes.filter { call.scope.allows(.read, $0.name) }
        return types.isEmpty ? registry.entityTypes : types
    }

    private func require(_ access: Scope.Access, _ denied: [String]) throws {
        guard denied.isEmpty else { throw APIError.insufficientScope(access, denied) }
    }

    private func count(_ records: [EntityRows]) {
        for rows in records {
            trace.records += rows.count
            metrics.pulled(rows.entityType.name, rows.count)
        }
    }
}

import Foundation
import Postgres
import SyncCore

extension SyncStore {
    /// Applies a push in one transaction: all of it or nothing. `render` makes the response body,
    /// which is stored with the Idempotency-Key (when there is one) in the same transaction. Without a
    /// key, the push's last write carries the COMMIT in its round trip when no statement follows it
    /// (no conflict to record): nothing after it may fail, so `render` must not throw.
    public func push(
        _ request: PushRequest, context: PushContext, idempotency: IdempotencyKey?, render: (PushResult) -> String
    ) throws -> PushOutcome {
        do {
            return try writeTransaction(naming: context) {
                try applyInTransaction(request, context: context, idempotency: idempotency, render: render)
            }
        } catch let replay as Replay {
            return .replayed(replay.response)
        }
    }

    /// A push whose Idempotency-Key was used before by the same request: its stored response, answered
    /// after the transaction that found it is rolled back (it may have read and locked rows).
    private struct Replay: Error {
        let response: String
    }

    private func applyInTransaction(
        _ request: PushRequest, context: PushContext, idempotency: IdempotencyKey?, render: (PushResult) -> String
    ) throws -> PushOutcome {
        let tenant = context.tenant.id
        // Inside the transaction, so that its failure undoes a last write that carries the COMMIT.
        var remembered: (() throws -> Timestamp?)?
        if request.lastSyncTimestamp == nil, let device = context.subject {
            remembered = try rememberedPosition(tenant: tenant, device: device)
        }
        // The key's claim rides with the push's first read (its reference checks or row locks), and is
        // settled before its first write.
        var claim = try idempotency.map { try claimAhead($0, tenant: tenant, subject: context.subject ?? "") }
        let settleClaim = {
            guard let pending = claim else { return }
            claim = nil
            if let stored = try pending() { throw Replay(response: stored) }
        }
        var result = PushResult()
        var issues: [ValidationIssue] = []
        for (index, batch) in request.batches.enumerated() {
            try apply(batch, context: context, result: &result, issues: &issues,
                      mayCommit: idempotency == nil && index == request.batches.count - 1, beforeWriting: settleClaim)
        }
        try settleClaim()
        guard issues.isEmpty else { throw RequestError.invalid(issues) }
        result.position = try request.lastSyncTimestamp ?? remembered?() ?? .epoch
        let body = render(result)
        if let idempotency {   // goes with the COMMIT, in one round trip; its failure rolls the push back
            try connection.sendAhead(prepared: "idempotency.save",
                                     "UPDATE idempotency_keys SET response = $3 WHERE tenant_id = $1 AND key = $2 AND subject = $4",
                                     [tenant, idempotency.key, body, context.subject ?? ""], ownTransaction: false)
        }
        return .applied(body, result)
    }

    /// Takes the device's key for this push, sent ahead of the push's next statement; the function
    /// returned reads the outcome: nil when this push took the key, else the response stored for it.
    /// Waits while another transaction holds the same key, so concurrent retries apply once. The request
    /// is compared in its canonical form, so a retry that differs only in whitespace or member order is
    /// the same request.
    private func claimAhead(_ idempotency: IdempotencyKey, tenant: String, subject: String) throws -> () throws -> String? {
        let claimed = AheadResult(on: connection)
        try connection.sendAhead(prepared: "idempotency.claim", """
            INSERT INTO idempotency_keys AS k (tenant_id, subject, key, request_hash) \
            VALUES ($1, $5, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex')) \
            ON CONFLICT (tenant_id, subject, key) DO UPDATE \
                SET request_hash = EXCLUDED.request_hash, response = NULL, created_at = clock_timestamp() \
                WHERE k.created_at < clock_timestamp() - make_interval(secs => $4::integer) \
            RETURNING true
            """, [tenant, idempotency.key, idempotency.request, String(idempotency.lifetimeSeconds), subject],
            ownTransaction: false, into: claimed)
        return {
            if try claimed.value().rowCount == 1 { return nil }
            let stored = try connection.execute(prepared: "idempotency.read", """
                SELECT request_hash = encode(sha256(convert_to($3, 'UTF8')), 'hex'), response \
                FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND subject = $4
                """, [tenant, idempotency.key, idempotency.request, subject])
            guard stored.bool(row: 0, column: 0) == true, let response = stored.string(row: 0, column: 1) else {
                throw StoreError.idempotencyKeyReused
            }
            return response
        }
    }

    /// Applies one entity type's records: decides each under the row locks, then writes all inserts in
    /// one statement and all updates in another. A record pushed twice in one request is applied in a
    /// later round, against the outcome of the first. `mayCommit`: nothing is written after this batch,
    /// so its last write commits, unless a conflict is recorded after it. `beforeWriting` runs before
    /// each write, after the batch's reads (the push settles its key's claim there).
    private func apply(_ batch: PushBatch, context: PushContext, result: inout PushResult, issues: inout [ValidationIssue],
                       mayCommit: Bool, beforeWriting: () throws -> Void) throws {
        let tenant = context.tenant.id
        let strategy = context.tenant.strategy(for: batch.entityType)
        let unreferenced = try missingReferences(batch, tenant: tenant)
        result.rejected += unreferenced
        let refused = Set(unreferenced.compactMap(\.index))
        let batch = PushBatch(entityType: batch.entityType, items: batch.items.filter { !refused.contains($0.index) })
        var stored = try lockedRecords(batch, tenant: tenant)
        let items = batch.items.map { (item: $0, id: $0.id ?? context.newID()) }
        var rows = [String?](repeating: nil, count: items.count)
        let rounds = rounds(items.map(\.id))
        for (number, round) in rounds.enumerated() {
            var plans: [(index: Int, plan: WritePlan)] = []
            for index in round {
                let (item, id) = items[index]
                switch WritePlan.decide(item: item, id: id, stored: stored[id], entityType: batch.entityType, strategy: strategy,
                                        clock: context.clock) {
                case .failure(let issue): issues.append(issue)
                case .success(let plan): plans.append((index, plan))
                }
            }
            guard issues.isEmpty else { continue }
            let commits = mayCommit && number == rounds.count - 1 && plans.allSatisfy { $0.plan.conflict == nil }
            try beforeWriting()
            let written = try write(plans.map(\.plan.action), entityType: batch.entityType, tenant: tenant, committing: commits)
            for (index, plan) in plans {
                let id = items[index].id
                let serverCopy = stored[id]
                switch plan.action {
                case .insert, .update:
                    guard let row = written[id] else { throw StoreError.lostInsertRace }
                    rows[index] = row.json
                    stored[id] = row.record
                    // Stamps are fixed-width UTC text, so the greatest string is the newest stamp.
                    if let stamp = row.record[SyncFields.lastUpdatedName]?.stringValue, stamp > (result.latestStamp ?? "") {
                        result.latestStamp = stamp
                    }
                case .keep:
                    rows[index] = JSON.object(serverCopy ?? JSONObject()).serialized
                case .awaitDecision:
                    var marked = serverCopy ?? JSONObject()
                    marked[SyncFields.syncStatusName] = .string("conflict")
                    rows[index] = JSON.object(marked).serialized
                }
                if var clamp = plan.clamped {
                    if let spelled = items[index].item.spelledID { clamp.id = spelled }
                    result.clamps.append(clamp)
                }
                if let spelled = items[index].item.spelledID, let row = rows[index] {
                    rows[index] = row.replacingOccurrences(of: "\"id\":\"\(id)\"", with: "\"id\":\"\(spelled)\"")
                }
                if let clientID = items[index].item.clientID, let row = rows[index], row.hasSuffix("}") {
                    rows[index] = String(row.dropLast()) + ",\"clientId\":" + clientID.serialized + "}"
                }
                if var conflict = plan.conflict, let server = serverCopy {
                    conflict.conflictID = try record(conflict, client: items[index].item.values, server: server, context: context)
                    if let spelled = items[index].item.spelledID { conflict.id = spelled }
                    result.conflicts.append(conflict)
                }
            }
        }
        result.records += rows.compactMap { $0 }
    }

    /// Splits positions into rounds in which each id appears once, keeping request order.
    private func rounds(_ ids: [String]) -> [[Int]] {
        var seen: [String: Int] = [:]
        var rounds: [[Int]] = []
        for (index, id) in ids.enumerated() {
            let round = seen[id, default: 0]
            seen[id] = round + 1
            if round == rounds.count { rounds.append([]) }
            rounds[round].append(index)
        }
        return rounds
    }

    /// Runs the inserts and updates among `actions`, one statement each, the last one with the COMMIT
    /// when `committing`; returns the stored rows by id. Every row written comes back: the updated rows
    /// are locked, and an insert whose id another transaction took since the lock fails whole (the
    /// push is then retried: `lostInsertRace`).
    private func write(_ actions: [WritePlan.Action], entityType: EntityType, tenant: String,
                       committing: Bool) throws -> [String: (json: String, record: JSONObject)] {
        let statements = sql(entityType)
        var inserts: [JSONObject] = []
        var updates: [JSONObject] = []
        var expected: [String?] = []
        for action in actions {
            switch action {
            case .insert(let record): inserts.append(record)
            case .update(let record, let version): updates.append(record); expected.append(String(version))
            case .keep, .awaitDecision: break
            }
        }
        var written: [String: (json: String, record: JSONObject)] = [:]
        func collect(_ rows: QueryResult) throws {
            for row in 0..<rows.rowCount {
                let record = try statements.coding.record(rows, row: row)
                if let id = record[SyncFields.idName]?.stringValue { written[id] = (try statements.coding.json(rows, row: row), record) }
            }
        }
        func run(_ name: String, _ sql: String, _ parameters: [String?], last: Bool) throws -> QueryResult {
            last && committing
                ? try connection.executeCommitting(prepared: name, sql, parameters, binaryResults: true)
                : try connection.execute(prepared: name, sql, parameters, binaryResults: true)
        }
        if !inserts.isEmpty {
            do {
                try collect(try run("\(entityType.name).insert", statements.insert, statements.writeParameters(tenant: tenant, records: inserts),
                                    last: updates.isEmpty))
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                throw StoreError.lostInsertRace
            }
        }
        if !updates.isEmpty {
            try collect(try run("\(entityType.name).update", statements.update,
                                statements.writeParameters(tenant: tenant, records: updates) + [SQLValue.array(expected)], last: true))
        }
        return written
    }

    /// Stores a conflict in `sync_conflicts`; returns its id.
    /// Records the conflict; returns its id. The same change pushed again against the same version while
    /// its conflict is still open is that conflict, not a second one.
    private func record(_ conflict: ConflictReport, client: JSONObject, server: JSONObject, context: PushContext) throws -> Int64 {
        let rows = try connection.execute(prepared: "conflict.record", """
            WITH open AS ( \
                SELECT id FROM sync_conflicts WHERE $9 = 'open' AND tenant_id = $1 AND outcome = 'open' AND entity_type = $2 \
                    AND record_id = $3::uuid AND client_version = $4::integer AND server_version = $5::integer \
                    AND client_payload = $6::jsonb LIMIT 1), \
            added AS ( \
                INSERT INTO sync_conflicts (tenant_id, entity_type, record_id, client_version, server_version, \
                    client_payload, server_payload, strategy, outcome, pushed_by, request_id) \
                SELECT $1, $2, $3::uuid, $4::integer, $5::integer, $6::jsonb, $7::jsonb, $8, $9, $10, $11 \
                WHERE NOT EXISTS (SELECT 1 FROM open) RETURNING id) \
            SELECT id FROM open UNION ALL SELECT id FROM added
            """, [context.tenant.id, conflict.entityType, conflict.id, String(conflict.clientVersion), String(conflict.serverVersion),
                  JSON.object(client).serialized, JSON.object(server).serialized, conflict.strategy.rawValue,
                  conflict.winner.rawValue, context.subject, context.requestID])
        return rows.int(row: 0, column: 0) ?? 0
    }

    /// The server copies of the batch's records, locked until the transaction ends.
    private func lockedRecords(_ batch: PushBatch, tenant: String) throws -> [String: JSONObject] {
        let ids = Array(Set(batch.items.compactMap(\.id)))
        guard !ids.isEmpty else { return [:] }
        let rows = try connection.execute(prepared: "\(batch.entityType.name).lock", sql(batch.entityType).selectForUpdate,
                                          [tenant, SQLValue.uuidArray(ids.sorted())], binaryResults: true)
        let coding = sql(batch.entityType).coding
        var records: [String: JSONObject] = [:]
        for index in 0..<rows.rowCount {
            let record = try coding.record(rows, row: index)
            if let id = record[SyncFields.idName]?.stringValue { records[id] = record }
        }
        return records
    }

    /// Reference fields that name no record of the referenced type in this tenant: each such record is
    /// refused alone.
    private func missingReferences(_ batch: PushBatch, tenant: String) throws -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        for field in batch.entityType.fields {
            guard let target = field.references, let targetSQL = statements[target] else { continue }
            let named = Set(batch.items.compactMap { $0.values[field.name]?.stringValue })
            guard !named.isEmpty else { continue }
            let rows = try connection.execute(prepared: "\(target).exists", targetSQL.existingIDs,
                                              [tenant, SQLValue.uuidArray(named.sorted())])
            let existing = Set((0..<rows.rowCount).compactMap { rows.string(row: $0, column: 0) })
            for item in batch.items {
                guard let id = item.values[field.name]?.stringValue, !existing.contains(id) else { continue }
                issues.append(ValidationIssue(entityType: batch.entityType.name, index: item.index, field: field.name,
                                              "does not name a \(target) record of this tenant"))
            }
        }
        return issues
    }
}

import Postgres
import SyncCore

/// The sync operations against PostgreSQL, for one connection and the registry's statements.
struct SyncStore {
    let connection: Connection
    let statements: [String: EntitySQL]

    init(connection: Connection, registry: Registry) {
        self.connection = connection
        self.statements = Dictionary(uniqueKeysWithValues: registry.entityTypes.map { ($0.name, EntitySQL($0)) })
    }

    private func sql(_ entityType: EntityType) -> EntitySQL { statements[entityType.name]! }

    /// Applies a push in one transaction: all of it or nothing.
    func push(
        _ request: PushRequest, tenant: String, strategy: (EntityType) -> ConflictStrategy, newID: () -> String
    ) throws -> PushResult {
        try connection.transaction {
            var result = PushResult()
            var issues: [ValidationIssue] = []
            for batch in request.batches {
                try apply(batch, tenant: tenant, strategy: strategy(batch.entityType), newID: newID,
                          result: &result, issues: &issues)
            }
            guard issues.isEmpty else { throw RequestError.invalid(issues) }
            return result
        }
    }

    private func apply(
        _ batch: PushBatch, tenant: String, strategy: ConflictStrategy, newID: () -> String,
        result: inout PushResult, issues: inout [ValidationIssue]
    ) throws {
        let statements = sql(batch.entityType)
        let entityName = batch.entityType.name
        issues += try missingReferences(batch, tenant: tenant)
        var stored = try lockedRecords(batch, tenant: tenant)
        for item in batch.items {
            let id = item.id ?? newID()
            let plan: WritePlan
            switch WritePlan.decide(item: item, id: id, stored: stored[id], entityType: batch.entityType, strategy: strategy) {
            case .failure(let issue):
                issues.append(issue)
                continue
            case .success(let decided):
                plan = decided
            }
            guard issues.isEmpty else { continue }
            let row: String
            switch plan.action {
            case .insert(let record):
                let rows = try connection.execute(prepared: "\(entityName).insert", statements.insert,
                                                  statements.writeParameters(tenant: tenant, record: record))
                guard let text = rows.string(row: 0, column: 0) else { throw StoreError.lostInsertRace }
                row = text
            case .update(let record, let expectedVersion):
                let rows = try connection.execute(
                    prepared: "\(entityName).update", statements.update,
                    statements.writeParameters(tenant: tenant, record: record) + [String(expectedVersion)])
                guard let text = rows.string(row: 0, column: 0) else { throw StoreError.lostInsertRace }
                row = text
            case .keep:
                row = stored[id].map { JSON.object($0).serialized } ?? "null"
            }
            if let object = try? JSON.parse(row).objectValue { stored[id] = object }
            result.records.append(row)
            if let conflict = plan.conflict { result.conflicts.append(conflict) }
        }
    }

    /// The server copies of the batch's records, locked until the transaction ends.
    private func lockedRecords(_ batch: PushBatch, tenant: String) throws -> [String: JSONObject] {
        let ids = Array(Set(batch.items.compactMap(\.id)))
        guard !ids.isEmpty else { return [:] }
        let rows = try connection.execute(prepared: "\(batch.entityType.name).lock", sql(batch.entityType).selectForUpdate,
                                          [tenant, SQLValue.uuidArray(ids.sorted())])
        var records: [String: JSONObject] = [:]
        for index in 0..<rows.rowCount {
            guard let bytes = rows.bytes(row: index, column: 0), let object = try? JSON.parse(bytes).objectValue,
                  let id = object[SyncFields.idName]?.stringValue
            else { continue }
            records[id] = object
        }
        return records
    }

    /// Reference fields that name no record of the referenced type in this tenant.
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

    /// The tenant's records changed after `since`, oldest change first, with the position to resume from.
    /// Everything is read from one snapshot, so the position covers exactly what was returned.
    func pull(_ request: PullRequest, tenant: String) throws -> (records: [(EntityType, [String])], syncTimestamp: String) {
        try connection.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
            let clock = try connection.execute(prepared: "clock", "SELECT sync_iso(last_change) FROM sync_clock WHERE tenant_id = $1", [tenant])
            let position = clock.string(row: 0, column: 0) ?? Timestamp.epoch.description
            let since = request.since?.description ?? "-infinity"
            var records: [(EntityType, [String])] = []
            for entityType in request.entityTypes {
                let rows = try connection.execute(prepared: "\(entityType.name).changed", sql(entityType).changedSince, [tenant, since])
                records.append((entityType, (0..<rows.rowCount).compactMap { rows.string(row: $0, column: 0) }))
            }
            return (records, position)
        }
    }

    /// The tenant's records that match each type's pending rule.
    func pending(_ request: PendingRequest, tenant: String) throws -> [(EntityType, [String])] {
        try connection.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
            try request.entityTypes.map { entityType in
                let statements = sql(entityType)
                let rows = try connection.execute(prepared: "\(entityType.name).pending", statements.pending,
                                                  [tenant] + statements.pendingParameters)
                return (entityType, (0..<rows.rowCount).compactMap { rows.string(row: $0, column: 0) })
            }
        }
    }
}

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

    func sql(_ entityType: EntityType) -> EntitySQL { statements[entityType.name]! }

    /// One page of the tenant's records changed after `since`, oldest change first, with the position
    /// to resume from. Everything is read from one snapshot, so the position covers exactly what was
    /// returned: the last record's stamp when there is more, else the tenant's clock.
    func pull(_ request: PullRequest, tenant: String) throws -> (records: [(EntityType, [String])], hasMore: Bool, syncTimestamp: String) {
        try connection.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
            let clock = try connection.execute(prepared: "clock", "SELECT sync_iso(last_change) FROM sync_clock WHERE tenant_id = $1", [tenant])
            let since = request.since?.description ?? "-infinity"
            let candidates = try request.entityTypes.map { entityType in
                try stampedRows(prepared: "\(entityType.name).changed", sql(entityType).changedSince,
                                [tenant, since, String(request.limit + 1)])
            }
            let page = PullPage.select(candidates, limit: request.limit)
            let position = page.hasMore
                ? page.last!.description
                : clock.string(row: 0, column: 0) ?? request.since?.description ?? Timestamp.epoch.description
            return (Array(zip(request.entityTypes, page.records)), page.hasMore, position)
        }
    }

    /// One page of the tenant's records that match each type's pending rule, types in request order.
    func pending(_ request: PendingRequest, tenant: String) throws -> (records: [(EntityType, [String])], next: PendingCursor?) {
        try connection.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
            var records: [(EntityType, [String])] = []
            var remaining = request.limit
            var next: PendingCursor?
            var started = request.cursor == nil
            for entityType in request.entityTypes {
                var after = "-infinity"
                if !started, let cursor = request.cursor {
                    guard cursor.entityType == entityType.name else { records.append((entityType, [])); continue }
                    started = true
                    after = cursor.after.description
                }
                guard remaining > 0, next == nil else { records.append((entityType, [])); continue }
                let statements = sql(entityType)
                let rows = try stampedRows(prepared: "\(entityType.name).pending", statements.pending,
                                           [tenant, after, String(remaining + 1)] + statements.pendingParameters)
                let taken = rows.prefix(remaining)
                records.append((entityType, taken.map(\.json)))
                remaining -= taken.count
                let isLastType = entityType.name == request.entityTypes.last?.name
                if let last = taken.last, rows.count > taken.count || (remaining == 0 && !isLastType) {
                    next = PendingCursor(entityType: entityType.name, after: last.stamp)
                }
            }
            return (records, next)
        }
    }

    /// Names the pusher and request for the history trigger, for the rest of the transaction.
    func nameWriter(_ context: PushContext) throws {
        try connection.execute(prepared: "log.context",
                               "SELECT set_config('sync.sub', coalesce($1, ''), true), set_config('sync.request_id', coalesce($2, ''), true)",
                               [context.subject, context.requestID])
    }

    private func stampedRows(prepared name: String, _ statement: String, _ parameters: [String?]) throws -> [StampedRecord] {
        let rows = try connection.execute(prepared: name, statement, parameters)
        return (0..<rows.rowCount).compactMap { row in
            guard let json = rows.string(row: row, column: 0),
                  let stamp = rows.string(row: row, column: 1).flatMap(Timestamp.init(iso8601:))
            else { return nil }
            return StampedRecord(stamp: stamp, json: json)
        }
    }
}

import Postgres
import SyncCore

/// The sync operations against PostgreSQL, for one connection and the registry's statements.
struct SyncStore {
    let connection: Connection
    let statements: [String: EntitySQL]

    /// Prepares the connection's session: timestamps are read as text in UTC, and prepared
    /// statements keep one generic plan. Left to choose, PostgreSQL kept planning the pull statement
    /// anew on every execution (a profile of pull-100 showed its planner as the largest cost), while
    /// the generic plan is the same index scan for every tenant and position.
    init(connection: Connection, registry: Registry) throws {
        try connection.execute("SET TIME ZONE 'UTC'")
        try connection.execute("SET DateStyle = 'ISO, YMD'")
        try connection.execute("SET plan_cache_mode = force_generic_plan")
        self.connection = connection
        self.statements = Dictionary(uniqueKeysWithValues: registry.entityTypes.map { ($0.name, EntitySQL($0)) })
    }

    func sql(_ entityType: EntityType) -> EntitySQL { statements[entityType.name]! }

    /// One page of the tenant's records changed after `since`, oldest change first, with the position
    /// to resume from. Everything is read from one snapshot (one statement, or a repeatable-read
    /// transaction for several types), so the position covers exactly what was returned: the last
    /// record's stamp when there is more, else the tenant's clock.
    func pull(_ request: PullRequest, tenant: String) throws -> (records: [(entityType: EntityType, rows: [UInt8], count: Int)], hasMore: Bool, syncTimestamp: String) {
        let since = request.since?.description ?? "-infinity"
        let read = {
            try request.entityTypes.map { entityType in
                try connection.execute(prepared: "\(entityType.name).changed", sql(entityType).changedSince,
                                       [tenant, since, String(request.limit + 1)], binaryResults: true)
            }
        }
        let results = request.entityTypes.count == 1
            ? try read()
            : try connection.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", read)
        // Column 0 is the clock, the row's columns follow (all NULL on the single row of an empty page).
        let stamps = try zip(request.entityTypes, results).map { entityType, result in
            let coding = sql(entityType).coding
            return try (0..<result.rowCount).filter { !result.isNull(row: $0, column: 1) }.map {
                try coding.stamp(result, row: $0, column: 1)
            }
        }
        let page = PullPage.select(stamps, limit: request.limit)
        var records: [(entityType: EntityType, rows: [UInt8], count: Int)] = []
        for (index, entityType) in request.entityTypes.enumerated() {
            let rows = try rowsJSON(results[index], count: page.taken[index], column: 1, coding: sql(entityType).coding)
            records.append((entityType, rows, page.taken[index]))
        }
        let clock = results.first.flatMap { result in
            result.withBytes(row: 0, column: 0) { $0.flatMap(BinaryValue.timestamp) }
        }.map(Timestamp.init(microsecondsSinceEpoch:))
        let position = page.hasMore ? page.last : clock ?? request.since ?? .epoch
        return (records, page.hasMore, (position ?? .epoch).description)
    }

    /// One page of the tenant's records that match each type's pending rule, types in request order,
    /// read from one snapshot (one statement, or a repeatable-read transaction for several types).
    func pending(_ request: PendingRequest, tenant: String) throws -> (records: [(entityType: EntityType, rows: [UInt8], count: Int)], next: PendingCursor?) {
        let read = {
            var records: [(entityType: EntityType, rows: [UInt8], count: Int)] = []
            var remaining = request.limit
            var next: PendingCursor?
            var started = request.cursor == nil
            for entityType in request.entityTypes {
                var after = "-infinity"
                if !started, let cursor = request.cursor {
                    guard cursor.entityType == entityType.name else { records.append((entityType, [], 0)); continue }
                    started = true
                    after = cursor.after.description
                }
                guard remaining > 0, next == nil else { records.append((entityType, [], 0)); continue }
                let statements = sql(entityType)
                let rows = try connection.execute(prepared: "\(entityType.name).pending", statements.pending,
                                                  [tenant, after, String(remaining + 1)] + statements.pendingParameters,
                                                  binaryResults: true)
                let taken = min(rows.rowCount, remaining)
                records.append((entityType, try rowsJSON(rows, count: taken, column: 0, coding: statements.coding), taken))
                remaining -= taken
                let isLastType = entityType.name == request.entityTypes.last?.name
                if taken > 0, rows.rowCount > taken || (remaining == 0 && !isLastType) {
                    next = PendingCursor(entityType: entityType.name, after: try statements.coding.stamp(rows, row: taken - 1))
                }
            }
            return (records, next)
        }
        return request.entityTypes.count == 1
            ? try read()
            : try connection.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", read)
    }

    /// The first `count` rows as comma-separated JSON objects.
    private func rowsJSON(_ result: QueryResult, count: Int, column: Int, coding: RowCoding) throws -> [UInt8] {
        var writer = ByteWriter(capacity: count * 320)
        try coding.write(result, rows: 0..<count, column: column, to: &writer)
        return writer.bytes
    }

    /// Names the pusher and request for the history trigger, for the rest of the transaction.
    func nameWriter(_ context: PushContext) throws {
        try connection.execute(prepared: "log.context",
                               "SELECT set_config('sync.sub', coalesce($1, ''), true), set_config('sync.request_id', coalesce($2, ''), true)",
                               [context.subject, context.requestID])
    }
}

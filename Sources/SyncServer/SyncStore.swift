import Postgres
import SyncCore

/// The sync operations against PostgreSQL, for one connection and the registry's statements.
struct SyncStore {
    let connection: Connection
    let statements: [String: EntitySQL]
    private let session = Session()

    /// The tenant this connection's session names to row-level security (sql/009); nil: none.
    private final class Session {
        var tenant: String?
    }

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

    /// Names `tenant` to row-level security for this session: from then on the connection sees and may
    /// write that tenant's rows only, whatever a statement says. A session setting, in a transaction of
    /// its own (a rolled-back transaction would undo it), sent only when the tenant changes and then in
    /// the same round trip as the request's first statement. Should it fail, that statement throws, and
    /// the next request sends it again.
    func enter(tenant: String) throws {
        guard session.tenant != tenant else { return }
        session.tenant = nil
        try connection.sendAhead(prepared: "tenant.enter", "SELECT set_config('sync.tenant', $1, false)", [tenant])
        session.tenant = tenant
    }

    /// Forgets which tenant the session names, after a failure that may have left it unset.
    func forgetTenant() {
        session.tenant = nil
    }

    /// One page of the tenant's records changed after `since`, oldest change first, with the position
    /// to resume from. Everything is read from one snapshot (one statement, or a repeatable-read
    /// transaction for several types), so the position covers exactly what was returned: the last
    /// record's stamp when there is more, else the tenant's clock. The page stops at `limit` rows, or
    /// after the row that brings its JSON to `byteBudget` bytes.
    func pull(_ request: PullRequest, tenant: String, byteBudget: Int) throws -> RecordPage {
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
        let page = PullPage(stamps: stamps, limit: request.limit)
        // The page's rows in change order, a run of one type's rows at a time, until the budget is spent.
        var json = Array(repeating: [UInt8](), count: request.entityTypes.count)
        var taken = Array(repeating: 0, count: request.entityTypes.count)
        var written = 0, bytes = 0
        while written < page.order.count, bytes < byteBudget {
            let type = page.order[written]
            var run = 1
            while written + run < page.order.count, page.order[written + run] == type { run += 1 }
            var writer = ByteWriter(capacity: min(run * 320, byteBudget - bytes))
            let rows = try sql(request.entityTypes[type]).coding.write(
                results[type], rows: taken[type]..<(taken[type] + run), column: 1, continuing: taken[type] > 0,
                byteBudget: byteBudget - bytes, to: &writer)
            bytes += writer.byteCount
            if json[type].isEmpty { json[type] = writer.bytes } else { json[type] += writer.bytes }
            taken[type] += rows
            written += rows
        }
        let cut = written < page.order.count
        let records = request.entityTypes.indices.map { index in
            EntityRows(entityType: request.entityTypes[index], json: json[index], count: taken[index])
        }
        let clock = results.first.flatMap { result in
            result.withBytes(row: 0, column: 0) { $0.flatMap(BinaryValue.timestamp) }
        }.map(Timestamp.init(microsecondsSinceEpoch:))
        // No position the server handed out is past its clock: this one comes from a database that has
        // since been restored from a backup. Answering the clock would move the device back in time. (A
        // tenant that never changed has no clock; any position is then as good as the epoch.)
        if let since = request.since, let clock, since > clock { throw StoreError.resetRequired }
        let hasMore = page.hasMore || cut
        let position = hasMore && written > 0 ? page.stamps[written - 1] : clock ?? request.since ?? .epoch
        return RecordPage(records: records, hasMore: hasMore, syncTimestamp: position.description)
    }

    /// One page of the tenant's records that match each type's pending rule, types in request order,
    /// read from one snapshot (one statement, or a repeatable-read transaction for several types).
    /// The page stops at `limit` rows, or after the row that brings its JSON to `byteBudget` bytes.
    func pending(_ request: PendingRequest, tenant: String, byteBudget: Int) throws -> (records: [EntityRows], next: PendingCursor?) {
        let read = {
            var records: [EntityRows] = []
            var remaining = request.limit
            var bytes = 0
            var next: PendingCursor?
            var started = request.cursor == nil
            for entityType in request.entityTypes {
                var after = "-infinity"
                if !started, let cursor = request.cursor {
                    guard cursor.entityType == entityType.name else { records.append(EntityRows(entityType: entityType)); continue }
                    started = true
                    after = cursor.after.description
                }
                guard remaining > 0, next == nil else { records.append(EntityRows(entityType: entityType)); continue }
                let statements = sql(entityType)
                let rows = try connection.execute(prepared: "\(entityType.name).pending", statements.pending,
                                                  [tenant, after, String(remaining + 1)] + statements.pendingParameters,
                                                  binaryResults: true)
                let available = min(rows.rowCount, remaining)
                var writer = ByteWriter(capacity: min(available * 320, byteBudget))
                let taken = try statements.coding.write(rows, rows: 0..<available, byteBudget: byteBudget - bytes, to: &writer)
                bytes += writer.byteCount
                records.append(EntityRows(entityType: entityType, json: writer.bytes, count: taken))
                remaining -= taken
                let isLastType = entityType.name == request.entityTypes.last?.name
                let outOfBudget = bytes >= byteBudget
                if outOfBudget { remaining = 0 }
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

    /// Names the pusher and request for the history trigger, for the rest of the transaction.
    func nameWriter(_ context: PushContext) throws {
        try connection.execute(prepared: "log.context",
                               "SELECT set_config('sync.sub', coalesce($1, ''), true), set_config('sync.request_id', coalesce($2, ''), true)",
                               [context.subject, context.requestID])
    }
}

import Postgres
import SyncCore

/// The sync operations against PostgreSQL, for one connection and the registry's statements.
public struct SyncStore {
    public let connection: Connection
    public let statements: [String: EntitySQL]
    private let session = Session()

    /// The tenant this connection's session names to row-level security (sql/009); nil: none.
    private final class Session {
        var tenant: String?
    }

    /// Prepares the connection's session: timestamps are read as text in UTC, and prepared
    /// statements keep one generic plan. Left to choose, PostgreSQL kept planning the pull statement
    /// anew on every execution (a profile of pull-100 showed its planner as the largest cost), while
    /// the generic plan is the same index scan for every tenant and position. A transaction of the
    /// service holds back every pull's safe horizon while it runs (sql/013): none may run long.
    public init(connection: Connection, registry: Registry) throws {
        try connection.execute("SET TIME ZONE 'UTC'")
        try connection.execute("SET DateStyle = 'ISO, YMD'")
        try connection.execute("SET plan_cache_mode = force_generic_plan")
        try connection.execute("SET statement_timeout = '30s'")
        try connection.execute("SET idle_in_transaction_session_timeout = '10s'")
        self.connection = connection
        let latestStamp = EntitySQL.latestStamp(registry.entityTypes)
        self.statements = Dictionary(uniqueKeysWithValues: registry.entityTypes.map { ($0.name, EntitySQL($0, latestStamp: latestStamp)) })
    }

    /// The statements of a type of this store's registry (built anew for any other, which requests never name).
    public func sql(_ entityType: EntityType) -> EntitySQL {
        statements[entityType.name] ?? EntitySQL(entityType, latestStamp: EntitySQL.latestStamp([entityType]))
    }

    /// Names `tenant` to row-level security for this session: from then on the connection sees and may
    /// write that tenant's rows only, whatever a statement says. A session setting, sent only when the
    /// tenant changes and then in the same round trip as the request's first statement, without a sync
    /// point of its own (a second one costs the server a second wake-up): it shares that statement's
    /// implicit transaction, or ends before a BEGIN (a rolled-back transaction would undo it). When that
    /// statement fails, the setting is undone with it: the failure is a PostgresError, after which the
    /// caller calls `forgetTenant()`, and the next request sends it again.
    public func enter(tenant: String) throws {
        guard session.tenant != tenant else { return }
        session.tenant = nil
        try connection.sendAhead(prepared: "tenant.enter", SyncStore.tenantEntering, [tenant], ownTransaction: false)
        session.tenant = tenant
    }

    /// Names the tenant ($1) to row-level security, for the session.
    public static let tenantEntering = "SELECT set_config('sync.tenant', $1, false)"

    /// Forgets which tenant the session names, after a failure that may have left it unset.
    public func forgetTenant() {
        session.tenant = nil
    }

    /// One page of the tenant's records changed after `since`, oldest change first, with the position
    /// to resume from. Only changes stamped before the safe horizon are read (sql/013: no transaction
    /// still in flight can commit a stamp below it), all from one snapshot (one statement, or a
    /// repeatable-read transaction for several types), so the position covers exactly what was
    /// returned: the last record's stamp (nothing stamped between it and the horizon is left). The
    /// page stops at `limit` rows, or after the row that brings its JSON to `byteBudget` bytes, and
    /// never inside a run of equal stamps.
    /// `device`: the token's subject, whose answered position is remembered for its pushes (sql/014).
    public func pull(_ request: PullRequest, tenant: String, device: String?, byteBudget: Int) throws -> RecordPage {
        // Undone with the pull should the pull fail, which is harmless: each pull computes its own.
        try connection.sendAhead(prepared: "horizon", SyncStore.horizonAhead, [], ownTransaction: false)
        let since = request.since?.description ?? "-infinity"
        let types = request.entityTypes
        let read = { () throws -> (page: PullPage, rows: [QueryResult], latest: Int64?, remembered: Int64?) in
            let changed = try types.map { entityType in
                try connection.execute(prepared: "\(entityType.name).changed", sql(entityType).changedSince,
                                       [tenant, since, String(request.limit + 1), device], binaryResults: true)
            }
            let latest = changed[0].binaryTimestamp(row: 0, column: 0)
            let remembered = changed[0].binaryTimestamp(row: 0, column: 1)
            let page = PullPage(stamps: try stamps(changed, of: types), limit: request.limit)
            guard let tied = page.tiedStamp else { return (page, changed, latest, remembered) }
            let run = try types.map { entityType in
                try connection.execute(prepared: "\(entityType.name).changedAt", sql(entityType).changedAt,
                                       [tenant, tied.description], binaryResults: true)
            }
            return (PullPage(wholeRun: try stamps(run, of: types)), run, latest, remembered)
        }
        let (page, results, latest, remembered) = types.count == 1
            ? try read()
            : try connection.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", read)
        // No position the server handed out is past the tenant's newest stamp: this one comes from a
        // database that has since been restored from a backup (or had rows purged). Resuming from it
        // could skip what the device never had. (A tenant without rows: any position is as good.)
        if let since = request.since, let latest, since.microsecondsSinceEpoch > latest { throw StoreError.resetRequired }
        // The page's rows in change order, a run of one type's rows at a time, until the budget is
        // spent; past it, only the rows that share the last one's stamp.
        var json = Array(repeating: [UInt8](), count: types.count)
        var taken = Array(repeating: 0, count: types.count)
        var written = 0, bytes = 0
        while written < page.order.count, bytes < byteBudget || page.splitsRun(at: written) {
            let type = page.order[written]
            var run = 1
            while written + run < page.order.count, page.order[written + run] == type { run += 1 }
            let budget = bytes < byteBudget ? byteBudget - bytes : 1
            var writer = ByteWriter(capacity: min(run * 320, max(budget, 320)))
            let rows = try sql(types[type]).coding.write(
                results[type], rows: taken[type]..<(taken[type] + run), column: 2, continuing: taken[type] > 0,
                byteBudget: budget, to: &writer)
            bytes += writer.byteCount
            if json[type].isEmpty { json[type] = writer.bytes } else { json[type] += writer.bytes }
            taken[type] += rows
            written += rows
        }
        let hasMore = page.hasMore || written < page.order.count
        let records = types.indices.map { index in
            EntityRows(entityType: types[index], json: json[index], count: taken[index])
        }
        let position = written > 0 ? page.stamps[written - 1] : request.since ?? .epoch
        if let device, remembered != position.microsecondsSinceEpoch {
            try connection.execute(prepared: "device.remember", """
                INSERT INTO sync_device_positions AS d (tenant_id, subject, position) VALUES ($1, $2, $3::timestamptz) \
                ON CONFLICT (tenant_id, subject) DO UPDATE SET position = EXCLUDED.position
                """, [tenant, device, position.description])
        }
        return RecordPage(records: records, hasMore: hasMore, syncTimestamp: position.description)
    }

    /// The position last answered to `device`'s pulls, for a push that sends none (sql/014). Looked up
    /// in the round trip of the next statement (the push's first): the function returned reads it.
    func rememberedPosition(tenant: String, device: String) throws -> () throws -> Timestamp? {
        let lookup = AheadResult(on: connection)
        try connection.sendAhead(prepared: "device.position", SyncStore.rememberedPositionLookup,
                                 [tenant, device], ownTransaction: false, binaryResults: true, into: lookup)
        return {
            let rows = try lookup.value()
            return rows.rowCount == 0 ? nil : rows.binaryTimestamp(row: 0, column: 0).map(Timestamp.init(microsecondsSinceEpoch:))
        }
    }

    /// The position last answered to the device $2 of the tenant $1 (no row: none yet).
    public static let rememberedPositionLookup = "SELECT position FROM sync_device_positions WHERE tenant_id = $1 AND subject = $2"

    /// How far the safe horizon is behind the database's clock, in seconds (+Inf while it is stopped).
    public func horizonLagSeconds() throws -> Double? {
        let rows = try connection.execute(prepared: "horizon.lag", """
            SELECT CASE WHEN h = '-infinity' THEN 'Infinity'::float8 ELSE extract(epoch FROM statement_timestamp() - h)::float8 END \
            FROM sync_safe_horizon() h
            """, [])
        return rows.string(row: 0, column: 0).flatMap(Double.init)
    }

    /// Computes the safe horizon into the session setting `sync.horizon`, in a statement of its own sent
    /// ahead of a pull's, so that the pull's snapshot comes after it (sql/013, sync_safe_horizon).
    public static let horizonAhead = "SELECT set_config('sync.horizon', sync_safe_horizon()::text, false)"

    /// Per entity type, the change stamps of the rows of its result (fields from column 2; an empty page
    /// is one row of NULLs).
    private func stamps(_ results: [QueryResult], of types: [EntityType]) throws -> [[Timestamp]] {
        try zip(types, results).map { entityType, result in
            let coding = sql(entityType).coding
            return try (0..<result.rowCount).filter { !result.isNull(row: $0, column: 2) }.map {
                try coding.stamp(result, row: $0, column: 2)
            }
        }
    }

    /// One page of the tenant's records that match each type's pending rule, types in request order,
    /// read from one snapshot (one statement, or a repeatable-read transaction for several types).
    /// The page stops at `limit` rows, or after the row that brings its JSON to `byteBudget` bytes.
    public func pending(_ request: PendingRequest, tenant: String, byteBudget: Int) throws -> PendingPage {
        let read = {
            var records: [EntityRows] = []
            var remaining = request.limit
            var bytes = 0
            var next: PendingCursor?
            var started = request.cursor == nil
            for entityType in request.entityTypes {
                var after = "-infinity", afterID = PendingCursor.lastID
                if !started, let cursor = request.cursor {
                    guard cursor.entityType == entityType.name else { records.append(EntityRows(entityType: entityType)); continue }
                    started = true
                    after = cursor.after.description
                    afterID = cursor.id ?? PendingCursor.lastID
                }
                guard remaining > 0, next == nil else { records.append(EntityRows(entityType: entityType)); continue }
                let statements = sql(entityType)
                let rows = try connection.execute(prepared: "\(entityType.name).pending", statements.pending,
                                                  [tenant, after, String(remaining + 1), afterID] + statements.pendingParameters,
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
                    next = PendingCursor(entityType: entityType.name, after: try statements.coding.stamp(rows, row: taken - 1),
                                         id: try statements.coding.record(rows, row: taken - 1)[SyncFields.idName]?.stringValue)
                }
            }
            return PendingPage(records: records, next: next)
        }
        return request.entityTypes.count == 1
            ? try read()
            : try connection.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", read)
    }

    /// Runs `body` in a transaction whose changes the history triggers ascribe to `context`'s pusher and
    /// request: every write of the service goes through here. They are named first thing in the
    /// transaction, in settings of that transaction, sent ahead of its next statement (no round trip of
    /// their own, and no sync point: session settings would need one before the BEGIN, which libpq 15
    /// sends by itself).
    func writeTransaction<T>(naming context: PushContext, _ body: () throws -> T) throws -> T {
        try connection.transaction {
            try connection.sendAhead(prepared: "log.context", SyncStore.writerNaming, [context.subject, context.requestID],
                                     ownTransaction: false)
            return try body()
        }
    }

    /// Names the writer (token subject, request id) to the history triggers, for the transaction.
    public static let writerNaming = "SELECT set_config('sync.sub', coalesce($1, ''), true), set_config('sync.request_id', coalesce($2, ''), true)"
}

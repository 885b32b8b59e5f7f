@testable import Administration
import Foundation
import Postgres
import Synchronization
import SyncCore
import XCTest
@testable import Store
@testable import HTTPEdge
@testable import SharedCounters
@testable import Supervision

final class SyncStoreTests: XCTestCase {
    let registry = Registry.standard

    static let limits = PageLimits(defaultLimit: 1000, maximumLimit: 5000)

    func push(_ store: SyncStore, tenant: String, _ text: String, strategy: ConflictStrategy = .serverWins) throws -> PushResult {
        try SyncStoreTests.push(store, tenant: tenant, text, strategy: strategy)
    }

    /// Pushes and returns what the push stored, parsed back.
    static func push(_ store: SyncStore, tenant: String, _ text: String, strategy: ConflictStrategy = .serverWins) throws -> PushResult {
        let request = try PushRequest.parse(try JSON.parse(text), registry: .standard, maxRecords: 1000)
        let context = PushContext(tenant: Tenant(id: tenant, isActive: true, conflictStrategy: strategy, rateLimit: nil), subject: "tester",
                                  requestID: nil, newID: { UUID().uuidString.lowercased() })
        var captured = PushResult()
        _ = try store.push(request, context: context, idempotency: nil) { result in
            captured = result
            return ""
        }
        return captured
    }

    func pull(_ store: SyncStore, tenant: String, since: String? = nil, types: [String] = ["end_user", "interactions"],
              limit: Int? = nil, byteBudget: Int = .max) throws -> (records: [String: [JSONObject]], position: String, hasMore: Bool) {
        var body = JSONObject([("entityTypes", .array(types.map(JSON.string)))])
        if let since { body["lastSyncTimestamp"] = .string(since) }
        if let limit { body["limit"] = .int(Int64(limit)) }
        let page = try store.pull(try PullRequest.parse(.object(body), registry: registry, limits: SyncStoreTests.limits), tenant: tenant, device: nil,
                                  byteBudget: byteBudget)
        var result: [String: [JSONObject]] = [:]
        for rows in page.records {
            let list = try JSON.parse([UInt8(ascii: "[")] + rows.json + [UInt8(ascii: "]")]).arrayValue ?? []
            XCTAssertEqual(list.count, rows.count)
            result[rows.entityType.name] = try list.map { try XCTUnwrap($0.objectValue) }
        }
        return (result, page.syncTimestamp, page.hasMore)
    }

    /// A page stops at its byte budget (one record always goes, however large) and says there is more;
    /// walking pages from the position it gives returns every record once, in change order.
    func testPagesStopAtTheirByteBudgetAndMissNothing() throws {
        let connection = try TestDatabase.connect()
        let tenant = try TestDatabase.makeTenant(connection)
        let store = try SyncStore(connection: connection, registry: registry)
        let control = String(repeating: "\u{1}", count: 2_000)   // 2,000 bytes stored, 12,000 sent
        var users: [JSON] = []
        var interactions: [JSON] = []
        for n in 0..<12 {
            users.append(.object(JSONObject([("name", .string("user \(n)"))])))
            interactions.append(.object(JSONObject([("type", .string("call")), ("description", .string(control))])))
        }
        let changes = JSON.object(JSONObject([("changes", .object(JSONObject([("end_user", .array(users)), ("interactions", .array(interactions))])))]))
        _ = try push(store, tenant: tenant, changes.serialized)
        let budget = 30_000
        var position: String?
        var seen: [String] = []
        for _ in 0..<30 {
            let page = try pull(store, tenant: tenant, since: position, byteBudget: budget)
            XCTAssertLessThanOrEqual(page.records["interactions"]?.count ?? 0, 3, "a 30 kB page holds at most three 12 kB records")
            seen += page.records.values.flatMap { $0 }.compactMap { $0["id"]?.stringValue }
            position = page.position
            if !page.hasMore { break }
        }
        XCTAssertEqual(seen.count, 24)
        XCTAssertEqual(Set(seen).count, 24)

        let single = try pull(store, tenant: tenant, byteBudget: 1)
        XCTAssertEqual(single.records.values.reduce(0) { $0 + $1.count }, 1, "a record larger than the budget still goes, alone")
        XCTAssertTrue(single.hasMore)
    }

    /// Two transactions can stamp the same microsecond. A page never ends inside such a run: walked with
    /// any limit or byte budget, over one type or two, the pages return every record exactly once.
    func testChangesStampedInTheSameMicrosecondArePagedWhole() throws {
        let connection = try TestDatabase.connect()
        let tenant = try TestDatabase.makeTenant(connection)
        let store = try SyncStore(connection: connection, registry: registry)
        _ = try push(store, tenant: tenant, """
            {"changes":{"end_user":[{"name":"a"},{"name":"b"},{"name":"c"},{"name":"d"},{"name":"last"}],
            "interactions":[{"type":"call"},{"type":"visit"}]}}
            """)
        try connection.transaction {
            for table in ["end_user", "interactions"] {
                try connection.execute("ALTER TABLE \(table) DISABLE TRIGGER \(table)_track_change")
                try connection.execute("""
                    UPDATE \(table) SET last_updated = CASE WHEN \(table == "end_user" ? "name = 'last'" : "false") \
                    THEN '2026-01-01T00:00:02Z'::timestamptz ELSE '2026-01-01T00:00:01Z' END WHERE tenant_id = $1
                    """, [tenant])
                try connection.execute("ALTER TABLE \(table) ENABLE TRIGGER \(table)_track_change")
            }
        }
        for types in [["end_user"], ["end_user", "interactions"]] {
            let expected = types.count == 1 ? 5 : 7
            for (limit, budget) in [(1, Int.max), (2, Int.max), (4, Int.max), (5, Int.max), (10, Int.max), (10, 1), (10, 400)] {
                var position: String?
                var seen: [String] = []
                for _ in 0..<20 {
                    let page = try pull(store, tenant: tenant, since: position, types: types, limit: limit, byteBudget: budget)
                    seen += page.records.values.flatMap { $0 }.compactMap { $0["id"]?.stringValue }
                    position = page.position
                    if !page.hasMore { break }
                }
                XCTAssertEqual(seen.count, expected, "\(types), limit \(limit), budget \(budget): \(seen.count) records")
                XCTAssertEqual(Set(seen).count, expected, "\(types), limit \(limit), budget \(budget): a record twice")
            }
        }
    }

    func testSchemaMatchesTheRegistry() throws {
        let connection = try TestDatabase.connect()
        XCTAssertEqual(try SchemaCheck.mismatches(registry: registry, connection: connection), [])
    }

    func testSchemaCheckNamesAMismatch() throws {
        let connection = try TestDatabase.connect()
        let user = registry.entityType(named: "end_user")!
        let changed = EntityType(
            name: "end_user", table: "end_user",
            fields: [Field("name", .text(maxLength: 255)), Field("phone", .text(maxLength: 50), nullable: true),
                     Field("email", .integer(0...1), nullable: true)],
            deletedRule: user.deletedRule, pendingRule: user.pendingRule, defaultConflictStrategy: .serverWins)
        let problems = try SchemaCheck.mismatches(registry: Registry([changed]), connection: connection)
        XCTAssertTrue(problems.contains { $0.contains("end_user.phone") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.contains("end_user.email is text") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.contains("active") || $0.contains("is_deleted") } == false)
    }

    func testSchemaCheckNamesASoftDeleteRuleTheTriggerDoesNotFollow() throws {
        let connection = try TestDatabase.connect()
        let user = registry.entityType(named: "end_user")!
        let changed = EntityType(
            name: "end_user", table: "end_user",
            fields: [Field("name", .text(maxLength: 255)), Field("email", .text(maxLength: 255), nullable: true),
                     Field("active", .flag, default: .int(1)), Field("is_deleted", .flag, default: .int(0))],
            deletedRule: RowRule([("active", .int(0))]), pendingRule: user.pendingRule, defaultConflictStrategy: .serverWins)
        let problems = try SchemaCheck.mismatches(registry: Registry([changed]), connection: connection)
        XCTAssertEqual(problems, ["trigger end_user_soft_delete does not set active = 0, the registry's deleted rule"])
    }

    func testPushThenPullRoundTrip() throws {
        let connection = try TestDatabase.connect()
        let tenant = try TestDatabase.makeTenant(connection)
        let store = try SyncStore(connection: connection, registry: registry)
        let pushed = try push(store, tenant: tenant, #"{"changes":{"end_user":[{"name":"Integration Test User","email":"integration@test.com","sync_status":"pending"}]}}"#)
        let record = try XCTUnwrap(JSON.parse(pushed.records[0]).objectValue)
        XCTAssertEqual(record["sync_status"], .string("synced"))
        XCTAssertEqual(record["server_synced"], .int(1))
        XCTAssertNotNil(record["last_updated"]?.stringValue.flatMap(Timestamp.init(iso8601:)))
        let (records, position, _) = try pull(store, tenant: tenant, since: "1970-01-01T00:00:00.000Z", types: ["end_user"])
        XCTAssertEqual(records["end_user"]?.count, 1)
        XCTAssertEqual(position, record["last_updated"]?.stringValue)
        XCTAssertEqual(try pull(store, tenant: tenant, since: position).records["end_user"]?.count, 0)
    }

    func testTenantsAreApart() throws {
        let connection = try TestDatabase.connect()
        let a = try TestDatabase.makeTenant(connection)
        let b = try TestDatabase.makeTenant(connection)
        let store = try SyncStore(connection: connection, registry: registry)
        let id = UUID().uuidString.lowercased()
        _ = try push(store, tenant: a, #"{"changes":{"end_user":[{"id":"\#(id)","name":"A's"}]}}"#)
        _ = try push(store, tenant: b, #"{"changes":{"end_user":[{"id":"\#(id)","name":"B's"}]}}"#)
        XCTAssertEqual(try pull(store, tenant: a).records["end_user"]?.map { $0["name"] }, [.string("A's")])
        XCTAssertEqual(try pull(store, tenant: b).records["end_user"]?.map { $0["name"] }, [.string("B's")])
        let refused = try push(store, tenant: b, #"{"changes":{"interactions":[{"type":"call","client_user_id":"\#(UUID().uuidString)"}]}}"#)
        XCTAssertEqual(refused.rejected.map(\.field), ["client_user_id"])
    }

    func testInteractionMustNameAUserOfTheSameTenant() throws {
        let connection = try TestDatabase.connect()
        let a = try TestDatabase.makeTenant(connection)
        let b = try TestDatabase.makeTenant(connection)
        let store = try SyncStore(connection: connection, registry: registry)
        let userID = UUID().uuidString.lowercased()
        _ = try push(store, tenant: a, #"{"changes":{"end_user":[{"id":"\#(userID)","name":"A's user"}]}}"#)
        let refused = try push(store, tenant: b, #"{"changes":{"interactions":[{"type":"call","client_user_id":"\#(userID)"}]}}"#)
        XCTAssertEqual(refused.rejected.map(\.field), ["client_user_id"])
        XCTAssertEqual(refused.records, [], "refused alone, nothing stored")
        let ok = try push(store, tenant: a, """
            {"changes":{"end_user":[{"id":"\(UUID().uuidString)","name":"new"}],"interactions":[{"type":"call","client_user_id":"\(userID)"}]}}
            """)
        XCTAssertEqual(ok.records.count, 2)
    }

    /// A record whose reference the server lacks is refused alone; the rest of the push is stored.
    func testARecordWithAMissingReferenceIsRefusedAlone() throws {
        let connection = try TestDatabase.connect()
        let tenant = try TestDatabase.makeTenant(connection)
        let store = try SyncStore(connection: connection, registry: registry)
        let pushed = try push(store, tenant: tenant, """
            {"changes":{"end_user":[{"name":"stored"}],"interactions":[{"type":"call","client_user_id":"\(UUID().uuidString)"},{"type":"kept"}]}}
            """)
        XCTAssertEqual(pushed.rejected.map { "\($0.entityType ?? "")/\($0.index ?? -1)/\($0.field ?? "")" }, ["interactions/0/client_user_id"])
        let pulled = try pull(store, tenant: tenant)
        XCTAssertEqual(pulled.records["end_user"]?.count, 1)
        XCTAssertEqual(pulled.records["interactions"]?.map { $0["type"] }, [.string("kept")])
    }

    /// A push the store refuses writes nothing (all or nothing).
    func testRejectedPushWritesNothing() throws {
        let connection = try TestDatabase.connect()
        let tenant = try TestDatabase.makeTenant(connection)
        let store = try SyncStore(connection: connection, registry: registry)
        // The users are written before the interactions are decided; a new interaction without its type
        // then fails the push, and the users go with it.
        XCTAssertThrowsError(try push(store, tenant: tenant, """
            {"changes":{"end_user":[{"name":"would be stored"}],"interactions":[{"title":"no type"}]}}
            """))
        XCTAssertEqual(try pull(store, tenant: tenant).records["end_user"]?.count, 0)
    }

    /// Pages are decoded from PostgreSQL's binary format: every value must read as PostgreSQL's own
    /// text form of it says.
    func testPulledValuesAreWhatPostgreSQLHolds() throws {
        let connection = try TestDatabase.connect()
        let tenant = try TestDatabase.makeTenant(connection)
        let store = try SyncStore(connection: connection, registry: registry)
        let names = ["quote \" backslash \\ slash /", "line\nbreak\ttab\r\u{01}", "sep \u{2028} \u{2029}", "Zoë 😀 日本", ""]
        let times = ["1969-07-20 20:17:40.000001+00", "2024-02-29 23:59:59.999999+00", "9999-12-31 23:59:59+00", "0001-01-01 00:00:00+00"]
        for (index, name) in names.enumerated() {
            try connection.execute("INSERT INTO end_user (tenant_id, name, email, updated_at, version) VALUES ($1, $2, NULL, $3, $4)",
                                   [tenant, name, index < times.count ? times[index] : nil, String(Int32.max - Int32(index))])
        }
        let expected = try connection.execute("""
            SELECT id::text, name, to_char(last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), \
            to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), version::text, active::text \
            FROM end_user WHERE tenant_id = $1 ORDER BY last_updated
            """, [tenant])
        let pulled = try XCTUnwrap(pull(store, tenant: tenant, types: ["end_user"]).records["end_user"])
        XCTAssertEqual(pulled.count, names.count)
        for (row, record) in pulled.enumerated() {
            XCTAssertEqual(record["id"], .string(try XCTUnwrap(expected.string(row: row, column: 0))))
            XCTAssertEqual(record["name"], .string(try XCTUnwrap(expected.string(row: row, column: 1))))
            XCTAssertEqual(record["last_updated"], .string(try XCTUnwrap(expected.string(row: row, column: 2))))
            XCTAssertEqual(record["updatedAt"], expected.string(row: row, column: 3).map(JSON.string) ?? .null)
            XCTAssertEqual(record["version"], .int(try XCTUnwrap(expected.int(row: row, column: 4))))
            XCTAssertEqual(record["active"], .int(try XCTUnwrap(expected.int(row: row, column: 5))))
            XCTAssertEqual(record["email"], .null)
        }
    }

    /// Pushed values reach PostgreSQL as array literals: each must arrive as it was.
    func testArrayLiteralsCarryEveryValueAsItIs() throws {
        let connection = try TestDatabase.connect()
        let values: [String?] = ["plain", "", nil, "NULL", "quote \" and \\ backslash", "{braces}, commas", " spaced ", "Zoë 😀", "\\\""]
        let rows = try connection.execute("SELECT v FROM unnest($1::text[]) WITH ORDINALITY AS a(v, n) ORDER BY n",
                                          [SQLValue.array(values)])
        XCTAssertEqual((0..<rows.rowCount).map { rows.string(row: $0, column: 0) }, values)
    }

    /// Pull-pending binds the pending rule's values and runs a generic plan: it must still find the
    /// pending rows through an index on the rule's columns, not walk the tenant's change history.
    func testPendingRowsAreFoundThroughTheirIndex() throws {
        let connection = try TestDatabase.connect()
        let tenant = try TestDatabase.makeTenant(connection)
        let store = try SyncStore(connection: connection, registry: registry)
        _ = try store.pending(try PendingRequest.parse(.object(JSONObject()), registry: registry, limits: SyncStoreTests.limits), tenant: tenant,
                              byteBudget: .max)
        // EXPLAIN EXECUTE takes no bound parameters: PostgreSQL quotes the tenant for it.
        let quoted = try XCTUnwrap(connection.execute("SELECT quote_literal($1)", [tenant]).string(row: 0, column: 0))
        for (type, parameters) in [("end_user", "'pending', '0'"), ("interactions", "'pending'")] {
            let plan = try connection.execute("EXPLAIN EXECUTE \"\(type).pending\"(\(quoted), '-infinity', 101, '\(PendingCursor.lastID)', \(parameters))")
            let text = (0..<plan.rowCount).compactMap { plan.string(row: $0, column: 0) }.joined(separator: "\n")
            XCTAssertTrue(text.contains("using \(type)_pending"), text)
            XCTAssertTrue(text.contains(type == "end_user" ? "sync_status = $5" : "status = $5"), text)
        }
    }

    func testDirectWritesAreSyncedLikePushedOnes() throws {
        let connection = try TestDatabase.connect()
        let tenant = try TestDatabase.makeTenant(connection)
        let store = try SyncStore(connection: connection, registry: registry)
        let before = try pull(store, tenant: tenant).position
        let id = UUID().uuidString.lowercased()
        try connection.execute("INSERT INTO end_user (tenant_id, id, name) VALUES ($1, $2, 'Admin made')", [tenant, id])
        let afterInsert = try pull(store, tenant: tenant, since: before)
        XCTAssertEqual(afterInsert.records["end_user"]?.first?["name"], .string("Admin made"))
        XCTAssertEqual(afterInsert.records["end_user"]?.first?["version"], .int(1))
        let pending = try store.pending(try PendingRequest.parse(.object(JSONObject()), registry: registry, limits: SyncStoreTests.limits),
                                        tenant: tenant, byteBudget: .max)
        XCTAssertEqual(try JSON.parse([UInt8(ascii: "[")] + (pending.records.first?.json ?? []) + [UInt8(ascii: "]")]).arrayValue?.count, 1,
                       "a direct insert is pending")

        try connection.execute("UPDATE end_user SET name = 'Admin edited' WHERE tenant_id = $1 AND id = $2", [tenant, id])
        let afterUpdate = try pull(store, tenant: tenant, since: afterInsert.position)
        let edited = try XCTUnwrap(afterUpdate.records["end_user"]?.first)
        XCTAssertEqual(edited["version"], .int(2), "a direct update bumps the version, so stale devices conflict")
        XCTAssertEqual(edited["updatedAt"], edited["last_updated"], "a server-side write's edit time is its commit stamp")
    }

    func testConcurrentUpdatesOfOneVersionApplyOnce() throws {
        let connection = try TestDatabase.connect()
        let tenant = try TestDatabase.makeTenant(connection)
        let store = try SyncStore(connection: connection, registry: registry)
        let id = UUID().uuidString.lowercased()
        _ = try push(store, tenant: tenant, #"{"changes":{"end_user":[{"id":"\#(id)","name":"v1"}]}}"#)
        let url = ProcessInfo.processInfo.environment["SYNC_TEST_DATABASE_URL"]!
        let writers = 8
        let outcomes = Outcomes()
        DispatchQueue.concurrentPerform(iterations: writers) { index in
            do {
                let own = try SyncStore(connection: try Connection(url: url), registry: Registry.standard)
                let result = try SyncStoreTests.push(own, tenant: tenant,
                                                     #"{"changes":{"end_user":[{"id":"\#(id)","name":"writer \#(index)","version":1}]}}"#)
                outcomes.record(conflicted: !result.conflicts.isEmpty)
            } catch {
                outcomes.record(error: "\(error)")
            }
        }
        XCTAssertEqual(outcomes.errors, [])
        XCTAssertEqual(outcomes.applied, 1, "exactly one writer of version 1 may apply")
        XCTAssertEqual(outcomes.conflicts, writers - 1)
        let final = try XCTUnwrap(pull(store, tenant: tenant).records["end_user"]?.first)
        XCTAssertEqual(final["version"], .int(2))
    }

    /// Two writers create the same new id at once. The push that loses the race writes nothing (not its
    /// other records either) and says so, to be retried, as the handler does; the retry finds the record.
    func testAPushThatLosesTheRaceForANewIDWritesNothing() throws {
        let connection = try TestDatabase.connect()
        let tenant = try TestDatabase.makeTenant(connection)
        let store = try SyncStore(connection: connection, registry: registry)
        let contested = UUID().uuidString.lowercased()
        let other = UUID().uuidString.lowercased()
        let url = ProcessInfo.processInfo.environment["SYNC_TEST_DATABASE_URL"]!
        let inserted = DispatchSemaphore(value: 0)
        let committed = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            defer { committed.signal() }
            guard let first = try? Connection(url: url) else { inserted.signal(); return }
            _ = try? first.execute("BEGIN")
            _ = try? first.execute("INSERT INTO end_user (tenant_id, id, name) VALUES ($1, $2::uuid, 'first')", [tenant, contested])
            inserted.signal()
            Thread.sleep(forTimeInterval: 0.3)   // the push below is waiting for this transaction by then
            _ = try? first.execute("COMMIT")
        }
        inserted.wait()
        let body = #"{"changes":{"end_user":[{"id":"\#(other)","name":"other"},{"id":"\#(contested)","name":"second"}]}}"#
        XCTAssertThrowsError(try push(store, tenant: tenant, body)) { error in
            guard case StoreError.lostInsertRace = error else { return XCTFail("\(error)") }
        }
        committed.wait()
        let names = { try connection.execute("SELECT string_agg(name, ',' ORDER BY name) FROM end_user WHERE tenant_id = $1", [tenant])
            .string(row: 0, column: 0) }
        XCTAssertEqual(try names(), "first", "the losing push wrote nothing")
        XCTAssertNoThrow(try push(store, tenant: tenant, body))
        XCTAssertEqual(try names()?.split(separator: ",").count, 2)
    }

    func testMigrationsAreIdempotent() throws {
        let connection = try TestDatabase.connect()
        let directory = ProcessInfo.processInfo.environment["SYNC_SQL_DIR"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../sql").path
        XCTAssertEqual(try Migrator.migrate(connection: connection, directory: directory), [])
    }
}

/// Outcomes collected from concurrent writers.
final class Outcomes: Sendable {
    private let state = Mutex<(applied: Int, conflicts: Int, errors: [String])>((0, 0, []))

    var applied: Int { state.withLock { $0.applied } }
    var conflicts: Int { state.withLock { $0.conflicts } }
    var errors: [String] { state.withLock { $0.errors } }

    func record(conflicted: Bool) {
        state.withLock { if conflicted { $0.conflicts += 1 } else { $0.applied += 1 } }
    }

    func record(error: String) {
        state.withLock { $0.errors.append(error) }
    }
}

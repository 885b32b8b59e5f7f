import Foundation
import Postgres
import XCTest

/// A statement sent ahead rides in the next one's round trip, in a transaction of its own.
final class PipelineTests: XCTestCase {
    func setting(_ connection: Connection) throws -> String? {
        try connection.execute("SELECT current_setting('test.value', true)").string(row: 0, column: 0)
    }

    func send(_ connection: Connection, _ value: String) throws {
        try connection.sendAhead(prepared: "test.set", "SELECT set_config('test.value', $1, false)", [value])
    }

    func testTwoStatementsGivenOneNameEachRunTheirOwnSQL() throws {
        let connection = try TestDatabase.connect()
        XCTAssertEqual(try connection.execute(prepared: "same", "SELECT 'first'::text", []).string(row: 0, column: 0), "first")
        XCTAssertEqual(try connection.execute(prepared: "same", "SELECT 'second'::text", []).string(row: 0, column: 0), "second")
        XCTAssertEqual(try connection.execute(prepared: "same", "SELECT 'first'::text", []).string(row: 0, column: 0), "first")
    }

    func testASettingSentAheadHoldsWhateverBecomesOfTheNextStatement() throws {
        let connection = try TestDatabase.connect()
        try send(connection, "one")
        XCTAssertEqual(try connection.execute(prepared: "test.echo", "SELECT $1::text", ["x"]).string(row: 0, column: 0), "x")
        XCTAssertEqual(try setting(connection), "one")

        try send(connection, "two")
        XCTAssertThrowsError(try connection.execute("SELECT 1 / 0"))
        XCTAssertEqual(try setting(connection), "two", "the next statement failed; the setting went through on its own")

        try send(connection, "three")
        try connection.transaction {
            try connection.execute("SELECT 1")
        }
        XCTAssertEqual(try setting(connection), "three")
        try send(connection, "four")
        XCTAssertThrowsError(try connection.transaction { try connection.execute("SELECT 1 / 0") })
        XCTAssertEqual(try setting(connection), "four", "a rolled-back transaction does not undo it")
    }

    /// A transaction's BEGIN rides with its first statement, and a statement sent ahead of its COMMIT
    /// rides with that: a failure of either leaves nothing written and no transaction open.
    func testATransactionsBeginAndLastStatementRideWithTheirNeighbours() throws {
        let connection = try TestDatabase.connect()
        try connection.execute("CREATE TEMP TABLE ridden (n integer PRIMARY KEY)")
        try connection.transaction {
            try connection.execute("INSERT INTO ridden VALUES (1)")
            try connection.sendAhead(prepared: "test.insert", "INSERT INTO ridden VALUES ($1::integer)", ["2"])
        }
        XCTAssertEqual(try connection.execute("SELECT count(*) FROM ridden").int(row: 0, column: 0), 2)
        XCTAssertThrowsError(try connection.transaction {
            try connection.execute("INSERT INTO ridden VALUES (3)")
            try connection.sendAhead(prepared: "test.insert", "INSERT INTO ridden VALUES ($1::integer)", ["1"])   // duplicate key
        })
        XCTAssertEqual(try connection.execute("SELECT count(*) FROM ridden").int(row: 0, column: 0), 2, "3 was rolled back")
        XCTAssertThrowsError(try connection.transaction { try connection.execute("INSERT INTO ridden VALUES (1)") })
        XCTAssertThrowsError(try connection.execute("SAVEPOINT inside"), "no transaction is open")
    }

    /// Without a transaction of its own it shares the next statement's, yet has ended before that
    /// statement's snapshot; a BEGIN after it still starts a transaction of its own.
    func testAStatementSentAheadWithoutItsOwnTransactionSharesTheNextOnes() throws {
        let connection = try TestDatabase.connect()
        let shared = { (value: String) throws in
            try connection.sendAhead(prepared: "test.set", "SELECT set_config('test.value', $1, false)", [value], ownTransaction: false)
        }
        try shared("one")
        XCTAssertEqual(try connection.execute(prepared: "test.read", "SELECT current_setting('test.value', true)", []).string(row: 0, column: 0),
                       "one", "the next statement sees it")
        try shared("two")
        XCTAssertThrowsError(try connection.execute("SELECT 1 / 0"))
        XCTAssertEqual(try setting(connection), "one", "undone with the statement that failed")

        try shared("three")
        let snapshot = try connection.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ") {
            try connection.execute("SELECT current_setting('test.value', true), current_setting('transaction_isolation')")
        }
        XCTAssertEqual(snapshot.string(row: 0, column: 0), "three")
        XCTAssertEqual(snapshot.string(row: 0, column: 1), "repeatable read", "the BEGIN opened the transaction")
    }

    /// A lookup sent ahead comes back with the next statement's round trip, even when that one fails;
    /// read before any next statement, it runs by itself.
    func testALookupSentAheadDeliversItsResult() throws {
        let connection = try TestDatabase.connect()
        let lookup = { (value: String) throws -> AheadResult in
            let result = AheadResult(on: connection)
            try connection.sendAhead(prepared: "test.lookup", "SELECT $1::integer * 2", [value], into: result)
            return result
        }
        let first = try lookup("21")
        XCTAssertEqual(try connection.execute(prepared: "test.echo", "SELECT $1::text", ["x"]).string(row: 0, column: 0), "x")
        XCTAssertEqual(try first.value().int(row: 0, column: 0), 42)

        let second = try lookup("4")
        XCTAssertThrowsError(try connection.transaction { try connection.execute("SELECT 1 / 0") })
        XCTAssertEqual(try second.value().int(row: 0, column: 0), 8, "delivered though the transaction after it failed")

        let alone = try lookup("5")
        XCTAssertEqual(try alone.value().int(row: 0, column: 0), 10, "read before any next statement")
        XCTAssertEqual(try connection.execute("SELECT 1").int(row: 0, column: 0), 1, "nothing was left ahead")

        // Read inside a transaction before any statement of it: the BEGIN and the statements sent
        // ahead run first, in order.
        try connection.sendAhead(prepared: "test.set", "SELECT set_config('test.value', $1, false)", ["six"])
        let inside = try connection.transaction { () throws -> Int64? in
            let result = try lookup("3")
            let value = try result.value().int(row: 0, column: 0)
            XCTAssertEqual(try setting(connection), "six")
            XCTAssertNoThrow(try connection.execute("SAVEPOINT inside"), "the BEGIN ran")
            return value
        }
        XCTAssertEqual(inside, 6)
    }

    /// A transaction's last statement can carry its COMMIT: its own rows come back, and a failure of
    /// it undoes the whole transaction.
    func testATransactionsLastStatementCanCarryItsCommit() throws {
        let connection = try TestDatabase.connect()
        try connection.execute("CREATE TEMP TABLE carried (n integer PRIMARY KEY)")
        let count = { try connection.execute("SELECT count(*) FROM carried").int(row: 0, column: 0) }
        let rows = try connection.transaction {
            try connection.execute("INSERT INTO carried VALUES (1)")
            return try connection.executeCommitting(prepared: "test.carry", "INSERT INTO carried VALUES ($1::integer) RETURNING n * 10", ["2"])
        }
        XCTAssertEqual(rows.int(row: 0, column: 0), 20)
        XCTAssertThrowsError(try connection.execute("SAVEPOINT inside"), "the transaction was committed")
        XCTAssertEqual(try count(), 2)

        XCTAssertThrowsError(try connection.transaction {
            try connection.execute("INSERT INTO carried VALUES (3)")
            try connection.executeCommitting(prepared: "test.carry", "INSERT INTO carried VALUES ($1::integer) RETURNING n * 10", ["1"])
        })
        XCTAssertThrowsError(try connection.execute("SAVEPOINT inside"), "no transaction is open")
        XCTAssertEqual(try count(), 2, "3 was rolled back with the duplicate")

        // A statement sent ahead with a sync point of its own fails, and the transaction after it commits:
        // the failure says that the transaction may have committed (it did).
        try connection.sendAhead(prepared: "test.fail", "SELECT 1 / $1::integer", ["0"])
        XCTAssertThrowsError(try connection.transaction {
            try connection.executeCommitting(prepared: "test.carry", "INSERT INTO carried VALUES ($1::integer) RETURNING n * 10", ["4"])
        }) { error in
            XCTAssertEqual((error as? PostgresError)?.outcomeUnknown, true, "\(error)")
        }
        XCTAssertEqual(try count(), 3)
    }

    /// A session the server ended while it sat idle is found out before a COMMIT is sent with the last
    /// statement, so that the failure says nothing was sent (the caller runs the request again on a new
    /// session) rather than that the outcome is unknown.
    func testASessionEndedWhileIdleIsFoundBeforeItsCommitIsSent() throws {
        let connection = try TestDatabase.connect()
        let other = try TestDatabase.connect()
        try connection.execute(prepared: "test.one", "SELECT 1", [])
        let pid = try XCTUnwrap(connection.execute("SELECT pg_backend_pid()").int(row: 0, column: 0))
        XCTAssertEqual(try other.execute("SELECT pg_terminate_backend($1::integer)", [String(pid)]).bool(row: 0, column: 0), true)
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertThrowsError(try connection.transaction { try connection.executeCommitting(prepared: "test.one", "SELECT 1", []) }) { error in
            XCTAssertEqual((error as? PostgresError)?.kind, .connection, "\(error)")
            XCTAssertEqual((error as? PostgresError)?.outcomeUnknown, false, "nothing was sent")
        }
    }

    func testAFailureAheadIsThrownAndLeavesNoTransactionOpen() throws {
        let connection = try TestDatabase.connect()
        try connection.sendAhead(prepared: "test.fail", "SELECT 1 / $1::integer", ["0"])
        XCTAssertThrowsError(try connection.execute("BEGIN"))
        XCTAssertThrowsError(try connection.execute("SAVEPOINT inside"), "no transaction is open")
    }
}

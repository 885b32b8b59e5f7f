import Foundation
import Postgres
import XCTest

/// The safe horizon (sql/013, sql/017) as the service's role computes it before each pull.
final class SafeHorizonTests: XCTestCase {
    /// With nothing in flight it is the statement's own start, and the test that says so is inlined
    /// into the calling statement: no function call (the call's cost was a third of a pull's SQL).
    func testWithNothingInFlightItIsTheStatementsStartWithoutAFunctionCall() throws {
        let service = try TestDatabase.connectAsService()
        let plan = try service.execute("EXPLAIN VERBOSE SELECT sync_safe_horizon()")
        let output = (0..<plan.rowCount).compactMap { plan.string(row: $0, column: 0) }.joined(separator: "\n")
        XCTAssertFalse(output.contains("sync_safe_horizon"), output)
        XCTAssertTrue(output.contains("pg_current_snapshot"), output)
        // Another session of the shared test database may be writing at that moment: a few tries.
        var atStart = false
        for _ in 0..<50 where !atStart {
            atStart = try service.execute("SELECT sync_safe_horizon() = statement_timestamp()").bool(row: 0, column: 0) == true
            if !atStart { usleep(20_000) }
        }
        XCTAssertTrue(atStart)
    }

    /// A transaction that holds an id holds the horizon at or before its start for as long as it runs,
    /// seen by the service's role (the part that reads pg_stat_activity runs with its owner's rights).
    func testATransactionInFlightHoldsItAtItsStart() throws {
        let owner = try TestDatabase.connect()
        let service = try TestDatabase.connectAsService()
        _ = try owner.execute("BEGIN")
        let started = try XCTUnwrap(owner.execute("SELECT pg_current_xact_id(), transaction_timestamp()::text").string(row: 0, column: 1))
        usleep(100_000)
        let held = try service.execute("SELECT sync_safe_horizon() <= $1::timestamptz", [started]).bool(row: 0, column: 0)
        _ = try owner.execute("COMMIT")
        XCTAssertEqual(held, true)
        let after = try service.execute("SELECT sync_safe_horizon() > $1::timestamptz", [started]).bool(row: 0, column: 0)
        XCTAssertEqual(after, true, "the horizon moves on once the transaction has ended")
    }
}

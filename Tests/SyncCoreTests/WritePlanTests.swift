import XCTest
@testable import SyncCore

final class WritePlanTests: XCTestCase {
    let user = Registry.standard.entityType(named: "end_user")!
    let id = "8dce9cad-7947-43a6-99e4-5ff8c7d134b8"

    var stored: JSONObject {
        JSONObject([
            ("id", .string(id)), ("name", .string("Server Name")), ("email", .string("server@example.com")),
            ("active", .int(1)), ("is_deleted", .int(0)), ("sync_status", .string("synced")), ("server_synced", .int(1)),
            ("last_updated", .string("2024-01-01T12:00:00.000000Z")), ("version", .int(3)),
            ("updatedAt", .string("2024-01-01T12:00:00.000000Z")),
        ])
    }

    func item(version: Int64?, _ values: [(String, JSON)]) -> PushItem {
        PushItem(index: 0, id: id, version: version, values: JSONObject(values))
    }

    func decide(_ item: PushItem, stored: JSONObject?, _ strategy: ConflictStrategy = .serverWins) -> WritePlan {
        switch WritePlan.decide(item: item, id: id, stored: stored, entityType: user, strategy: strategy) {
        case .success(let plan): return plan
        case .failure(let issue): XCTFail("\(issue)"); return WritePlan(action: .keep, conflict: nil)
        }
    }

    func written(_ plan: WritePlan) -> JSONObject? {
        switch plan.action {
        case .insert(let record), .update(let record, _): return record
        case .keep, .awaitDecision: return nil
        }
    }

    func testCreateAppliesDefaultsAndMarksSynced() throws {
        let plan = decide(item(version: nil, [("name", .string("John Doe"))]), stored: nil)
        let record = try XCTUnwrap(written(plan))
        guard case .insert = plan.action else { return XCTFail("expected an insert") }
        XCTAssertEqual(record["active"], .int(1))
        XCTAssertEqual(record["is_deleted"], .int(0))
        XCTAssertEqual(record["version"], .int(1))
        XCTAssertEqual(record["email"], .null)
        XCTAssertEqual(record["sync_status"], .string("synced"))
        XCTAssertEqual(record["server_synced"], .int(1))
        XCTAssertNil(record["last_updated"], "the database stamps last_updated")
    }

    func testCreateWithoutRequiredFieldIsAnIssue() {
        let result = WritePlan.decide(item: item(version: nil, [("email", .string("x@y"))]), id: id, stored: nil,
                                      entityType: user, strategy: .serverWins)
        guard case .failure(let issue) = result else { return XCTFail("accepted a user without a name") }
        XCTAssertEqual(issue.field, "name")
    }

    func testSameVersionAppliesAndBumps() throws {
        let plan = decide(item(version: 3, [("name", .string("New"))]), stored: stored)
        XCTAssertNil(plan.conflict)
        guard case .update(let record, let expected) = plan.action else { return XCTFail("expected an update") }
        XCTAssertEqual(expected, 3)
        XCTAssertEqual(record["version"], .int(4))
        XCTAssertEqual(record["name"], .string("New"))
        XCTAssertEqual(record["email"], .string("server@example.com"), "fields not sent are kept")
    }

    func testBlindWriteAppliesOnCurrentVersion() {
        let plan = decide(item(version: nil, [("name", .string("Blind"))]), stored: stored)
        XCTAssertNil(plan.conflict)
        XCTAssertEqual(written(plan)?["version"], .int(4))
    }

    func testServerWinsKeepsServerCopy() {
        let plan = decide(item(version: 2, [("name", .string("Old edit"))]), stored: stored, .serverWins)
        XCTAssertEqual(plan.action, .keep)
        XCTAssertEqual(plan.conflict, ConflictReport(entityType: "end_user", id: id, strategy: .serverWins,
                                                     clientVersion: 2, serverVersion: 3, winner: .server))
    }

    func testClientWinsStoresClientCopyAtNextVersion() throws {
        let plan = decide(item(version: 2, [("name", .string("Client"))]), stored: stored, .clientWins)
        let record = try XCTUnwrap(written(plan))
        XCTAssertEqual(record["name"], .string("Client"))
        XCTAssertEqual(record["email"], .string("server@example.com"), "an omitted field keeps its stored value")
        XCTAssertEqual(record["version"], .int(4))
        XCTAssertEqual(plan.conflict?.winner, .client)
    }

    func testMergeOverlaysExactlyTheSentFields() throws {
        let plan = decide(item(version: 1, [("email", .string("client@example.com"))]), stored: stored, .merge)
        let record = try XCTUnwrap(written(plan))
        XCTAssertEqual(record["name"], .string("Server Name"))
        XCTAssertEqual(record["email"], .string("client@example.com"))
        XCTAssertEqual(record["version"], .int(4))
        XCTAssertEqual(plan.conflict?.winner, .merged)
    }

    func testLastWriteWinsComparesEditTimes() {
        let later = item(version: 2, [("name", .string("Later")), ("updatedAt", .string("2024-01-01T12:00:00.000001Z"))])
        XCTAssertEqual(decide(later, stored: stored, .lastWriteWins).conflict?.winner, .client)
        let earlier = item(version: 2, [("name", .string("Earlier")), ("updatedAt", .string("2024-01-01T11:59:59.000000Z"))])
        XCTAssertEqual(decide(earlier, stored: stored, .lastWriteWins).action, .keep)
        let tie = item(version: 2, [("name", .string("Tie")), ("updatedAt", .string("2024-01-01T13:00:00.000000+01:00"))])
        XCTAssertEqual(decide(tie, stored: stored, .lastWriteWins).action, .keep, "a tie keeps the server's copy")
        let undated = item(version: 2, [("name", .string("No time"))])
        XCTAssertEqual(decide(undated, stored: stored, .lastWriteWins).action, .keep, "no edit time and no arrival time")
    }

    func testLastWriteWinsWithoutAnEditTimeUsesWhenThePushArrived() {
        let undated = item(version: 2, [("name", .string("No time"))])
        let arrived = EditClock(receivedAt: Timestamp(iso8601: "2024-01-02T00:00:00Z"), toleranceSeconds: 60)
        let plan = try? WritePlan.decide(item: undated, id: id, stored: stored, entityType: user, strategy: .lastWriteWins, clock: arrived).get()
        XCTAssertEqual(plan?.conflict?.winner, .client)
        XCTAssertNil(plan?.clamped)
    }

    func testAnEditTimeFarAheadOfTheServersClockIsStoredAsTheArrivalTime() throws {
        let fast = item(version: 2, [("name", .string("From 2030")), ("updatedAt", .string("2030-01-01T00:00:00Z"))])
        let now = try XCTUnwrap(Timestamp(iso8601: "2026-11-30T00:00:00Z"))
        let plan = try WritePlan.decide(item: fast, id: id, stored: stored, entityType: user, strategy: .lastWriteWins,
                                        clock: EditClock(receivedAt: now, toleranceSeconds: 60)).get()
        XCTAssertEqual(plan.clamped, ClockClamp(entityType: "end_user", id: id, sent: try XCTUnwrap(Timestamp(iso8601: "2030-01-01T00:00:00Z")), stored: now))
        XCTAssertEqual(written(plan)?["updatedAt"], .string(now.description))
        let withinTolerance = item(version: 2, [("name", .string("Slightly fast")), ("updatedAt", .string("2026-11-30T00:00:59Z"))])
        XCTAssertNil(try WritePlan.decide(item: withinTolerance, id: id, stored: stored, entityType: user, strategy: .lastWriteWins,
                                          clock: EditClock(receivedAt: now, toleranceSeconds: 60)).get().clamped)
    }

    func testHigherVersionThanServerIsAConflictToo() {
        let plan = decide(item(version: 9, [("name", .string("Ahead"))]), stored: stored, .serverWins)
        XCTAssertEqual(plan.conflict?.clientVersion, 9)
        XCTAssertEqual(plan.action, .keep)
    }
}

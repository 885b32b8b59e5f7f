import XCTest
@testable import SyncCore

final class PushValidationTests: XCTestCase {
    let registry = Registry.standard
    let limits = PageLimits(defaultLimit: 100, maximumLimit: 500)

    func parse(_ text: String, maxRecords: Int = 1000) throws(RequestError) -> PushRequest {
        let body: JSON
        do { body = try JSON.parse(text) } catch { throw .malformedJSON(error) }
        return try PushRequest.parse(body, registry: registry, maxRecords: maxRecords)
    }

    func issues(_ text: String) -> [ValidationIssue] {
        do {
            _ = try parse(text)
            XCTFail("accepted \(text)")
            return []
        } catch {
            guard case .invalid(let issues) = error else { XCTFail("\(error)"); return [] }
            return issues
        }
    }

    func testSeedPushIsValidAndOrderedByRegistry() throws {
        let request = try parse("""
            {"changes":{"interactions":[{"id":null,"type":"call","title":"Follow up call","description":"Discuss project details",
              "date":"2024-01-01T10:00:00Z","status":"pending"}],
             "end_user":[{"id":null,"name":"John Doe","email":"john@example.com","sync_status":"pending","server_synced":0,"version":1}]}}
            """)
        XCTAssertEqual(request.batches.map(\.entityType.name), ["end_user", "interactions"])
        XCTAssertEqual(request.recordCount, 2)
        let user = request.batches[0].items[0]
        XCTAssertNil(user.id)
        XCTAssertEqual(user.version, 1)
        XCTAssertEqual(user.values["name"], .string("John Doe"))
        XCTAssertNil(user.values["sync_status"], "server-managed fields are not taken from the client")
        XCTAssertEqual(request.batches[1].items[0].values["date"], .string("2024-01-01T10:00:00.000000Z"))
    }

    func testIsDeletedBecomesIsDeletedFlag() throws {
        let request = try parse(#"{"changes":{"end_user":[{"name":"a","isDeleted":true},{"name":"b","isDeleted":false}]}}"#)
        XCTAssertEqual(request.batches[0].items.map { $0.values["is_deleted"] }, [.int(1), .int(0)])
    }

    func testClientIDIsKeptAndNormalised() throws {
        let request = try parse(#"{"changes":{"end_user":[{"id":"8DCE9CAD-7947-43A6-99E4-5FF8C7D134B8","name":"a"}]}}"#)
        XCTAssertEqual(request.batches[0].items[0].id, "8dce9cad-7947-43a6-99e4-5ff8c7d134b8")
    }

    func testEveryProblemIsReportedWithEntityIndexAndField() {
        let found = issues("""
            {"changes":{"end_user":[{"name":"ok"},{"id":"not-a-uuid","name":5,"colour":"red","tenant_id":"other"}],
                        "interactions":[{"type":"call","status":"done","date":"tomorrow"}],
                        "gadgets":[]}}
            """)
        let located = Set(found.map { "\($0.entityType ?? "-")/\($0.index.map(String.init) ?? "-")/\($0.field ?? "-")" })
        XCTAssertEqual(located, [
            "gadgets/-/-", "end_user/1/name", "end_user/1/tenant_id", "interactions/0/status", "interactions/0/date",
        ])
    }

    /// The seed creates a record for a client's own id and ignores fields it does not know: neither
    /// refuses a record here (issue 12, probe 7).
    func testAClientsOwnIdAndUnknownFieldsDoNotRefuseTheRecord() throws {
        let request = try parse(#"{"changes":{"end_user":[{"id":"local-1","name":"a","colour":"red","version":3},{"id":42,"name":"b"}]}}"#)
        let items = request.batches[0].items
        XCTAssertEqual(items.map(\.id), [nil, nil])
        XCTAssertEqual(items.map(\.clientID), [.string("local-1"), .int(42)])
        XCTAssertEqual(items[0].version, nil, "a new record: the version sent says nothing")
        XCTAssertEqual(request.warnings.map { "\($0.entityType ?? "-")/\($0.index ?? -1)/\($0.field ?? "-")" }, ["end_user/0/colour"])
        XCTAssertEqual(issues(#"{"changes":{"end_user":[{"id":{"a":1},"name":"a"}]}}"#).first?.field, "id")
    }

    func testLimitsAreEnforced() {
        let long = String(repeating: "x", count: 256)
        XCTAssertEqual(issues(#"{"changes":{"end_user":[{"name":"\#(long)"}]}}"#).first?.field, "name")
        XCTAssertEqual(issues(#"{"changes":{"end_user":[{"name":"a\u0000b"}]}}"#).first?.field, "name")
        XCTAssertEqual(issues(#"{"changes":{"end_user":[{"name":"a","version":0}]}}"#).first?.field, "version")
        XCTAssertEqual(issues(#"{"changes":{"end_user":[{"name":"a","active":2}]}}"#).first?.field, "active")
    }

    func testTooManyRecords() {
        XCTAssertThrowsError(try parse(#"{"changes":{"end_user":[{"name":"a"},{"name":"b"}]}}"#, maxRecords: 1)) { error in
            XCTAssertEqual(error as? RequestError, .tooManyRecords(count: 2, maximum: 1))
        }
    }

    func testBodyShape() {
        XCTAssertFalse(issues("[]").isEmpty)
        XCTAssertEqual(issues(#"{"changes":{"end_user":{}}}"#).first?.entityType, "end_user")
        XCTAssertEqual(issues(#"{"changes":{},"extra":1}"#).first?.field, "extra")
        XCTAssertEqual(issues(#"{}"#).first?.field, "changes")
        XCTAssertEqual(issues(#"{"changes":{"end_user":[{"isDeleted":true,"is_deleted":1,"name":"a"}]}}"#).first?.field, "isDeleted")
    }

    func testPullAndPendingRequests() throws {
        let pull = try PullRequest.parse(try JSON.parse(#"{"lastSyncTimestamp":"2024-01-01T00:00:00.000Z","entityTypes":["interactions"]}"#), registry: registry, limits: limits)
        XCTAssertEqual(pull.entityTypes.map(\.name), ["interactions"])
        XCTAssertEqual(pull.since?.description, "2024-01-01T00:00:00.000000Z")
        XCTAssertEqual(try PullRequest.parse(try JSON.parse("{}"), registry: registry, limits: limits).entityTypes.count, 2)
        XCTAssertThrowsError(try PullRequest.parse(try JSON.parse(#"{"entityTypes":["nope"]}"#), registry: registry, limits: limits))
        XCTAssertThrowsError(try PullRequest.parse(try JSON.parse(#"{"lastSyncTimestamp":"yesterday"}"#), registry: registry, limits: limits))
        XCTAssertThrowsError(try PendingRequest.parse(try JSON.parse(#"{"entityTypes":"end_user"}"#), registry: registry, limits: limits))
    }
}

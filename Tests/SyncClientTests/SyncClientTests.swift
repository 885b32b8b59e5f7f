import Foundation
import XCTest
@testable import SyncClient

/// The client's local side, without a service (the rounds against the real stack are in
/// Tests/e2e/test_clients.py).
final class SyncClientTests: XCTestCase {
    private func client(_ storage: any SyncStorage = MemoryStorage()) async throws -> SyncClient {
        try await SyncClient(baseURL: URL(string: "http://127.0.0.1:9")!, storage: storage) { _ in "token" }
    }

    func testALocalChangeIsSeenAtOnceAndKeptAcrossRuns() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sync-client-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let first = try await client(FileStorage(url: file))
        let id = try await first.put("end_user", ["name": "Ada", "version": 7])
        try await first.put("end_user", ["id": .string(id), "email": "ada@example.com"])
        let seen = await first.record("end_user", id: id)
        XCTAssertEqual(seen?["name"], "Ada")
        XCTAssertEqual(seen?["email"], "ada@example.com")
        XCTAssertNil(seen?["version"], "the version is the server's to give")

        let again = try await client(FileStorage(url: file))
        let pending = await again.pendingChanges
        XCTAssertEqual(pending.count, 1, "two edits of one record before a push are one change")
        XCTAssertNil(pending.first?.baseVersion, "a record the server has not seen has no base")
        XCTAssertEqual(id, id.lowercased())
    }

    func testADeleteHidesTheRecordTheRegistrysWay() async throws {
        let client = try await client()
        let id = try await client.put("interactions", ["type": "call"])
        try await client.delete("interactions", id: id)
        let hidden = await client.record("interactions", id: id)
        XCTAssertNil(hidden)
        let change = await client.pendingChanges.first
        XCTAssertEqual(change?.fields["status"], "cancelled")
    }

    func testAnUnknownEntityTypeIsRefusedBeforeAnythingIsQueued() async throws {
        let client = try await client()
        do {
            try await client.put("notes", ["text": "x"])
            XCTFail("an unknown type was queued")
        } catch SyncClientError.unknownEntityType(let name) {
            XCTAssertEqual(name, "notes")
        }
        let pending = await client.pendingChanges
        XCTAssertTrue(pending.isEmpty)
    }

    func testAChangeThatDoesNotFitTheContractIsRefusedAtOnce() async throws {
        let client = try await client()
        await XCTAssertThrowsErrorAsync(try await client.put("end_user", ["name": 42]))
        await XCTAssertThrowsErrorAsync(try await client.put("end_user", ["id": "local-1", "name": "x"]))
        let pending = await client.pendingChanges
        XCTAssertTrue(pending.isEmpty)
    }

    func testThePushBodyFollowsTheContract() throws {
        let change = PendingChange(entityType: "end_user", id: "8dce9cad-0000-4000-8000-000000000001",
                                   fields: ["name": "Ada", "is_deleted": 0], baseVersion: 3)
        let body = try Wire.pushRequest([change])
        XCTAssertEqual(body.changes.end_user?.first?.version, 3)
        let wrong = PendingChange(entityType: "end_user", id: "x", fields: ["name": 42], baseVersion: nil)
        XCTAssertThrowsError(try Wire.pushRequest([wrong]), "a field of the wrong type fails before it is sent")
    }

    func testJSONValuesRoundTrip() throws {
        let value: JSONValue = ["a": [1, 2.5, "x", true, nil], "b": ["c": 0]]
        let data = try JSONEncoder().encode(value)
        XCTAssertEqual(try JSONDecoder().decode(JSONValue.self, from: data), value)
    }
}

private func XCTAssertThrowsErrorAsync(_ expression: @autoclosure () async throws -> some Any,
                                       file: StaticString = #filePath, line: UInt = #line) async {
    do {
        _ = try await expression()
        XCTFail("no error thrown", file: file, line: line)
    } catch {}
}

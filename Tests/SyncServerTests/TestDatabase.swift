import Foundation
import Postgres
import XCTest
@testable import Store
@testable import HTTPEdge
@testable import SharedCounters
@testable import Supervision

/// The PostgreSQL that scripts/test starts, named by SYNC_TEST_DATABASE_URL and already migrated.
enum TestDatabase {
    static func connect() throws -> Connection {
        guard let url = ProcessInfo.processInfo.environment["SYNC_TEST_DATABASE_URL"] else {
            throw XCTSkip("SYNC_TEST_DATABASE_URL is not set: run scripts/test")
        }
        return try Connection(url: url)
    }

    /// The same database as the service's own role (SYNC_TEST_SERVICE_DATABASE_URL), which row-level
    /// security applies to.
    static func connectAsService() throws -> Connection {
        guard let url = ProcessInfo.processInfo.environment["SYNC_TEST_SERVICE_DATABASE_URL"] else {
            throw XCTSkip("SYNC_TEST_SERVICE_DATABASE_URL is not set: run scripts/test")
        }
        return try Connection(url: url)
    }

    /// A new tenant for one test, so tests never see each other's rows.
    static func makeTenant(_ connection: Connection, strategy: String? = nil) throws -> String {
        let id = "t-" + UUID().uuidString.lowercased().prefix(13)
        try connection.execute("INSERT INTO tenants (id, name, conflict_resolution) VALUES ($1, $1, $2)", [String(id), strategy])
        return String(id)
    }
}

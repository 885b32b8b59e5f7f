@testable import Administration
import Foundation
import Postgres
import SyncCore
import XCTest
@testable import Settings
@testable import Store
@testable import HTTPEdge
@testable import SharedCounters
@testable import Supervision

/// The second wall around tenants: with the service's role, row-level security shows and accepts only
/// the rows of the tenant the session names, even through the service's own prepared statements.
final class TenantWallTests: XCTestCase {
    let registry = Registry.standard
    let limits = PageLimits(defaultLimit: 100, maximumLimit: 500)

    func pull(_ store: SyncStore, tenant: String) throws -> Int {
        let request = try PullRequest.parse(.object(JSONObject()), registry: registry, limits: limits)
        return try store.pull(request, tenant: tenant, device: nil, byteBudget: .max).records.reduce(0) { $0 + $1.count }
    }

    func push(_ store: SyncStore, tenant: String) throws {
        _ = try SyncStoreTests.push(store, tenant: tenant, #"{"changes":{"end_user":[{"name":"intruder"}]}}"#)
    }

    func count(_ connection: Connection, _ table: String) throws -> Int64 {
        try connection.execute("SELECT count(*) FROM \(table)").int(row: 0, column: 0) ?? -1
    }

    func testTheServiceRoleSeesAndWritesOnlyTheTenantItNames() throws {
        let owner = try TestDatabase.connect()
        let service = try TestDatabase.connectAsService()
        let victim = try TestDatabase.makeTenant(owner)
        let attacker = try TestDatabase.makeTenant(owner, strategy: "manual")
        let ownerStore = try SyncStore(connection: owner, registry: registry)
        _ = try SyncStoreTests.push(ownerStore, tenant: victim, #"{"changes":{"end_user":[{"name":"secret"}],"interactions":[{"type":"call"}]}}"#)
        try owner.execute("INSERT INTO idempotency_keys (tenant_id, key, request_hash) VALUES ($1, 'k', 'h')", [victim])

        let store = try SyncStore(connection: service, registry: registry)
        // No tenant named: every tenant table reads as empty, and writes are refused.
        for table in ["end_user", "interactions", "sync_log", "sync_conflicts", "idempotency_keys"] {
            XCTAssertEqual(try count(service, table), 0, "\(table) with no tenant set")
        }
        XCTAssertEqual(try pull(store, tenant: victim), 0, "the service's own pull statement, no tenant set")
        XCTAssertThrowsError(try push(store, tenant: victim)) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, .insufficientPrivilege, "\(error)")
        }

        // Another tenant named: the victim's rows stay invisible, even to a query that forgot its tenant.
        try store.enter(tenant: attacker)
        XCTAssertEqual(try pull(store, tenant: victim), 0, "the pull statement asked for the victim's rows")
        for table in ["end_user", "interactions", "sync_log", "idempotency_keys"] {
            XCTAssertEqual(try count(service, table), 0, "\(table) with another tenant set")
        }
        XCTAssertThrowsError(try push(store, tenant: victim))
        XCTAssertEqual(try service.execute("UPDATE end_user SET name = 'x' WHERE tenant_id = $1", [victim]).affectedRows, 0)
        XCTAssertEqual(try service.execute("UPDATE end_user SET name = 'x'").affectedRows, 0)
        XCTAssertThrowsError(try service.execute("INSERT INTO tenants (id, name) VALUES ('made-up', 'x')"), "tenants is read-only")

        // Its own tenant named: its rows, and only those.
        try store.enter(tenant: victim)
        XCTAssertEqual(try pull(store, tenant: victim), 2)
        XCTAssertNoThrow(try push(store, tenant: victim))
        XCTAssertEqual(try count(service, "end_user"), 2)
        XCTAssertEqual(try count(service, "idempotency_keys"), 1)
    }

    /// The tenant is named in the round trip of the request's first statement and shares its fate: a
    /// failure of that statement undoes the name, and after `forgetTenant()` (what the handler does on
    /// any database error) the next request names it again.
    func testATenantNamedWithAStatementThatFailsIsNamedAgain() throws {
        let owner = try TestDatabase.connect()
        let service = try TestDatabase.connectAsService()
        let first = try TestDatabase.makeTenant(owner)
        let second = try TestDatabase.makeTenant(owner)
        let store = try SyncStore(connection: service, registry: registry)
        let named = { try service.execute("SELECT sync_current_tenant()").string(row: 0, column: 0) }
        try store.enter(tenant: first)
        XCTAssertEqual(try named(), first)
        try store.enter(tenant: second)
        XCTAssertThrowsError(try service.execute("SELECT 1 / 0"))
        XCTAssertEqual(try named(), first, "undone with the statement it rode with")
        store.forgetTenant()
        try store.enter(tenant: second)
        XCTAssertEqual(try named(), second)
        XCTAssertEqual(try pull(store, tenant: second), 0)
    }

    func testTheWallCheckRefusesTheOwnerAndPassesTheServiceRole() throws {
        let service = try TestDatabase.connectAsService()
        let owner = try TestDatabase.connect()
        XCTAssertEqual(try SchemaCheck.wallProblems(registry: registry, connection: service), [])
        let problems = try SchemaCheck.wallProblems(registry: registry, connection: owner)
        XCTAssertTrue(problems.contains { $0.contains("which owns end_user") }, "\(problems)")
    }

    func testPruningWorksAcrossTenantsFromTheServiceRole() throws {
        let service = try TestDatabase.connectAsService()
        let configuration = Configuration.fromEnvironment([:])
        XCTAssertNoThrow(try Maintenance.prune(connection: service, logRetentionDays: 3650,
                                               keyLifetimeSeconds: configuration.idempotencyLifetimeSeconds))
    }
}

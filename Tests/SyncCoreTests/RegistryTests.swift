import XCTest
@testable import SyncCore

final class RegistryTests: XCTestCase {
    let registry = Registry.standard

    func testDeclaresTheSeedEntitiesInOrder() {
        XCTAssertEqual(registry.names, ["end_user", "interactions"])
    }

    func testEveryEntityHasTheSyncFields() {
        for entityType in registry.entityTypes {
            for name in ["id", "version", "sync_status", "server_synced", "last_updated", "updatedAt"] {
                XCTAssertNotNil(entityType.field(named: name), "\(entityType.name).\(name)")
            }
        }
    }

    func testRulesNameRealFields() {
        for entityType in registry.entityTypes {
            for condition in entityType.deletedRule.conditions + entityType.pendingRule.conditions {
                XCTAssertNotNil(entityType.field(named: condition.field), "\(entityType.name): \(condition.field)")
            }
            for alias in entityType.aliases {
                XCTAssertNotNil(entityType.field(named: alias.field))
            }
            for field in entityType.fields {
                if let target = field.references { XCTAssertNotNil(registry.entityType(named: target)) }
            }
        }
    }

    func testSeedDefaults() throws {
        let user = try XCTUnwrap(registry.entityType(named: "end_user"))
        XCTAssertEqual(user.field(named: "active")?.defaultValue, .int(1))
        XCTAssertEqual(user.field(named: "server_synced")?.defaultValue, .int(0))
        XCTAssertEqual(user.field(named: "version")?.defaultValue, .int(1))
        let interaction = try XCTUnwrap(registry.entityType(named: "interactions"))
        XCTAssertEqual(interaction.field(named: "status")?.defaultValue, .string("pending"))
    }

    func testPendingAndDeletedRules() throws {
        let user = try XCTUnwrap(registry.entityType(named: "end_user"))
        XCTAssertTrue(user.pendingRule.matches(JSONObject([("sync_status", .string("pending")), ("is_deleted", .int(0))])))
        XCTAssertFalse(user.pendingRule.matches(JSONObject([("sync_status", .string("pending")), ("is_deleted", .int(1))])))
        XCTAssertTrue(user.deletedRule.matches(JSONObject([("is_deleted", .int(1))])))
        let interaction = try XCTUnwrap(registry.entityType(named: "interactions"))
        XCTAssertTrue(interaction.deletedRule.matches(JSONObject([("status", .string("cancelled"))])))
        XCTAssertTrue(interaction.pendingRule.matches(JSONObject([("status", .string("pending"))])))
    }
}

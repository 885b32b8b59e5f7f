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

/// The registry file: what an operator writes is checked whole, and each problem names its line.
final class RegistryFileTests: XCTestCase {
    func testTheShippedFileDeclaresTheSeedsTypes() throws {
        let user = try XCTUnwrap(Registry.standard.entityType(named: "end_user"))
        XCTAssertEqual(user.table, "end_user")
        XCTAssertEqual(user.fields.map(\.name), ["id", "name", "email", "active", "is_deleted", "sync_status", "server_synced",
                                                  "last_updated", "version", "updatedAt"])
        XCTAssertEqual(user.alias(named: "isDeleted")?.conversion, .booleanToFlag)
        XCTAssertEqual(user.pendingRule.conditions.map(\.field), ["sync_status", "is_deleted"])
        let interaction = try XCTUnwrap(Registry.standard.entityType(named: "interactions"))
        XCTAssertEqual(interaction.field(named: "client_user_id")?.references, "end_user")
        XCTAssertEqual(interaction.field(named: "status")?.type, .oneOf(["pending", "completed", "cancelled"]))
    }

    func testEveryProblemIsReportedWithItsLineAndPath() {
        let text = """
            {
              "entityTypes": [
                {
                  "name": "notes",
                  "fields": [
                    { "name": "body", "type": "text" },
                    { "name": "owner", "type": "uuid", "references": "people" },
                    { "name": "color", "type": "oneOf", "values": [], "default": "red" },
                    { "name": "version", "type": "integer" }
                  ],
                  "deletedWhen": { "missing": 1 },
                  "pendingWhen": { "sync_status": "pending" },
                  "conflictStrategy": "coin-toss",
                  "colour": "blue"
                }
              ]
            }
            """
        XCTAssertThrowsError(try RegistryFile.parse(text)) { error in
            let issues = (error as? RegistryFile.Problems)?.issues ?? []
            let found = Dictionary(issues.map { ($0.path, $0.line) }, uniquingKeysWith: { first, _ in first })
            XCTAssertEqual(found["entityTypes[0].colour"], 14, "\(issues)")
            XCTAssertEqual(found["entityTypes[0].fields[0].maxLength"], 6, "\(issues)")
            XCTAssertEqual(found["entityTypes[0].fields[1].references"], 7, "\(issues)")
            XCTAssertEqual(found["entityTypes[0].fields[2].values"], 8, "\(issues)")
            XCTAssertEqual(found["entityTypes[0].fields[3].name"], 9, "\(issues)")
            XCTAssertEqual(found["entityTypes[0].deletedWhen.missing"], 11, "\(issues)")
            XCTAssertEqual(found["entityTypes[0].conflictStrategy"], 13, "\(issues)")
            XCTAssertTrue(issues.allSatisfy { $0.description.hasPrefix("line \($0.line): \($0.path): ") }, "\(issues)")
        }
    }

    func testNamesMustBeIdentifiersAndTablesTheirOwn() {
        func problems(_ entityType: String) -> [String] {
            do {
                _ = try RegistryFile.parse("{\"entityTypes\": [\(entityType)]}")
                return []
            } catch {
                return error.issues.map(\.description)
            }
        }
        let rules = "\"deletedWhen\": {\"gone\": 1}, \"pendingWhen\": {\"gone\": 0}"
        let fields = "\"fields\": [{\"name\": \"gone\", \"type\": \"flag\", \"default\": 0}]"
        XCTAssertEqual(problems("{\"name\": \"notes\", \(fields), \(rules)}"), [])
        for bad in ["\"Notes\"", "\"1notes\"", "\"no-tes\"", "\"notes; DROP TABLE tenants\"", "\"\"", "42"] {
            XCTAssertFalse(problems("{\"name\": \(bad), \(fields), \(rules)}").isEmpty, bad)
        }
        for table in ["tenants", "sync_log", "idempotency_keys"] {
            XCTAssertFalse(problems("{\"name\": \"notes\", \"table\": \"\(table)\", \(fields), \(rules)}").isEmpty, table)
        }
        XCTAssertFalse(problems("{\"name\": \"notes\", \(fields), \"deletedWhen\": {\"gone\": 1, \"sync_status\": \"failed\"}, \"pendingWhen\": {\"gone\": 0}}").isEmpty,
                       "one column for the soft delete")
        XCTAssertFalse(problems("{\"name\": \"notes\", \(fields), \"deletedWhen\": {\"gone\": 2}, \"pendingWhen\": {\"gone\": 0}}").isEmpty,
                       "a rule's value fits its field")
        XCTAssertFalse(problems("{\"name\": \"notes\", \"fields\": [{\"name\": \"gone\", \"type\": \"flag\", \"default\": \"yes\"}], \(rules)}").isEmpty,
                       "a default fits its field")
    }

    func testAFileThatIsNotJSONSaysWhere() {
        XCTAssertThrowsError(try RegistryFile.parse("{\n  \"entityTypes\": [\n    {,\n  ]\n}")) { error in
            XCTAssertEqual((error as? RegistryFile.Problems)?.issues.first?.line, 3)
        }
    }
}

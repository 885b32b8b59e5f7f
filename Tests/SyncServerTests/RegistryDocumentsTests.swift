@testable import Administration
import Foundation
import XCTest
@testable import SyncCore
@testable import Store
@testable import HTTPEdge
@testable import SharedCounters
@testable import Supervision

/// What the registry generates: the committed openapi.yaml is `syncd openapi` for the shipped registry,
/// and a new type's table is what sql/ made of the seed's types.
final class RegistryDocumentsTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testTheCommittedOpenAPIDocumentIsTheShippedRegistrysDocument() throws {
        let committed = try String(contentsOf: root.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        XCTAssertEqual(OpenAPIDocument.render(.standard), committed,
                       "openapi.yaml differs from the registry's document: regenerate it with `syncd openapi > openapi.yaml`")
    }

    func testTheDocumentDescribesExactlyTheRoutesTheWorkersServe() throws {
        let committed = try String(contentsOf: root.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        let documented = committed.split(separator: "\n").filter { $0.hasPrefix("  /") && $0.hasSuffix(":") }
            .map { String($0.dropFirst(2).dropLast()) }
        XCTAssertEqual(Set(documented), Set(Route.all.compactMap(\.documentedAs)))
        XCTAssertEqual(Route.labels.count, Set(Route.labels).count, "one label per route")
    }

    func testEveryPlaceholderOfTheTemplateIsFilled() {
        let rendered = OpenAPIDocument.render(.standard)
        XCTAssertFalse(rendered.contains("{{"), "a placeholder is left")
        for (name, _) in OpenAPIDocument.placeholders(.standard) {
            XCTAssertTrue(OpenAPIDocument.template.contains("{{\(name)}}"), "\(name) is filled but not in the template")
        }
    }

    func testANewTypesTableHasTheSeedTablesShape() throws {
        let interactions = try XCTUnwrap(Registry.standard.entityType(named: "interactions"))
        let table = EntityDDL.createTable(interactions, registry: .standard)
        XCTAssertTrue(table.contains("tenant_id text NOT NULL,"), table)
        XCTAssertTrue(table.contains("id uuid NOT NULL DEFAULT gen_random_uuid()"), table)
        XCTAssertTrue(table.contains("status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'cancelled'))"), table)
        XCTAssertTrue(table.contains("last_updated timestamptz NOT NULL DEFAULT clock_timestamp()"), table)
        XCTAssertTrue(table.contains("CONSTRAINT interactions_client_user_id_fkey FOREIGN KEY (tenant_id, client_user_id) REFERENCES end_user (tenant_id, id)"), table)
        XCTAssertEqual(EntityDDL.indexes(interactions).map(\.columns),
                       [["tenant_id", "last_updated", "id"], ["tenant_id", "status", "last_updated", "id"], ["tenant_id", "client_user_id"]])
        XCTAssertEqual(EntityDDL.triggers(interactions).map(\.name),
                       ["interactions_track_change", "interactions_log_inserts", "interactions_log_updates", "interactions_soft_delete"])
        XCTAssertTrue(EntityDDL.softDelete(interactions)?.hasSuffix("sync_soft_delete('status', 'cancelled')") == true)
    }

    func testValuesInDDLAreQuotedLiterals() {
        XCTAssertEqual(EntityDDL.literal(.string("it's")), "'it''s'")
        XCTAssertEqual(EntityDDL.literal(.int(-3)), "-3")
    }
}

/// nginx answers some errors itself; its bodies are the service's own errors, in the service's shape.
final class NginxErrorBodiesTests: XCTestCase {
    func testEveryBodyTheSiteFileReturnsIsAnErrorOfTheService() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let site = try String(contentsOf: root.appendingPathComponent("nginx/syncd.conf"), encoding: .utf8)
        var checked = 0
        for line in site.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("return "), let quote = text.firstIndex(of: "'") else { continue }
            let status = Int(text.dropFirst(7).prefix(3))
            let body = String(text[text.index(after: quote)...].dropLast(2)).replacingOccurrences(of: "\\'", with: "'")
            let json = try JSON.parse(body)
            XCTAssertEqual(json["success"], .bool(false), body)
            let error = try XCTUnwrap(json["error"]?.objectValue, body)
            XCTAssertEqual(error.keys, ["code", "message", "details"], body)
            XCTAssertEqual(error["details"], .array([]), body)
            let code = error["code"]?.stringValue
            XCTAssertTrue(APIError.nginxAnswers.contains { $0.status == status && $0.code == code },
                          "nginx answers \(status ?? 0) \(code ?? "?"), which the service's APIError.nginxAnswers does not list")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 10)
    }
}

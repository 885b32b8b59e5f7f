import SyncCore

/// The statements for one entity type, written once from its registry entry. Identifiers come
/// only from the registry; every value is a bound parameter, `$1` always being the tenant.
struct EntitySQL: Sendable {
    let entityType: EntityType
    /// The fields the service writes, in parameter order after the tenant ($2, $3, ...).
    let writtenFields: [Field]
    let selectForUpdate: String
    let insert: String
    let update: String
    /// Rows changed after $2, oldest first, at most $3: the row's JSON and its change stamp.
    let changedSince: String
    /// Pending rows changed after $2, oldest first, at most $3, then the pending rule's values.
    let pending: String
    let existingIDs: String

    init(_ entityType: EntityType) {
        self.entityType = entityType
        let table = entityType.table
        let json = EntitySQL.jsonExpression(entityType)
        writtenFields = entityType.fields.filter { $0.access != .databaseManaged }
        let columns = writtenFields.map(\.column)
        let values = writtenFields.enumerated().map { "$\($0.offset + 2)::\($0.element.type.sqlType)" }
        let versionParameter = writtenFields.count + 2

        selectForUpdate = "SELECT \(json) FROM \(table) WHERE tenant_id = $1 AND id = ANY($2::uuid[]) FOR UPDATE"
        insert = """
            INSERT INTO \(table) (tenant_id, \(columns.joined(separator: ", "))) VALUES ($1, \(values.joined(separator: ", "))) \
            ON CONFLICT (tenant_id, id) DO NOTHING RETURNING \(json)
            """
        let assignments = zip(columns, values).filter { $0.0 != "id" }.map { "\($0.0) = \($0.1)" }
        update = """
            UPDATE \(table) SET \(assignments.joined(separator: ", ")) \
            WHERE tenant_id = $1 AND id = $2::uuid AND version = $\(versionParameter)::integer RETURNING \(json)
            """
        changedSince = """
            SELECT \(json), sync_iso(last_updated) FROM \(table) \
            WHERE tenant_id = $1 AND last_updated > $2::timestamptz ORDER BY last_updated LIMIT $3::integer
            """
        let pendingConditions = entityType.pendingRule.conditions.enumerated().map { index, condition in
            let field = entityType.field(named: condition.field)!
            return "\(field.column) = $\(index + 4)::\(field.type.sqlType)"
        }
        pending = """
            SELECT \(json), sync_iso(last_updated) FROM \(table) \
            WHERE tenant_id = $1 AND last_updated > $2::timestamptz AND \(pendingConditions.joined(separator: " AND ")) \
            ORDER BY last_updated LIMIT $3::integer
            """
        existingIDs = "SELECT id::text FROM \(table) WHERE tenant_id = $1 AND id = ANY($2::uuid[])"
    }

    /// One `json_build_object` per row, keys in registry order, timestamps as RFC 3339 UTC text.
    static func jsonExpression(_ entityType: EntityType) -> String {
        let pairs = entityType.fields.map { field -> String in
            let value = field.type == .timestamp ? "sync_iso(\(field.column))" : field.column
            return "'\(field.name)', \(value)"
        }
        return "json_build_object(\(pairs.joined(separator: ", ")))::text"
    }

    /// The values of the pending rule, bound after the tenant, the position and the limit.
    var pendingParameters: [String?] {
        entityType.pendingRule.conditions.map { SQLValue.text($0.value) }
    }

    /// Parameters of an insert or update of `record`: tenant, then each written field.
    func writeParameters(tenant: String, record: JSONObject) -> [String?] {
        [tenant] + writtenFields.map { SQLValue.text(record[$0.name] ?? .null) }
    }
}

/// The text form of a JSON value as a libpq parameter.
enum SQLValue {
    static func text(_ value: JSON) -> String? {
        switch value {
        case .null: return nil
        case .bool(let flag): return flag ? "1" : "0"
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .string(let text): return text
        case .array, .object: return value.serialized
        }
    }

    /// A PostgreSQL array literal of UUIDs (already validated, so no quoting is needed).
    static func uuidArray(_ ids: [String]) -> String {
        "{" + ids.joined(separator: ",") + "}"
    }
}

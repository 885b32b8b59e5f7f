import Store
import SyncCore

/// The SQL that gives an entity type its table (registry/registry.json → `syncd schema plan`): the
/// columns with their checks, the change-order and pending-rule indexes, the tracking, history and
/// soft-delete triggers, and the tenant wall. Identifiers come from the registry, which allows only
/// `[a-z_][a-z0-9_]*`; the values a DDL statement cannot take as parameters (defaults, allowed values,
/// trigger arguments) are the registry's too, written as quoted literals.
public enum EntityDDL {
    public struct Index: Equatable {
        let name: String
        let columns: [String]

        func create(on table: String) -> String {
            "CREATE INDEX \(name) ON \(table) (\(columns.joined(separator: ", ")))"
        }
    }

    public static func createTable(_ entityType: EntityType, registry: Registry) -> String {
        var lines = ["tenant_id text NOT NULL"] + entityType.fields.map(columnDefinition)
        lines.append("PRIMARY KEY (tenant_id, id)")
        for field in entityType.fields {
            if let constraint = reference(field, of: entityType, registry: registry) { lines.append(constraint) }
        }
        return "CREATE TABLE \(entityType.table) (\n    " + lines.joined(separator: ",\n    ") + "\n)"
    }

    /// `name type [NOT NULL] [DEFAULT value] [CHECK (...)]`, as sql/001 wrote the seed's tables.
    public static func columnDefinition(_ field: Field) -> String {
        var definition = "\(field.column) \(field.type.sqlType)"
        if !field.isNullable { definition += " NOT NULL" }
        if field.name == SyncFields.idName {
            definition += " DEFAULT gen_random_uuid()"
        } else if field.access == .databaseManaged {
            definition += " DEFAULT clock_timestamp()"
        } else if let value = field.defaultValue {
            definition += " DEFAULT \(literal(value))"
        }
        if let check = check(field) { definition += " CHECK (\(check))" }
        return definition
    }

    public static func check(_ field: Field) -> String? {
        switch field.type {
        case .text(let maxLength): return "char_length(\(field.column)) <= \(maxLength)"
        case .oneOf(let values): return "\(field.column) IN (\(values.map { literal(.string($0)) }.joined(separator: ", ")))"
        case .integer(let range): return "\(field.column) BETWEEN \(range.lowerBound) AND \(range.upperBound)"
        case .flag: return "\(field.column) IN (0, 1)"
        case .uuid, .timestamp: return nil
        }
    }

    /// A referenced record must be of the same tenant: the tenant is part of the foreign key.
    public static func reference(_ field: Field, of entityType: EntityType, registry: Registry) -> String? {
        guard let target = field.references.flatMap(registry.entityType(named:)) else { return nil }
        return "CONSTRAINT \(entityType.table)_\(field.column)_fkey FOREIGN KEY (tenant_id, \(field.column)) "
            + "REFERENCES \(target.table) (tenant_id, id)"
    }

    /// The change-order index every pull walks, the pending rule's (its columns first, so that bound
    /// values find their rows), and one per reference.
    public static func indexes(_ entityType: EntityType) -> [Index] {
        let pending = entityType.pendingRule.conditions.compactMap { entityType.field(named: $0.field)?.column }
        return [Index(name: "\(entityType.table)_changes", columns: ["tenant_id", "last_updated", "id"]),
                Index(name: "\(entityType.table)_pending", columns: ["tenant_id"] + pending + ["last_updated", "id"])]
            + entityType.fields.filter { $0.references != nil }.map {
                Index(name: "\(entityType.table)_\($0.column)", columns: ["tenant_id", $0.column])
            }
    }

    /// The triggers by name, with the statement that creates each (sql/013, sql/015, sql/006).
    static func triggers(_ entityType: EntityType) -> [(name: String, create: String)] {
        let table = entityType.table, name = literal(.string(entityType.name))
        return [
            ("\(table)_track_change", "CREATE TRIGGER \(table)_track_change BEFORE INSERT OR UPDATE ON \(table) "
                + "FOR EACH ROW EXECUTE FUNCTION sync_track_change()"),
            ("\(table)_log_inserts", "CREATE TRIGGER \(table)_log_inserts AFTER INSERT ON \(table) "
                + "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_inserts(\(name))"),
            ("\(table)_log_updates", "CREATE TRIGGER \(table)_log_updates AFTER UPDATE ON \(table) "
                + "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_log_updates(\(name))"),
        ] + (softDelete(entityType).map { [("\(table)_soft_delete", $0)] } ?? [])
    }

    /// A DELETE becomes the deleted rule's update (sql/006): its one column and value.
    public static func softDelete(_ entityType: EntityType) -> String? {
        guard let condition = entityType.deletedRule.conditions.first else { return nil }
        let column = entityType.field(named: condition.field)?.column ?? condition.field
        return "CREATE TRIGGER \(entityType.table)_soft_delete BEFORE DELETE ON \(entityType.table) FOR EACH ROW "
            + "EXECUTE FUNCTION sync_soft_delete(\(literal(.string(column))), \(literal(.string(SQLValue.text(condition.value) ?? ""))))"
    }

    public static let policy = "tenant_wall"

    static func wall(_ table: String) -> (enable: String, policy: String) {
        ("ALTER TABLE \(table) ENABLE ROW LEVEL SECURITY",
         "CREATE POLICY \(policy) ON \(table) USING (tenant_id = sync_current_tenant()) WITH CHECK (tenant_id = sync_current_tenant())")
    }

    /// A registry value as an SQL literal: numbers as they are, text quoted with its quotes doubled.
    public static func literal(_ value: JSON) -> String {
        switch value {
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "1" : "0"
        default:
            let text = SQLValue.text(value) ?? ""
            return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        }
    }
}

import Postgres
import Store
import SyncCore

/// Compares the registry with the live schema, so that a service whose code and database
/// disagree refuses to start instead of failing on the first request.
public enum SchemaCheck {
    /// Every difference found, each naming the table and column; empty when they match.
    public static func mismatches(registry: Registry, connection: Connection) throws -> [String] {
        var problems: [String] = []
        for table in ["tenants"] where try columns(of: table, connection: connection).isEmpty {
            problems.append("table \(table) is missing: run `sync migrate`")
        }
        for entityType in registry.entityTypes {
            let live = try columns(of: entityType.table, connection: connection)
            guard !live.isEmpty else {
                problems.append("table \(entityType.table) for entity type \(entityType.name) is missing")
                continue
            }
            if live["tenant_id"] == nil { problems.append("\(entityType.table).tenant_id is missing") }
            for field in entityType.fields {
                guard let column = live[field.column] else {
                    problems.append("\(entityType.table).\(field.column) (field \(field.name)) is missing")
                    continue
                }
                if column.type != field.type.sqlType {
                    problems.append("\(entityType.table).\(field.column) is \(column.type), the registry says \(field.type.sqlType)")
                }
                let nullable = field.isNullable
                if column.nullable != nullable {
                    problems.append("\(entityType.table).\(field.column) is \(column.nullable ? "nullable" : "NOT NULL"), the registry says \(nullable ? "nullable" : "NOT NULL")")
                }
            }
            let known = Set(entityType.fields.map(\.column) + ["tenant_id"])
            for (name, column) in live where !known.contains(name) && !column.nullable && !column.hasDefault {
                problems.append("\(entityType.table).\(name) is NOT NULL without a default but not in the registry")
            }
            for trigger in EntityDDL.triggers(entityType) where try !hasTrigger(trigger.name, on: entityType.table, connection: connection) {
                problems.append("trigger \(trigger.name) is missing on \(entityType.table)")
            }
            problems += try softDeleteMismatch(entityType, connection: connection)
        }
        problems += try horizonProblem(connection: connection)
        return problems
    }

    /// The safe horizon (sql/013, sql/017) reads when other sessions' transactions started, which its
    /// owner may see only with pg_read_all_stats; without it, an administrator's open transaction would
    /// stop every pull of every tenant until it ends.
    private static func horizonProblem(connection: Connection) throws -> [String] {
        let rows = try connection.execute("""
            SELECT pg_get_userbyid(p.proowner)::text, pg_has_role(p.proowner, 'pg_read_all_stats', 'USAGE') \
            FROM pg_proc p WHERE p.oid = to_regprocedure('sync_horizon_of_transactions()')
            """)
        guard rows.rowCount == 1 else { return ["function sync_horizon_of_transactions is missing: run `syncd migrate`"] }
        guard rows.bool(row: 0, column: 1) != true else { return [] }
        let owner = rows.string(row: 0, column: 0) ?? "?"
        return ["the tables' owner \(owner) cannot see when other sessions' transactions started, which pulls need: "
            + "as a superuser, GRANT pg_read_all_stats TO \(owner)"]
    }

    /// Whether `table` has a trigger of that name (of its own, not one a constraint made).
    static func hasTrigger(_ name: String, on table: String, connection: Connection) throws -> Bool {
        try connection.execute("SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass($1) AND tgname = $2 AND NOT tgisinternal",
                               [table, name]).rowCount == 1
    }

    /// The soft-delete trigger must set what the registry's deleted rule says.
    public static func softDeleteMismatch(_ entityType: EntityType, connection: Connection) throws -> [String] {
        guard let condition = entityType.deletedRule.conditions.first,
              let column = entityType.field(named: condition.field)?.column,
              let value = SQLValue.text(condition.value)
        else { return [] }
        let rows = try connection.execute(
            "SELECT encode(tgargs, 'escape') FROM pg_trigger WHERE tgrelid = to_regclass($1) AND tgname = $2",
            [entityType.table, "\(entityType.table)_soft_delete"])
        guard let arguments = rows.string(row: 0, column: 0) else { return [] }
        // encode(..., 'escape') shows the NUL after each argument as \000.
        let expected = "\(column)\\000\(value)\\000"
        return arguments == expected ? [] : [
            "trigger \(entityType.table)_soft_delete does not set \(column) = \(value), the registry's deleted rule",
        ]
    }

    public static func columns(of table: String, connection: Connection) throws -> [String: (type: String, nullable: Bool, hasDefault: Bool)] {
        let rows = try connection.execute("""
            SELECT a.attname, format_type(a.atttypid, NULL), NOT a.attnotnull, a.atthasdef
            FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
            """, [table])
        var result: [String: (type: String, nullable: Bool, hasDefault: Bool)] = [:]
        for row in 0..<rows.rowCount {
            guard let name = rows.string(row: row, column: 0), let type = rows.string(row: row, column: 1) else { continue }
            result[name] = (sqlTypeName(type), rows.bool(row: row, column: 2) ?? true, rows.bool(row: row, column: 3) ?? false)
        }
        return result
    }

    private static func sqlTypeName(_ formatted: String) -> String {
        formatted == "timestamp with time zone" ? "timestamptz" : formatted
    }
}

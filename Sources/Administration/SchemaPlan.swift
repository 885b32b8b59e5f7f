import Postgres
import SyncCore

/// What brings the database to the registry: `syncd schema plan` prints it, `syncd schema apply` runs it
/// in one transaction. A new type gets its table, indexes, triggers and wall; a new field an
/// `ALTER TABLE ... ADD COLUMN` with its default; a pending or deleted rule that changed, its index or
/// trigger again. What cannot be done without losing data or guessing (a field whose type or
/// nullability changed, a column no field declares any more, a new required field without a default)
/// is refused, and then nothing is applied. The service's own tables stay with the migrations (sql/).
public struct SchemaPlan: Sendable {
    public struct Step: Sendable {
        /// One line saying why, printed as an SQL comment above the statement.
        public let reason: String
        public let sql: String
    }

    public internal(set) var steps: [Step] = []
    public internal(set) var refusals: [String] = []

    public var isEmpty: Bool { steps.isEmpty && refusals.isEmpty }

    /// The plan as an SQL script (comments say why), or what stops it.
    public var script: String {
        guard refusals.isEmpty else {
            return refusals.map { "-- cannot: \($0)" }.joined(separator: "\n") + "\n-- nothing will be applied until these are resolved\n"
        }
        guard !steps.isEmpty else { return "-- the database matches the registry: nothing to do\n" }
        return steps.map { "-- \($0.reason)\n\($0.sql);\n" }.joined(separator: "\n")
            + "\n-- then, as for every migration: SELECT sync_grant_service(SYNC_SERVICE_ROLE)\n"
    }

    /// Compares the registry with the live schema (`connection` as the tables' owner).
    public static func make(registry: Registry, connection: Connection) throws -> SchemaPlan {
        var plan = SchemaPlan()
        for entityType in registry.entityTypes {
            let columns = try SchemaCheck.columns(of: entityType.table, connection: connection)
            if columns.isEmpty {
                plan.add("\(entityType.name): a new entity type", EntityDDL.createTable(entityType, registry: registry))
                for index in EntityDDL.indexes(entityType) { plan.add("\(entityType.name): its \(index.name) index", index.create(on: entityType.table)) }
                for trigger in EntityDDL.triggers(entityType) { plan.add("\(entityType.name): \(trigger.name)", trigger.create) }
                let wall = EntityDDL.wall(entityType.table)
                plan.add("\(entityType.name): the tenant wall (row-level security)", wall.enable)
                plan.add("\(entityType.name): the tenant wall's policy", wall.policy)
                continue
            }
            try plan.compareColumns(entityType, live: columns, registry: registry)
            try plan.compareIndexes(entityType, connection: connection)
            try plan.compareTriggers(entityType, connection: connection)
            try plan.compareWall(entityType, connection: connection)
        }
        return plan
    }

    /// Runs the plan in one transaction, then grants the service's role what it needs on the new tables.
    public static func apply(_ plan: SchemaPlan, serviceRole: String, connection: Connection) throws {
        guard plan.refusals.isEmpty else { throw SchemaPlanRefused(reasons: plan.refusals) }
        try connection.transaction {
            for step in plan.steps { try connection.execute(step.sql) }
            try connection.execute("SELECT sync_grant_service($1)", [serviceRole])
        }
    }

    private mutating func add(_ reason: String, _ sql: String) {
        steps.append(Step(reason: reason, sql: sql))
    }

    private mutating func compareColumns(_ entityType: EntityType, live: [String: (type: String, nullable: Bool, hasDefault: Bool)],
                                         registry: Registry) throws {
        let table = entityType.table
        for field in entityType.fields {
            guard let column = live[field.column] else {
                if !field.isNullable && field.defaultValue == nil && field.access != .databaseManaged {
                    refusals.append("\(entityType.name).\(field.name) is new and required without a default: existing rows would "
                        + "have no value; give it a default, or make it nullable")
                    continue
                }
                add("\(entityType.name).\(field.name): a new field", "ALTER TABLE \(table) ADD COLUMN \(EntityDDL.columnDefinition(field))")
                if let reference = EntityDDL.reference(field, of: entityType, registry: registry) {
                    add("\(entityType.name).\(field.name): its reference", "ALTER TABLE \(table) ADD \(reference)")
                }
                continue
            }
            if column.type != field.type.sqlType {
                refusals.append("\(table).\(field.column) is \(column.type) and the registry says \(field.type.sqlType): a type change "
                    + "is yours to migrate (a new field, the data copied, the old one dropped)")
            }
            if column.nullable != field.isNullable {
                refusals.append("\(table).\(field.column) is \(column.nullable ? "nullable" : "NOT NULL") and the registry says "
                    + "\(field.isNullable ? "nullable" : "NOT NULL"): change the column yourself, once its rows allow it")
            }
        }
        let declared = Set(entityType.fields.map(\.column) + ["tenant_id"])
        for name in live.keys.sorted() where !declared.contains(name) {
            refusals.append("\(table).\(name) is a column no field of \(entityType.name) declares: apply drops no data; put the "
                + "field back, or drop the column yourself once no client sends it")
        }
    }

    private mutating func compareIndexes(_ entityType: EntityType, connection: Connection) throws {
        let rows = try connection.execute("""
            SELECT c.relname::text, array_to_string(array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord) \
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord), ','), i.indpred IS NOT NULL \
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = to_regclass($1)
            """, [entityType.table])
        var existing: [(name: String, columns: [String], partial: Bool)] = []
        for row in 0..<rows.rowCount {
            existing.append((rows.string(row: row, column: 0) ?? "", (rows.string(row: row, column: 1) ?? "").split(separator: ",").map(String.init),
                             rows.bool(row: row, column: 2) ?? false))
        }
        for index in EntityDDL.indexes(entityType) where !existing.contains(where: { $0.columns == index.columns && !$0.partial }) {
            if existing.contains(where: { $0.name == index.name }) {
                add("\(entityType.name): \(index.name) has other columns than the registry's rule", "DROP INDEX \(index.name)")
            }
            add("\(entityType.name): its \(index.name) index", index.create(on: entityType.table))
        }
    }

    private mutating func compareTriggers(_ entityType: EntityType, connection: Connection) throws {
        for trigger in EntityDDL.triggers(entityType) {
            if try !SchemaCheck.hasTrigger(trigger.name, on: entityType.table, connection: connection) {
                add("\(entityType.name): \(trigger.name)", trigger.create)
            } else if trigger.name.hasSuffix("_soft_delete"), try !SchemaCheck.softDeleteMismatch(entityType, connection: connection).isEmpty {
                add("\(entityType.name): the deleted rule changed", "DROP TRIGGER \(trigger.name) ON \(entityType.table)")
                add("\(entityType.name): \(trigger.name)", trigger.create)
            }
        }
    }

    private mutating func compareWall(_ entityType: EntityType, connection: Connection) throws {
        let rows = try connection.execute("""
            SELECT c.relrowsecurity, EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = $2) \
            FROM pg_class c WHERE c.oid = to_regclass($1)
            """, [entityType.table, EntityDDL.policy])
        let wall = EntityDDL.wall(entityType.table)
        if rows.bool(row: 0, column: 0) != true { add("\(entityType.name): the tenant wall (row-level security)", wall.enable) }
        if rows.bool(row: 0, column: 1) != true { add("\(entityType.name): the tenant wall's policy", wall.policy) }
    }
}

public struct SchemaPlanRefused: Error, CustomStringConvertible {
    public let reasons: [String]
    public var description: String { "the schema plan cannot be applied:\n  " + reasons.joined(separator: "\n  ") }
}

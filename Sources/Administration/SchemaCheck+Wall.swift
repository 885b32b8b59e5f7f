import Postgres
import Store
import SyncCore

extension SchemaCheck {
    /// The service's tables besides the registry's that hold a tenant's data.
    public static let tenantTables = ["sync_log", "sync_conflicts", "idempotency_keys", "sync_device_positions", "sync_event_tickets"]

    /// Why row-level security would not wall this connection's role in (sql/009): a table without it, or
    /// a role it does not apply to (an owner, a superuser, a BYPASSRLS role). Empty when it holds.
    public static func wallProblems(registry: Registry, connection: Connection) throws -> [String] {
        let tables = registry.entityTypes.map(\.table) + tenantTables
        let rows = try connection.execute("""
            SELECT c.relname, c.relrowsecurity, pg_get_userbyid(c.relowner) = current_user, current_user::text \
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
            WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname = ANY($1::text[]) ORDER BY c.relname
            """, [SQLValue.array(tables)])
        var problems: [String] = []
        for row in 0..<rows.rowCount {
            let table = rows.string(row: row, column: 0) ?? "?"
            if rows.bool(row: row, column: 1) != true {
                problems.append("row-level security is off on \(table): run `sync migrate`")
            }
            if rows.bool(row: row, column: 2) == true {
                problems.append("the service connects as \(rows.string(row: row, column: 3) ?? "?"), which owns \(table): "
                    + "row-level security does not apply to an owner; connect as the service role (SYNC_SERVICE_ROLE) "
                    + "and keep the owner for SYNC_ADMIN_DATABASE_URL")
            }
        }
        let role = try connection.execute("SELECT rolsuper OR rolbypassrls, rolname::text FROM pg_roles WHERE rolname = current_user")
        if role.bool(row: 0, column: 0) == true {
            problems.append("the service connects as \(role.string(row: 0, column: 1) ?? "?"), a superuser or BYPASSRLS role: "
                + "row-level security does not apply to it; connect as the service role (SYNC_SERVICE_ROLE)")
        }
        return problems
    }
}

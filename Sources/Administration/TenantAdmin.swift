import Postgres
import SyncCore

/// The tenant operations of the CLI.
public struct TenantAdmin {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    public static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64
            && id.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "-" || $0 == "_" || $0 == "." }
    }

    /// Adds the tenant. One that exists is an error, suspended or not: adding is never a way to re-activate.
    public func add(_ id: String, name: String?) throws {
        guard TenantAdmin.isValidID(id) else {
            throw Failure(description: "a tenant id is 1 to 64 characters of letters, digits, '-', '_' and '.'")
        }
        let rows = try connection.execute("""
            INSERT INTO tenants (id, name) VALUES ($1, coalesce($2, $1)) ON CONFLICT (id) DO NOTHING RETURNING active
            """, [id, name])
        guard rows.rowCount == 1 else {
            let existing = try connection.execute("SELECT active FROM tenants WHERE id = $1", [id])
            let active = existing.bool(row: 0, column: 0) ?? true
            throw Failure(description: "tenant \(id) exists (\(active ? "active" : "suspended: `syncd tenant activate \(id)` serves it again"))")
        }
    }

    /// Deletes every row of the tenant, in every table, and the tenant itself, in one transaction; returns
    /// the rows removed per table. Its devices' tokens are refused from then on (403, unknown tenant).
    /// How many rows of one table an erasure removed.
    public struct ErasedRows: Sendable {
        public let table: String
        public let rows: Int
    }

    public func erase(_ id: String, registry: Registry) throws -> [ErasedRows] {
        // Referencing types come after the types they reference: erase them first. Their triggers write
        // history, which goes next; the tenant row, which they all reference, last.
        let tables = registry.entityTypes.reversed().map(\.table) + SchemaCheck.tenantTables + ["tenants"]
        var removed: [ErasedRows] = []
        try connection.transaction {
            // Waits for the tenant's writing transactions to end and keeps new ones out (sql/013).
            try connection.execute("SELECT pg_advisory_xact_lock(sync_tenant_lock_key($1))", [id])
            let tenant = try connection.execute("SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE", [id])
            guard tenant.rowCount == 1 else { throw Failure(description: "no tenant \(id)") }
            // The soft-delete triggers let the owner's DELETE through for this tenant only (sql/010).
            try connection.execute("SELECT set_config('sync.erase_tenant', $1, true)", [id])
            for table in tables {
                let column = table == "tenants" ? "id" : "tenant_id"
                removed.append(ErasedRows(table: table, rows: try connection.execute("DELETE FROM \(table) WHERE \(column) = $1", [id]).affectedRows))
            }
        }
        return removed
    }

    /// After a restore from a backup: records, for every tenant, the positions the restore lost (after
    /// the highest change stamp the restored data holds, up to now), so that devices holding one are told
    /// to reset. Returns how many tenants were marked.
    public func markRestore(registry: Registry) throws -> Int {
        let latest = registry.entityTypes.map { "(SELECT max(last_updated) FROM \($0.table) WHERE tenant_id = t.id)" }
        return try connection.execute("""
            UPDATE tenants t SET
                lost_after = t.lost_after || coalesce((extract(epoch FROM greatest(\(latest.joined(separator: ", ")))) * 1000000)::bigint, 0),
                lost_until = t.lost_until || (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
            """).affectedRows
    }

    public func setActive(_ id: String, _ active: Bool) throws {
        let rows = try connection.execute("UPDATE tenants SET active = $2 WHERE id = $1", [id, active ? "true" : "false"])
        guard rows.affectedRows == 1 else { throw Failure(description: "no tenant \(id)") }
    }

    /// Sets the tenant's conflict strategy; nil returns it to the registry's defaults.
    public func setConflictStrategy(_ id: String, _ strategy: ConflictStrategy?) throws {
        let rows = try connection.execute("UPDATE tenants SET conflict_resolution = $2 WHERE id = $1", [id, strategy?.rawValue])
        guard rows.affectedRows == 1 else { throw Failure(description: "no tenant \(id)") }
    }

    /// Sets the tenant's requests per second (burst the same); 0 is unlimited, nil the service's default.
    public func setRateLimit(_ id: String, _ limit: Int?) throws {
        if let limit, limit < 0 { throw Failure(description: "a rate limit is 0 (unlimited) or more requests per second") }
        let rows = try connection.execute("UPDATE tenants SET rate_limit = $2::integer WHERE id = $1", [id, limit.map(String.init)])
        guard rows.affectedRows == 1 else { throw Failure(description: "no tenant \(id)") }
    }

    /// Sets what the tenant's tokens without a `scope` claim may do; nil is every type, read and written.
    public func setDefaultScope(_ id: String, _ scope: String?, registry: Registry) throws {
        if let scope, let problem = Scope.problem(in: scope, registry: registry) { throw Failure(description: problem) }
        let rows = try connection.execute("UPDATE tenants SET default_scope = $2 WHERE id = $1", [id, scope])
        guard rows.affectedRows == 1 else { throw Failure(description: "no tenant \(id)") }
    }

    public struct Listing {
        public let id: String
        public let name: String
        public let active: Bool
        public let strategy: String?
        public let rateLimit: Int?
        public let defaultScope: String?
    }

    public func list() throws -> [Listing] {
        let rows = try connection.execute("SELECT id, name, active, conflict_resolution, rate_limit, default_scope FROM tenants ORDER BY id")
        return (0..<rows.rowCount).map {
            Listing(id: rows.string(row: $0, column: 0) ?? "", name: rows.string(row: $0, column: 1) ?? "",
                    active: rows.bool(row: $0, column: 2) ?? false, strategy: rows.string(row: $0, column: 3),
                    rateLimit: rows.int(row: $0, column: 4).map { Int($0) }, defaultScope: rows.string(row: $0, column: 5))
        }
    }
}

import Postgres
import SyncCore

/// Looks tenants up, remembering each answer for a short time so that a request costs no extra
/// round trip, while a change made with the CLI still takes effect within `maximumAge` seconds.
/// One directory per worker thread, like its connection.
public final class TenantDirectory {
    private var cache: [String: (tenant: Tenant?, fetchedAt: Double)] = [:]
    private let maximumAge: Double

    public init(maximumAge: Double = 2) {
        self.maximumAge = maximumAge
    }

    public func tenant(_ id: String, connection: Connection, now: Double) throws(PostgresError) -> Tenant? {
        if let entry = cache[id], now - entry.fetchedAt < maximumAge { return entry.tenant }
        let rows = try connection.execute(prepared: "tenant",
                                          """
                                          SELECT active, conflict_resolution, rate_limit, default_scope, lost_after::text, lost_until::text
                                          FROM tenants WHERE id = $1
                                          """, [id])
        let tenant = rows.rowCount == 0 ? nil : Tenant(
            id: id,
            isActive: rows.bool(row: 0, column: 0) ?? false,
            conflictStrategy: rows.string(row: 0, column: 1).flatMap(ConflictStrategy.init(rawValue:)),
            rateLimit: rows.int(row: 0, column: 2).map { Int($0) },
            defaultScope: rows.string(row: 0, column: 3).map(Scope.init(parsing:)) ?? .everything,
            // The columns are NOT NULL and paired by a CHECK: what does not parse is no restore.
            lostPositions: LostPositions(after: rows.string(row: 0, column: 4) ?? "{}", until: rows.string(row: 0, column: 5) ?? "{}") ?? .none
        )
        if cache.count > 10_000 { cache.removeAll() }
        cache[id] = (tenant, now)
        return tenant
    }
}

import Postgres

/// Housekeeping the service does by itself: pruning history past its retention and forgetting
/// expired Idempotency-Keys. It runs through `sync_prune` (sql/009), which has the owner's rights: the
/// service's own role sees no tenant's rows outside a request.
public enum Maintenance {
    /// What one run removed.
    public struct Pruned: Sendable {
        public let logEntries: Int
        public let idempotencyKeys: Int
    }

    /// Removes history older than `logRetentionDays` and keys older than `keyLifetimeSeconds`.
    @discardableResult
    public static func prune(connection: Connection, logRetentionDays: Int, keyLifetimeSeconds: Int) throws -> Pruned {
        let removed = try connection.execute("SELECT log_removed, keys_removed FROM sync_prune($1::integer, $2::integer)",
                                             [String(logRetentionDays), String(keyLifetimeSeconds)])
        return Pruned(logEntries: removed.int(row: 0, column: 0).map { Int($0) } ?? 0,
                      idempotencyKeys: removed.int(row: 0, column: 1).map { Int($0) } ?? 0)
    }
}

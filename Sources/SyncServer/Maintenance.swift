import Postgres

/// Housekeeping the service does by itself: pruning history past its retention and forgetting
/// expired Idempotency-Keys. It runs through `sync_prune` (sql/009), which has the owner's rights: the
/// service's own role sees no tenant's rows outside a request.
public enum Maintenance {
    /// Returns the number of log entries and keys removed.
    @discardableResult
    public static func prune(connection: Connection, configuration: Configuration) throws -> (log: Int, keys: Int) {
        let removed = try connection.execute("SELECT log_removed, keys_removed FROM sync_prune($1::integer, $2::integer)",
                                             [String(configuration.logRetentionDays), String(configuration.idempotencyLifetimeSeconds)])
        return (removed.int(row: 0, column: 0).map { Int($0) } ?? 0, removed.int(row: 0, column: 1).map { Int($0) } ?? 0)
    }
}

import Postgres

/// Housekeeping the service does by itself: pruning history past its retention and forgetting
/// expired Idempotency-Keys.
public enum Maintenance {
    /// Returns the number of log entries and keys removed.
    @discardableResult
    public static func prune(connection: Connection, configuration: Configuration) throws -> (log: Int, keys: Int) {
        let log = try connection.execute(
            "DELETE FROM sync_log WHERE logged_at < clock_timestamp() - make_interval(days => $1::integer)",
            [String(configuration.logRetentionDays)])
        let keys = try connection.execute(
            "DELETE FROM idempotency_keys WHERE created_at < clock_timestamp() - make_interval(secs => $1::integer)",
            [String(configuration.idempotencyLifetimeSeconds)])
        return (log.affectedRows, keys.affectedRows)
    }
}

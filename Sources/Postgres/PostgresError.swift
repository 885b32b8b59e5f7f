/// A failure reported by libpq or the server. `description` is safe to log (no parameter values);
/// `debugDescription` adds the server's detail, which may quote row contents.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Kind: Sendable {
        /// The connection could not be made or was lost.
        case connection
        /// The server refused a statement.
        case statement
    }

    public let kind: Kind
    public let sqlState: SQLState?
    public let message: String
    public let detail: String?
    public let constraint: String?
    /// The connection broke while COMMIT was under way: the transaction may or may not have committed.
    public var outcomeUnknown = false

    public var description: String {
        switch kind {
        case .connection: return "PostgreSQL connection failed: \(message)"
        case .statement: return "PostgreSQL error \(sqlState?.code ?? "?????"): \(message)"
        }
    }

    public var debugDescription: String {
        description + (detail.map { " (\($0))" } ?? "") + (constraint.map { " [constraint \($0)]" } ?? "")
    }

    /// The database is down or the connection broke: answer 503 and reconnect later.
    public var meansUnavailable: Bool { kind == .connection || sqlState?.meansUnavailable == true }
}

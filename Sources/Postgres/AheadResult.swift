/// The result of a statement sent ahead with `Connection.sendAhead(..., into:)`: it arrives with the
/// next statement's round trip. Reading it before that statement has been sent runs the statements
/// still ahead by themselves, so it is never read empty.
public final class AheadResult {
    private let connection: Connection
    var received: QueryResult?

    public init(on connection: Connection) {
        self.connection = connection
    }

    public func value() throws(PostgresError) -> QueryResult {
        if received == nil { try connection.runAhead() }
        guard let received else {
            throw PostgresError(kind: .connection, sqlState: nil, message: "a statement sent ahead returned no result", detail: nil, constraint: nil)
        }
        return received
    }
}

import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection, used by one thread at a time. Statements take text parameters that are
/// always bound (`$1`, `$2`, ...); SQL text never carries a value.
public final class Connection {
    private let handle: OpaquePointer
    private var prepared: Set<String> = []

    /// Connects with a libpq connection string or URL (`postgresql://user@host:port/db`).
    public init(url: String) throws(PostgresError) {
        guard let handle = PQconnectdb(url) else {
            throw PostgresError(kind: .connection, sqlState: nil, message: "out of memory", detail: nil, constraint: nil)
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Connection.errorMessage(handle)
            PQfinish(handle)
            throw PostgresError(kind: .connection, sqlState: nil, message: message, detail: nil, constraint: nil)
        }
        self.handle = handle
    }

    deinit { PQfinish(handle) }

    public var isConnected: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs one statement with bound text parameters.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> QueryResult {
        let result = withCStrings(parameters) { values in
            PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try check(result)
    }

    /// Runs a script of several statements without parameters (simple query protocol), e.g. a migration.
    @discardableResult
    public func executeScript(_ sql: String) throws(PostgresError) -> QueryResult {
        try check(PQexec(handle, sql))
    }

    /// Runs a statement prepared once per connection under `name`. With `binaryResults`, every column
    /// comes in PostgreSQL's binary format (read it with `BinaryValue`), which spares the server the
    /// text formatting of timestamps and UUIDs.
    @discardableResult
    public func execute(prepared name: String, _ sql: String, _ parameters: [String?], binaryResults: Bool = false) throws(PostgresError) -> QueryResult {
        if !prepared.contains(name) {
            try check(PQprepare(handle, name, sql, Int32(parameters.count), nil))
            prepared.insert(name)
        }
        let result = withCStrings(parameters) { values in
            PQexecPrepared(handle, name, Int32(parameters.count), values, nil, nil, binaryResults ? 1 : 0)
        }
        return try check(result)
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    public func transaction<T>(_ begin: String = "BEGIN", _ body: () throws -> T) throws -> T {
        try execute(begin)
        let value: T
        do {
            value = try body()
        } catch {
            if isConnected { _ = try? execute("ROLLBACK") }
            throw error
        }
        do {
            try execute("COMMIT")
            return value
        } catch var error as PostgresError where error.kind == .connection {
            error.outcomeUnknown = true
            throw error
        } catch {
            if isConnected { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    @discardableResult
    private func check(_ result: OpaquePointer?) throws(PostgresError) -> QueryResult {
        guard let result else {
            throw PostgresError(kind: .connection, sqlState: nil, message: Connection.errorMessage(handle), detail: nil, constraint: nil)
        }
        let owned = QueryResult(taking: result)
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return owned
        default:
            func field(_ code: Character) -> String? {
                PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
            }
            let state = field("C").map(SQLState.init)
            let message = field("M") ?? Connection.errorMessage(handle)
            let kind: PostgresError.Kind = isConnected ? .statement : .connection
            throw PostgresError(kind: kind, sqlState: state, message: message, detail: field("D"), constraint: field("n"))
        }
    }

    private static func errorMessage(_ handle: OpaquePointer) -> String {
        guard let text = PQerrorMessage(handle) else { return "unknown error" }
        return String(cString: text).trimmingTrailingWhitespace()
    }
}

@available(*, unavailable, message: "a connection belongs to one thread")
extension Connection: Sendable {}

/// Lends C strings for the parameters for the duration of `body`; NULL for nil.
private func withCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeMutableBufferPointer { buffer in
        body(buffer.map { $0.map { UnsafePointer($0) } })
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}

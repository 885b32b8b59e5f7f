import CLibPQ

/// The rows of one statement. Owns its `PGresult` and frees it on every path.
public final class QueryResult {
    private let handle: OpaquePointer

    init(taking handle: OpaquePointer) {
        self.handle = handle
    }

    deinit { PQclear(handle) }

    public var rowCount: Int { Int(PQntuples(handle)) }
    public var columnCount: Int { Int(PQnfields(handle)) }
    /// Rows touched by an INSERT, UPDATE or DELETE without RETURNING.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    /// Whether the value is SQL NULL; a cell outside the result counts as NULL (libpq would print a
    /// complaint on standard error, which is the log).
    public func isNull(row: Int, column: Int) -> Bool {
        guard (0..<rowCount).contains(row), (0..<columnCount).contains(column) else { return true }
        return PQgetisnull(handle, Int32(row), Int32(column)) == 1
    }

    /// The value as text, copied out of libpq's buffer; nil for SQL NULL or a cell outside the result.
    public func string(row: Int, column: Int) -> String? {
        guard !isNull(row: row, column: column), let value = PQgetvalue(handle, Int32(row), Int32(column)) else {
            return nil
        }
        return String(cString: value)
    }

    /// Lends the value's bytes (text or binary, as the statement asked) without copying; nil for SQL
    /// NULL. The buffer is only valid inside `body`.
    public func withBytes<R>(row: Int, column: Int, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R {
        guard !isNull(row: row, column: column), let value = PQgetvalue(handle, Int32(row), Int32(column)) else {
            return try body(nil)
        }
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        return try value.withMemoryRebound(to: UInt8.self, capacity: length) {
            try body(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// A `timestamptz` of a statement run with binary results, in microseconds since the Unix epoch;
    /// nil for SQL NULL (or a value that is not one).
    public func binaryTimestamp(row: Int, column: Int) -> Int64? {
        withBytes(row: row, column: column) { $0.flatMap(BinaryValue.timestamp) }
    }

    public func int(row: Int, column: Int) -> Int64? {
        string(row: row, column: column).flatMap { Int64($0) }
    }

    public func bool(row: Int, column: Int) -> Bool? {
        string(row: row, column: column).map { $0 == "t" }
    }
}

@available(*, unavailable, message: "a result belongs to the thread of its connection")
extension QueryResult: Sendable {}

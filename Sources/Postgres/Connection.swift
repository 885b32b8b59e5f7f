import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection, used by one thread at a time. Statements take text parameters that are
/// always bound (`$1`, `$2`, ...); SQL text never carries a value.
public final class Connection {
    let handle: OpaquePointer
    /// The statements prepared on this connection: the name each SQL text is prepared under, and the
    /// names taken. Keyed by the SQL, so that two statements can never share a name by accident.
    private var prepared: [String: String] = [:]
    private var preparedNames: Set<String> = []
    /// Statements to send ahead of the next one, in order (see `sendAhead`): prepared ones by name with
    /// their parameters, or a transaction's BEGIN (`parameters` nil).
    private var ahead: [Ahead] = []
    /// Set by `executeCommitting` inside `transaction`, which then sends no COMMIT of its own.
    private var committedWithLastStatement = false

    private struct Ahead {
        let name: String
        let parameters: [String?]?
        /// Whether a sync point follows it, which ends its implicit transaction (see `sendAhead`).
        let ownTransaction: Bool
        var binaryResults = false
        /// Where its result goes, when the caller wants it.
        var into: AheadResult?
    }

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
        assert(!committedWithLastStatement, "a statement after the transaction's commit")
        if !ahead.isEmpty { return try pipelined(parameters) { PQsendQueryParams(handle, sql, Int32(parameters.count), nil, $0, nil, nil, 0) } }
        let result = withCStrings(parameters) { values in
            PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try check(result)
    }

    /// Runs a script of several statements without parameters (simple query protocol), e.g. a migration.
    @discardableResult
    public func executeScript(_ sql: String) throws(PostgresError) -> QueryResult {
        try flushAhead()
        return try check(PQexec(handle, sql))
    }

    /// Sends a prepared statement ahead of the next statement, in the same round trip (libpq's pipeline
    /// mode) and in a transaction of its own, so that it takes effect whatever becomes of the next one.
    /// For a session setting or a lookup that would otherwise cost a round trip by itself. Its result
    /// goes `into` the caller's `AheadResult`, if one is given; its failure is thrown by the next
    /// statement, after that statement has run. Several statements sent ahead run in the order they
    /// were sent.
    ///
    /// `ownTransaction: false` leaves out the sync point after it (libpq 15 writes to the socket at each
    /// one, and the server answers each by itself): it then shares the next statement's implicit
    /// transaction, and is undone if that statement fails. Either way it has ended before the next
    /// statement takes its snapshot (READ COMMITTED takes one per statement). A BEGIN sent next still
    /// gets its sync point first, so that a transaction never starts with it.
    public func sendAhead(prepared name: String, _ sql: String, _ parameters: [String?], ownTransaction: Bool = true,
                          binaryResults: Bool = false, into result: AheadResult? = nil) throws(PostgresError) {
        let serverName = try prepare(name, sql, parameterCount: parameters.count)
        ahead.append(Ahead(name: serverName, parameters: parameters, ownTransaction: ownTransaction, binaryResults: binaryResults, into: result))
    }

    /// Runs the statements sent ahead now, without a next statement (`AheadResult.value()`): the last
    /// of them takes the next one's place, so that they still go in one round trip.
    func runAhead() throws(PostgresError) {
        guard let last = ahead.popLast() else { return }
        let result = try pipelined(last.parameters ?? []) { _ in sendOne(last) ? 1 : 0 }
        last.into?.received = result
    }

    /// The name `sql` is prepared under on this connection, preparing it the first time: `name`, or
    /// `name` with a number when another statement has taken it.
    private func prepare(_ name: String, _ sql: String, parameterCount: Int) throws(PostgresError) -> String {
        if let known = prepared[sql] { return known }
        var serverName = name
        var suffix = 1
        while preparedNames.contains(serverName) {
            suffix += 1
            serverName = "\(name)#\(suffix)"
        }
        try flushAhead()
        try check(PQprepare(handle, serverName, sql, Int32(parameterCount), nil))
        prepared[sql] = serverName
        preparedNames.insert(serverName)
        return serverName
    }

    /// Runs the statements sent ahead by themselves, when the next statement cannot go with them.
    private func flushAhead() throws(PostgresError) {
        let statements = ahead
        ahead = []
        for statement in statements {
            guard let parameters = statement.parameters else {
                try check(PQexec(handle, statement.name))
                continue
            }
            let result = try check(withCStrings(parameters) {
                PQexecPrepared(handle, statement.name, Int32(parameters.count), $0, nil, nil, statement.binaryResults ? 1 : 0)
            })
            statement.into?.received = result
        }
    }

    /// Sends one statement of `ahead` in pipeline mode.
    private func sendOne(_ statement: Ahead) -> Bool {
        guard let parameters = statement.parameters else { return PQsendQueryParams(handle, statement.name, 0, nil, nil, nil, nil, 0) == 1 }
        return withCStrings(parameters) {
            PQsendQueryPrepared(handle, statement.name, Int32(parameters.count), $0, nil, nil, statement.binaryResults ? 1 : 0)
        } == 1
    }

    /// Each statement of `ahead` and its sync point, then the statement `send` sends (and a COMMIT when
    /// `thenCommit`) and a sync point: one round trip, one implicit transaction each (an explicit BEGIN
    /// in the last starts the caller's own), but for the statements sent ahead without a transaction of
    /// their own. Returns the result of the statement `send` sends.
    private func pipelined(_ parameters: [String?], thenCommit: Bool = false,
                           _ send: ([UnsafePointer<CChar>?]) -> Int32) throws(PostgresError) -> QueryResult {
        assert(!committedWithLastStatement, "a statement after the transaction's commit")
        let statements = ahead
        ahead = []
        guard PQenterPipelineMode(handle) == 1 else { throw failure() }
        var syncPoints = 0
        let sent = statements.indices.allSatisfy { index in
            let beforeBegin = index + 1 < statements.count && statements[index + 1].parameters == nil
            guard sendOne(statements[index]) else { return false }
            guard statements[index].ownTransaction || beforeBegin else { return true }
            syncPoints += 1
            return PQpipelineSync(handle) == 1
        }
            && withCStrings(parameters, send) == 1
            && (!thenCommit || PQsendQueryParams(handle, "COMMIT", 0, nil, nil, nil, nil, 0) == 1)
            && PQpipelineSync(handle) == 1
        guard sent else {
            PQexitPipelineMode(handle)
            throw failure()
        }
        // Per statement: its result and a NULL; per sync point, a result of its own.
        var results: [QueryResult] = []
        var failed: PostgresError?
        var aheadFailed = false
        var committed = false
        var syncs = 0, nulls = 0
        while syncs < syncPoints + 1 {
            guard let result = PQgetResult(handle) else {
                nulls += 1
                guard nulls <= 2, isConnected else { throw failure() }
                continue
            }
            nulls = 0
            let status = PQresultStatus(result)
            if status == PGRES_PIPELINE_SYNC {
                PQclear(result)
                syncs += 1
                continue
            }
            if failed == nil, status != PGRES_PIPELINE_ABORTED, let error = error(of: result) {
                failed = error
                aheadFailed = results.count < statements.count
            }
            if thenCommit, results.count == statements.count + 1 { committed = status == PGRES_COMMAND_OK }
            let received = QueryResult(taking: result)
            // A statement ahead that succeeded delivers its result whatever becomes of the ones after it.
            if results.count < statements.count, status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK {
                statements[results.count].into?.received = received
            }
            results.append(received)
        }
        PQexitPipelineMode(handle)
        if var failed {
            // A statement ahead failed before a sync point, and the transaction after it committed all the
            // same: tell the caller that the transaction may have committed, as for a COMMIT cut short.
            failed.outcomeUnknown = committed
            // The statement sent ahead failed while the next one may have opened a transaction: undo it.
            if aheadFailed, PQtransactionStatus(handle) == PQTRANS_INTRANS || PQtransactionStatus(handle) == PQTRANS_INERROR {
                _ = try? execute("ROLLBACK")
            }
            throw failed
        }
        guard results.count == statements.count + (thenCommit ? 2 : 1) else { throw failure() }
        return results[statements.count]
    }

    /// Runs a statement prepared once per connection (`name` is a label: the SQL identifies it). With
    /// `binaryResults`, every column comes in PostgreSQL's binary format (read it with `BinaryValue`),
    /// which spares the server the text formatting of timestamps and UUIDs.
    @discardableResult
    public func execute(prepared name: String, _ sql: String, _ parameters: [String?], binaryResults: Bool = false) throws(PostgresError) -> QueryResult {
        assert(!committedWithLastStatement, "a statement after the transaction's commit")
        let serverName = try prepare(name, sql, parameterCount: parameters.count)
        if !ahead.isEmpty {
            return try pipelined(parameters) { PQsendQueryPrepared(handle, serverName, Int32(parameters.count), $0, nil, nil, binaryResults ? 1 : 0) }
        }
        let result = withCStrings(parameters) { values in
            PQexecPrepared(handle, serverName, Int32(parameters.count), values, nil, nil, binaryResults ? 1 : 0)
        }
        return try check(result)
    }

    /// Runs a prepared statement of `transaction`'s body and commits the transaction in the same round
    /// trip (a COMMIT after it in the pipeline), instead of in one of its own after the body: for the
    /// body's last statement, when nothing the body does after it may undo the transaction. Should it
    /// fail, the COMMIT does not run and the transaction is rolled back; should the connection break,
    /// the outcome is unknown, as for any COMMIT. A session the server ended while it sat idle is found
    /// out first, while nothing has been sent (a connection error with a known outcome: none).
    @discardableResult
    public func executeCommitting(prepared name: String, _ sql: String, _ parameters: [String?],
                                  binaryResults: Bool = false) throws(PostgresError) -> QueryResult {
        let serverName = try prepare(name, sql, parameterCount: parameters.count)
        if endedWhileIdle() {
            throw PostgresError(kind: .connection, sqlState: nil, message: "the server ended the session while it was idle",
                                detail: nil, constraint: nil)
        }
        do {
            let result = try pipelined(parameters, thenCommit: true) {
                PQsendQueryPrepared(handle, serverName, Int32(parameters.count), $0, nil, nil, binaryResults ? 1 : 0)
            }
            committedWithLastStatement = true
            return result
        } catch var error where error.kind == .connection {
            error.outcomeUnknown = true
            throw error
        }
    }

    /// Whether the server ended this session while it sat idle (a restart, `pg_terminate_backend`): its
    /// last message and the end of the stream are then waiting on the socket. One `poll` that does not
    /// wait; a healthy idle session has nothing to read, or at most a notice.
    private func endedWhileIdle() -> Bool {
        let peerClosed = Int16(0x2000)   // POLLRDHUP, which Glibc's Swift module leaves out
        var socket = pollfd(fd: PQsocket(handle), events: Int16(POLLIN) | peerClosed, revents: 0)
        guard poll(&socket, 1, 0) > 0 else { return false }
        if socket.revents & (Int16(POLLHUP) | Int16(POLLERR) | peerClosed) != 0 { return true }
        return PQconsumeInput(handle) == 0 || PQstatus(handle) != CONNECTION_OK
    }

    /// Runs `body` in a transaction: committed when it returns (or by its `executeCommitting`), rolled
    /// back when it throws. The BEGIN goes in the same round trip as the transaction's first statement,
    /// without a sync point between them (each costs the server an answer of its own); a failed BEGIN
    /// is thrown by that statement.
    @discardableResult
    public func transaction<T>(_ begin: String = "BEGIN", _ body: () throws -> T) throws -> T {
        ahead.append(Ahead(name: begin, parameters: nil, ownTransaction: false))
        committedWithLastStatement = false
        defer { committedWithLastStatement = false }
        let value: T
        do {
            value = try body()
        } catch {
            if isConnected, !committedWithLastStatement { _ = try? execute("ROLLBACK") }
            throw error
        }
        if committedWithLastStatement { return value }
        do {
            try execute("COMMIT")
            return value
        } catch {
            // execute throws PostgresError only.
            var failure = error
            if failure.kind == .connection {
                failure.outcomeUnknown = true
            } else if isConnected {
                _ = try? execute("ROLLBACK")
            }
            throw failure
        }
    }

    @discardableResult
    private func check(_ result: OpaquePointer?) throws(PostgresError) -> QueryResult {
        guard let result else { throw failure() }
        let owned = QueryResult(taking: result)
        if let error = error(of: result) { throw error }
        return owned
    }

    /// The failure a result reports; nil for a success.
    private func error(of result: OpaquePointer) -> PostgresError? {
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return nil
        default:
            func field(_ code: Character) -> String? {
                PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
            }
            let state = field("C").map(SQLState.init)
            let message = field("M") ?? Connection.errorMessage(handle)
            let kind: PostgresError.Kind = isConnected ? .statement : .connection
            return PostgresError(kind: kind, sqlState: state, message: message, detail: field("D"), constraint: field("n"))
        }
    }

    /// The connection's own error, when libpq has no result to tell it by.
    private func failure() -> PostgresError {
        PostgresError(kind: .connection, sqlState: nil, message: Connection.errorMessage(handle), detail: nil, constraint: nil)
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

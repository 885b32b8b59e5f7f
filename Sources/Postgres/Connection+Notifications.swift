import CLibPQ
#if canImport(Glibc)
import Glibc
#endif
import SystemCalls

/// A NOTIFY this connection received (after its LISTEN): the channel and the payload.
public struct DatabaseNotification: Equatable, Sendable {
    public let channel: String
    public let payload: String

    public init(channel: String, payload: String) {
        self.channel = channel
        self.payload = payload
    }
}

extension Connection {
    /// Waits up to `seconds` for notifications to arrive, then returns every one received (none on a
    /// timeout). Throws when the connection breaks: LISTEN again on a new one.
    public func notifications(waitingUpTo seconds: Double) throws(PostgresError) -> [DatabaseNotification] {
        var received = pending()
        guard received.isEmpty else { return received }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else { throw notConnected() }
        let ready = SystemCall.retrying { poll(&descriptor, 1, Int32(seconds * 1000)) }
        guard ready >= 0 else { throw notConnected() }
        guard ready > 0 else { return [] }
        guard PQconsumeInput(handle) == 1 else { throw notConnected() }
        received = pending()
        return received
    }

    /// The connection's socket, for a caller that waits on it together with descriptors of its own
    /// (poll for POLLIN, then `receivedNotifications()`).
    public var socketDescriptor: Int32 { PQsocket(handle) }

    /// Reads what the server has sent without waiting, and returns the notifications among it.
    /// Throws when the connection breaks.
    public func receivedNotifications() throws(PostgresError) -> [DatabaseNotification] {
        guard PQconsumeInput(handle) == 1 else { throw notConnected() }
        return pending()
    }

    private func pending() -> [DatabaseNotification] {
        var received: [DatabaseNotification] = []
        while let notice = PQnotifies(handle) {
            received.append(DatabaseNotification(channel: String(cString: notice.pointee.relname),
                                         payload: String(cString: notice.pointee.extra)))
            PQfreemem(notice)
        }
        return received
    }

    private func notConnected() -> PostgresError {
        PostgresError(kind: .connection, sqlState: nil, message: String(cString: PQerrorMessage(handle)), detail: nil, constraint: nil)
    }
}

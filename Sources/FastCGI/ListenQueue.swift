import Glibc
import SystemCalls

/// How many connections wait in a listening socket's backlog for a worker thread to accept them (what
/// php-fpm calls its "listen queue"), and the backlog's size, as the kernel counts them: TCP_INFO for a
/// TCP socket, a sock_diag netlink query for a unix socket. nil when the kernel does not say (no
/// unix_diag module, netlink refused by a sandbox).
public enum ListenQueue {
    /// The connections waiting, and the backlog's size.
    public struct Length: Sendable, Equatable {
        public let waiting: Int
        public let limit: Int
    }

    public static func length(of socket: Int32) -> Length? {
        var address = sockaddr_storage()
        var size = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &size) }
        }
        guard named == 0 else { return nil }
        switch Int32(address.ss_family) {
        case AF_INET, AF_INET6: return tcpQueue(socket)
        case AF_UNIX: return unixQueue(socket)
        default: return nil
        }
    }

    /// For a listening TCP socket, Linux reports the accept queue in tcpi_unacked and its size in tcpi_sacked.
    private static func tcpQueue(_ socket: Int32) -> Length? {
        var info = tcp_info()
        var size = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(socket, Int32(IPPROTO_TCP), TCP_INFO, &info, &size) == 0 else { return nil }
        return Length(waiting: Int(info.tcpi_unacked), limit: Int(info.tcpi_sacked))
    }

    // linux/sock_diag.h and linux/unix_diag.h, which Glibc's module does not export.
    private static let sockDiagByFamily: UInt16 = 20
    private static let showReceiveQueueLength: UInt32 = 0x10
    private static let receiveQueueLengthAttribute: UInt16 = 4

    /// One sock_diag request for this socket's inode; for a listening unix socket the kernel answers
    /// with the connections waiting (udiag_rqueue) and the backlog's size (udiag_wqueue).
    private static func unixQueue(_ socket: Int32) -> Length? {
        var status = stat()
        guard fstat(socket, &status) == 0 else { return nil }
        let netlink = Glibc.socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 4 /* NETLINK_SOCK_DIAG */)
        guard netlink >= 0 else { return nil }
        defer { close(netlink) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(netlink, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        var request: [UInt8] = []
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { request += $0 } }
        append(UInt32(16 + 24))                      // nlmsghdr: length,
        append(sockDiagByFamily)                      // type,
        append(UInt16(1))                             // flags: NLM_F_REQUEST,
        append(UInt32(1)); append(UInt32(0))          // sequence, port
        append(UInt8(AF_UNIX)); append(UInt8(0)); append(UInt16(0))   // unix_diag_req: family, protocol, pad,
        append(UInt32.max)                            // every state,
        append(UInt32(truncatingIfNeeded: status.st_ino))
        append(showReceiveQueueLength)
        append(UInt32.max); append(UInt32.max)        // any cookie
        // An unconnected netlink socket sends to the kernel.
        guard SystemCall.retrying({ send(netlink, request, request.count, 0) }) == request.count else { return nil }

        var reply = [UInt8](repeating: 0, count: 4096)
        let received = SystemCall.retrying { recv(netlink, &reply, reply.count, 0) }
        guard received >= 32 else { return nil }
        func read32(_ offset: Int) -> UInt32 { reply[offset..<offset + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        func read16(_ offset: Int) -> UInt16 { UInt16(reply[offset]) | UInt16(reply[offset + 1]) << 8 }
        let length = min(Int(read32(0)), received)
        guard read16(4) == sockDiagByFamily else { return nil }   // NLMSG_ERROR: no unix_diag, or no such socket
        var offset = 16 + 16                                        // nlmsghdr, unix_diag_msg, then attributes
        while offset + 4 <= length {
            let attributeLength = Int(read16(offset))
            guard attributeLength >= 4, offset + attributeLength <= length else { return nil }
            if read16(offset + 2) == receiveQueueLengthAttribute, attributeLength >= 12 {
                return Length(waiting: Int(read32(offset + 4)), limit: Int(read32(offset + 8)))
            }
            offset += (attributeLength + 3) & ~3
        }
        return nil
    }
}

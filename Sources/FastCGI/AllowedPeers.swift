#if canImport(Glibc)
import Glibc
#endif

/// The IPv4 addresses that may connect to a TCP listener (SYNC_FASTCGI_ALLOWED_ADDRS, comma-separated),
/// as libfcgi's FCGI_WEB_SERVER_ADDRS: FastCGI has no authentication, so anyone else's connection is
/// closed unread. An empty list admits everyone (a unix socket, or a loopback listener); with a list, a
/// peer of another family than IPv4 is refused (libfcgi's listener is IPv4 only anyway).
public struct AllowedPeers: Sendable {
    private let addresses: Set<in_addr_t>

    public init(_ list: String) {
        addresses = Set(list.split(separator: ",").compactMap { entry in
            var address = in_addr()
            return inet_pton(AF_INET, String(entry.filter { !$0.isWhitespace }), &address) == 1 ? address.s_addr : nil
        })
    }

    func admits(_ peer: sockaddr_storage) -> Bool {
        guard !addresses.isEmpty else { return true }
        switch Int32(peer.ss_family) {
        case AF_UNIX:
            return true
        case AF_INET:
            return withUnsafePointer(to: peer) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { addresses.contains($0.pointee.sin_addr.s_addr) }
            }
        default:
            return false
        }
    }
}

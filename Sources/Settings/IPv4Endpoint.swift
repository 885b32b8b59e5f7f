#if canImport(Glibc)
import Glibc
#endif

/// `host:port` with a dotted IPv4 host, as a socket address: how SYNC_POKE_ADDRESS names nginx's
/// publisher (loopback in practice).
public struct IPv4Endpoint: Sendable {
    public let address: sockaddr_in

    /// nil when `text` is not a dotted IPv4 host, a colon and a port from 1 to 65535.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = UInt16(parts[1]), port > 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, String(parts[0]), &address.sin_addr) == 1 else { return nil }
        self.address = address
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Tells the devices of a tenant that something changed: one small HTTP POST to nginx's nchan publisher
/// location (nginx/syncd.conf), which holds the subscribers (README, "Live pokes"). A poke carries a
/// position and nothing else; a device that hears one pulls through the normal, authorised endpoint.
/// Best effort by design: a poke that cannot be sent costs the devices only the wait for their next
/// pull, so failures are counted, never raised, and a slow nginx delays a push by at most `timeout`.
public struct PokePublisher: Sendable {
    /// The publisher's IPv4 address and port (SYNC_POKE_ADDRESS, loopback).
    let address: sockaddr_in
    static let timeout = timeval(tv_sec: 0, tv_usec: 200_000)

    /// `host:port` with a dotted IPv4 host; nil when it is not one.
    public init?(address text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = UInt16(parts[1]), port > 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, String(parts[0]), &address.sin_addr) == 1 else { return nil }
        self.address = address
    }

    /// Publishes `{"syncTimestamp": stamp}` to the tenant's channel. Returns whether nginx took it.
    @discardableResult
    func poke(tenant: String, stamp: String) -> Bool {
        let body = "{\"syncTimestamp\":\"\(stamp)\"}"
        guard let channel = PokePublisher.channelPath(tenant) else { return false }
        return exchange("POST \(channel) HTTP/1.0\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
    }

    /// Deletes the tenant's channel, which ends every subscription to it (a suspended tenant's devices
    /// then reconnect, and nginx's authorisation refuses them). Returns whether nginx answered 2xx.
    @discardableResult
    public func closeSubscriptions(tenant: String) -> Bool {
        guard let channel = PokePublisher.channelPath(tenant) else { return false }
        return exchange("DELETE \(channel) HTTP/1.0\r\nHost: localhost\r\n\r\n")
    }

    /// The publisher's path of a tenant's channel (nginx/syncd.conf matches `^/tenant-([A-Za-z0-9._-]+)$`,
    /// the characters a tenant id may have); nil for an id that could not be one.
    static func channelPath(_ tenant: String) -> String? {
        let allowed = tenant.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 46 || byte == 95 || byte == 45
        }
        return allowed && !tenant.isEmpty ? "/tenant-" + tenant : nil
    }

    private func exchange(_ request: String) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var timeout = PokePublisher.timeout
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var target = address
        let connected = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { return false }
            sent += written
        }
        // nginx answers 201 (a new channel) or 202 (subscribers or not) and closes (HTTP/1.0).
        var answer = [UInt8](repeating: 0, count: 512)
        let read = recv(descriptor, &answer, answer.count, 0)
        guard read >= 12 else { return false }
        return answer[9] == UInt8(ascii: "2")
    }
}

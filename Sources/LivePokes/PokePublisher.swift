import Foundation
import Settings
#if canImport(Glibc)
import Glibc
#endif
import SystemCalls

/// Tells the devices of a tenant that something changed: one small HTTP POST to nginx's nchan publisher
/// location (nginx/syncd.conf), which holds the subscribers (README, "Live pokes"). A poke carries a
/// position and nothing else; a device that hears one pulls through the normal, authorised endpoint.
/// Best effort by design: a poke that cannot be sent costs the devices only the wait for their next
/// pull, so failures are counted, never raised, and a slow nginx delays a push by at most `timeout`.
public struct PokePublisher: Sendable {
    /// The publisher's IPv4 address and port (SYNC_POKE_ADDRESS, loopback).
    public let address: sockaddr_in
    public static let timeout = timeval(tv_sec: 0, tv_usec: 200_000)

    /// `host:port` with a dotted IPv4 host; nil when it is not one.
    public init?(address text: String) {
        guard let endpoint = IPv4Endpoint(text) else { return nil }
        address = endpoint.address
    }

    /// The channel every subscription also listens on, for pokes to every device of every tenant.
    public static let everyoneChannel = "everyone"

    /// Publishes `{"syncTimestamp": stamp}` to a channel (`tenant-<id>`, or `everyone`). Returns whether
    /// nginx took it.
    @discardableResult
    public func poke(channel: String, stamp: String) -> Bool {
        let body = "{\"syncTimestamp\":\"\(stamp)\"}"
        guard PokePublisher.isChannel(channel) else { return false }
        return exchange("POST /\(channel) HTTP/1.0\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
    }

    /// Deletes a channel, which ends every subscription to it: `tenant-<id>` when a tenant is suspended
    /// (its devices then reconnect, and nginx's authorisation refuses them), `expires-<minute>` when the
    /// tokens of that minute expire. Returns whether nginx answered 2xx (404: nobody was subscribed).
    @discardableResult
    public func delete(channel: String) -> Bool {
        guard PokePublisher.isChannel(channel) else { return false }
        return exchange("DELETE /\(channel) HTTP/1.0\r\nHost: localhost\r\n\r\n")
    }

    /// Ends every subscription of the tenant's devices.
    @discardableResult
    public func closeSubscriptions(tenant: String) -> Bool {
        delete(channel: "tenant-" + tenant)
    }

    /// Whether `channel` is one the publisher serves (nginx/syncd.conf: `/everyone`, and
    /// `^/((tenant|expires)-[A-Za-z0-9._-]+)$`; a tenant id has only those characters), so that nothing
    /// else can reach its request line.
    public static func isChannel(_ channel: String) -> Bool {
        if channel == everyoneChannel { return true }
        let name: Substring
        if channel.hasPrefix("tenant-") { name = channel.dropFirst(7) } else if channel.hasPrefix("expires-") { name = channel.dropFirst(8) } else { return false }
        return !name.isEmpty && name.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 46 || byte == 95 || byte == 45
        }
    }

    /// How many subscribers this nginx holds now (nchan's stub status); nil when it cannot be asked.
    public func subscriberCount() -> Int? {
        guard let answer = exchange("GET /status HTTP/1.0\r\nHost: localhost\r\n\r\n"), answer.status == 200 else { return nil }
        let line = answer.body.split(separator: "\n").first { $0.hasPrefix("subscribers:") }
        return line.flatMap { Int($0.dropFirst("subscribers:".count).trimmingCharacters(in: .whitespaces)) }
    }

    /// Sends a request; returns whether nginx answered 2xx.
    private func exchange(_ request: String) -> Bool {
        exchange(request).map { (200..<300).contains($0.status) } ?? false
    }

    /// Sends a request and reads the answer until nginx closes (HTTP/1.0); nil when that fails.
    private func exchange(_ request: String) -> (status: Int, body: String)? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var timeout = PokePublisher.timeout
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var target = address
        let connected = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                SystemCall.retrying { connect(descriptor, address, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard connected == 0 else { return nil }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { chunk in
                SystemCall.retrying { send(descriptor, chunk.baseAddress, chunk.count, Int32(MSG_NOSIGNAL)) }
            }
            guard written > 0 else { return nil }
            sent += written
        }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while answer.count < 65536 {
            let read = SystemCall.retrying { recv(descriptor, &chunk, chunk.count, 0) }
            guard read > 0 else { break }
            answer += chunk[..<read]
        }
        // "HTTP/1.1 201 Created\r\n...\r\n\r\nbody"
        guard answer.count >= 12, let status = Int(String(decoding: answer[9..<12], as: UTF8.self)) else { return nil }
        let text = String(decoding: answer, as: UTF8.self)
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (status, body)
    }
}

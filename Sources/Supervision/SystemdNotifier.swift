import Foundation
import SystemCalls

/// Tells systemd how the service is doing (`Type=notify`), by the `sd_notify` protocol: one datagram
/// of `KEY=value` lines to the unix socket named by `$NOTIFY_SOCKET` (a path, or `@name` for the
/// abstract namespace). Without that variable (not started by systemd) every call does nothing.
struct SystemdNotifier {
    private let address: String?

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        address = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The master serves: `systemctl start` returns, and a start that never gets here fails the unit.
    func ready(status: String) { send("READY=1\nSTATUS=\(status)\nMAINPID=\(getpid())") }

    func reloading() { send("RELOADING=1") }

    func stopping() { send("STOPPING=1") }

    private func send(_ message: String) {
        guard let address else { return }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var peer = sockaddr_un()
        peer.sun_family = sa_family_t(AF_UNIX)
        var path = Array(address.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: peer.sun_path)
        guard path.count < capacity else { return }
        withUnsafeMutableBytes(of: &peer.sun_path) { bytes in
            for (index, byte) in path.enumerated() { bytes[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        let bytes = Array(message.utf8)
        _ = withUnsafePointer(to: &peer) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                SystemCall.retrying { sendto(descriptor, bytes, bytes.count, Int32(MSG_NOSIGNAL), address, length) }
            }
        }
    }
}

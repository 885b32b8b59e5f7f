import FastCGI
import Foundation
import XCTest

/// The kernel's count of connections waiting to be accepted, which /metrics reports as sync_listen_queue.
final class ListenQueueTests: XCTestCase {
    func testAUnixSocketsWaitingConnectionsAreCounted() throws {
        let path = NSTemporaryDirectory() + "listen-queue-\(getpid()).sock"
        let listening = try WorkerPool.listen(on: path, backlog: 16)
        defer { close(listening); unlink(path) }
        guard let empty = ListenQueue.length(of: listening) else {
            throw XCTSkip("this kernel does not answer sock_diag queries for unix sockets (no unix_diag)")
        }
        XCTAssertEqual(empty.waiting, 0)
        XCTAssertEqual(empty.limit, 16)
        let clients = (0..<3).map { _ in connectUnix(path) }
        defer { clients.forEach { close($0) } }
        XCTAssertEqual(ListenQueue.length(of: listening)?.waiting, 3)
    }

    func testATCPSocketsWaitingConnectionsAreCounted() throws {
        // Made by hand: libfcgi takes "HOST:0" for a unix socket path.
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listening) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, size) } }
        XCTAssertEqual(listen(listening, 16), 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listening, $0, &size) } }
        XCTAssertEqual(ListenQueue.length(of: listening)?.waiting, 0)
        let clients = (0..<2).map { _ -> Int32 in
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var peer = address
            _ = withUnsafePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, size) } }
            return client
        }
        defer { clients.forEach { close($0) } }
        XCTAssertEqual(ListenQueue.length(of: listening)?.waiting, 2)
        XCTAssertEqual(ListenQueue.length(of: listening)?.limit, 16)
    }

    private func connectUnix(_ path: String) -> Int32 {
        let client = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { bytes in
            for (index, byte) in path.utf8.enumerated() { bytes[index] = byte }
        }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return client
    }
}

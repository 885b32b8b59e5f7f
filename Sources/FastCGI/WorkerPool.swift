import CFastCGI
import Foundation
import Synchronization
import SystemCalls

/// A pool of threads that each accept FastCGI requests on one listening socket and serve them with
/// their own handler, as libfcgi's `threaded.c` does. The socket may be shared with other processes.
public final class WorkerPool: Sendable {
    public struct SocketError: Error, CustomStringConvertible {
        public let description: String
    }

    private let socket: Int32
    private let maximumBodyBytes: Int
    /// The FastCGI parameters handlers read (besides the method, path and length, which the pool reads).
    private let parameterNames: [String]
    private let stopping = Atomic<Bool>(false)
    private let running = Atomic<Int>(0)

    public init(socket: Int32, maximumBodyBytes: Int, parameterNames: [String]) {
        self.socket = socket
        self.maximumBodyBytes = maximumBodyBytes
        self.parameterNames = parameterNames
    }

    /// The host of a `HOST:PORT` address (empty for `:PORT`, every interface); nil for a unix socket
    /// path (one without a colon).
    public static func tcpHost(of address: String) -> String? {
        guard let colon = address.lastIndex(of: ":") else { return nil }
        return String(address[..<colon])
    }

    /// The port of a `HOST:PORT` address, when it is a number.
    public static func tcpPort(of address: String) -> Int? {
        address.lastIndex(of: ":").flatMap { Int(address[address.index(after: $0)...]) }
    }

    /// Opens a listening socket: a unix socket path, or `HOST:PORT` / `:PORT` for TCP.
    public static func listen(on address: String, backlog: Int32 = 1024, mode: mode_t? = nil) throws -> Int32 {
        guard FCGX_Init() == 0 else { throw SocketError(description: "FCGX_Init failed") }
        let isUnix = tcpHost(of: address) == nil
        // libfcgi would take "HOST:0" or "HOST:x" for a unix socket path, and make that file.
        if !isUnix, !(1...65535).contains(tcpPort(of: address) ?? 0) {
            throw SocketError(description: "cannot listen on \(address): a TCP port is 1 to 65535")
        }
        if isUnix { unlink(address) }
        let socket = FCGX_OpenSocket(address, backlog)
        guard socket >= 0 else { throw SocketError(description: "cannot listen on \(address): \(String(cString: strerror(errno)))") }
        if isUnix, let mode, chmod(address, mode) != 0 {
            throw SocketError(description: "cannot set the mode of \(address): \(String(cString: strerror(errno)))")
        }
        return socket
    }

    /// Serves on a socket this process inherited (a worker started by the master).
    public static func inherited(_ descriptor: Int32) throws -> Int32 {
        guard FCGX_Init() == 0 else { throw SocketError(description: "FCGX_Init failed") }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw SocketError(description: "descriptor \(descriptor) is not open") }
        return descriptor
    }

    /// Starts `count` threads, each with a handler made on that thread, and returns at once.
    public func start(threads count: Int, makeHandler: @escaping @Sendable () -> any RequestHandler) {
        for index in 0..<count {
            running.add(1, ordering: .sequentiallyConsistent)
            let thread = Thread { [self] in
                serve(handler: makeHandler())
                running.subtract(1, ordering: .sequentiallyConsistent)
            }
            thread.name = "fcgi-worker-\(index)"
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    /// Stops accepting, lets the requests in flight finish, and waits up to `grace` seconds for every
    /// thread to end. Returns whether they all did.
    ///
    /// Two ways to stop, told apart by the shared listening socket: when the whole service stops, the
    /// master has made it non-blocking first, and the threads go on accepting until the backlog is empty
    /// (accept() answers EAGAIN), so no connection nginx already made is dropped. When only this worker
    /// is replaced (a reload), the socket is still blocking and other workers go on serving it, so the
    /// threads stop accepting at once and leave the backlog to them.
    public func drain(grace: Double) -> Bool {
        let wholeServiceStops = fcntl(socket, F_GETFL) & O_NONBLOCK != 0
        if !wholeServiceStops {
            stopping.store(true, ordering: .sequentiallyConsistent)
            FCGX_ShutdownPending()
        }
        let deadline = Date().addingTimeInterval(grace)
        while running.load(ordering: .sequentiallyConsistent) > 0 {
            if Date() > deadline { return false }
            // Threads blocked in accept() are woken by a connection that sends nothing: libfcgi reads
            // its end, then (shutdown pending, or the socket non-blocking) returns instead of accepting
            // again. Whichever process accepts it, it costs no request. Signals are no way to wake them:
            // libfcgi's SIGUSR1 handler does not restart system calls, so it would break the reads and
            // writes of requests in flight.
            for _ in 0..<running.load(ordering: .sequentiallyConsistent) { poke() }
            usleep(20_000)
        }
        return true
    }

    /// Opens and closes one connection to the listening socket's own address.
    private func poke() {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        guard named == 0 else { return }
        switch Int32(address.ss_family) {
        case AF_INET:
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { inet in
                    if inet.pointee.sin_addr.s_addr == 0 { inet.pointee.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian }
                }
            }
        case AF_INET6:
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { inet6 in
                    let isAny = withUnsafeBytes(of: inet6.pointee.sin6_addr) { $0.allSatisfy { $0 == 0 } }
                    if isAny { inet6.pointee.sin6_addr = in6addr_loopback }
                }
            }
        default:
            break
        }
        let connection = Glibc.socket(Int32(address.ss_family), Int32(SOCK_STREAM.rawValue), 0)
        guard connection >= 0 else { return }
        defer { close(connection) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in SystemCall.retrying { connect(connection, address, length) } }
        }
        // A whole service that stops has moved its unix socket aside (see `drainingSuffix`).
        guard connected != 0, Int32(address.ss_family) == AF_UNIX else { return }
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr_un.self, capacity: 1) { unix in
                var path = withUnsafeBytes(of: unix.pointee.sun_path) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                path += WorkerPool.drainingSuffix
                guard path.utf8.count < MemoryLayout.size(ofValue: unix.pointee.sun_path) else { return }
                withUnsafeMutableBytes(of: &unix.pointee.sun_path) { bytes in
                    bytes.copyBytes(from: path.utf8 + [0])
                }
                _ = unix.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    SystemCall.retrying { connect(connection, address, socklen_t(MemoryLayout<sockaddr_un>.size)) }
                }
            }
        }
    }

    /// When the whole service stops, the master renames its unix socket to this name's suffix first:
    /// nginx can no longer queue a connection that nobody would accept (it would be reset when the
    /// socket closes), while the workers accept everything already queued, woken through the new name.
    public static let drainingSuffix = ".draining"

    private func serve(handler: any RequestHandler) {
        let request = FastCGIRequest(socket: socket)
        while !stopping.load(ordering: .sequentiallyConsistent), request.accept() {
            request.write(handler.handle(request.read(parameterNames: parameterNames, maximumBodyBytes: maximumBodyBytes)))
            request.finish()
        }
    }
}

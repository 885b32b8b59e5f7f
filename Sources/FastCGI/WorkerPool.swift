import CFastCGI
import Foundation
import Synchronization
import SystemCalls

/// A pool of threads that serve FastCGI requests on one listening socket, which other processes may
/// share. nginx keeps its connections open between requests (`fastcgi_keep_conn`), and no thread waits
/// on one of them: an idle connection waits in the pool's epoll set, and whichever thread is free reads
/// its next request when nginx sends one (libfcgi reads and parses it). A thread serves one request at a
/// time, so a few threads serve any number of kept connections.
public final class WorkerPool: Sendable {
    public struct SocketError: Error, CustomStringConvertible {
        public let description: String
    }

    private let socket: Int32
    private let maximumBodyBytes: Int
    private let allowedPeers: AllowedPeers
    /// The FastCGI parameters handlers read (besides the method, path and length, which the pool reads).
    private let parameterNames: [String]
    /// The epoll set the threads wait on: the listening socket, the idle connections, and `wakeUp`.
    private let readiness: Int32
    /// An eventfd written once when the threads are to stop; it stays readable, so it wakes them all.
    private let wakeUp: Int32
    private let running = Atomic<Int>(0)
    private let openConnections = Atomic<Int>(0)

    private static let listeningTag = UInt64.max
    private static let wakeUpTag = UInt64.max - 1

    public init(socket: Int32, maximumBodyBytes: Int, parameterNames: [String], allowedPeers: AllowedPeers) throws {
        self.socket = socket
        self.maximumBodyBytes = maximumBodyBytes
        self.allowedPeers = allowedPeers
        self.parameterNames = parameterNames
        readiness = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeUp = eventfd(0, Int32(EFD_CLOEXEC))
        guard readiness >= 0, wakeUp >= 0 else {
            throw SocketError(description: "cannot make the epoll set: \(String(cString: strerror(errno)))")
        }
        // Level-triggered: a connection left in the backlog, or the wake-up, is seen again by the next thread.
        var listening = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(u64: Self.listeningTag))
        var stop = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(u64: Self.wakeUpTag))
        guard epoll_ctl(readiness, EPOLL_CTL_ADD, socket, &listening) == 0,
              epoll_ctl(readiness, EPOLL_CTL_ADD, wakeUp, &stop) == 0 else {
            throw SocketError(description: "cannot watch the listening socket: \(String(cString: strerror(errno)))")
        }
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
        return try nonBlocking(socket)
    }

    /// Threads accept only once epoll says a connection waits, and another process may have taken it
    /// by then: accept() must answer EAGAIN rather than wait for the next one.
    private static func nonBlocking(_ socket: Int32) throws -> Int32 {
        guard fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK) == 0 else {
            throw SocketError(description: "cannot make the listening socket non-blocking: \(String(cString: strerror(errno)))")
        }
        return socket
    }

    /// Serves on a socket this process inherited (a worker started by the master).
    public static func inherited(_ descriptor: Int32) throws -> Int32 {
        guard FCGX_Init() == 0 else { throw SocketError(description: "FCGX_Init failed") }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw SocketError(description: "descriptor \(descriptor) is not open") }
        return try nonBlocking(descriptor)
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

    /// Why the pool stops.
    public enum Ending: Sendable {
        /// Only this worker is replaced (a reload): other workers go on serving the shared socket, so the
        /// pool stops accepting at once and leaves the backlog to them.
        case replaced
        /// The whole service stops: the master has removed a unix socket's name, so nothing joins the
        /// backlog any more, and the pool accepts every connection nginx already queued.
        case wholeServiceStops
    }

    /// Stops accepting, serves the connections nginx keeps open until nginx closes them, lets the
    /// requests in flight finish, and waits up to `grace` seconds for all of it. Returns whether every
    /// thread ended, its request answered; connections still open then close with the process.
    ///
    /// Only nginx closes a kept connection: it may have picked an idle one for its next request at the
    /// very moment the worker would close it, and would answer that request 502 (nginx does not send a
    /// POST again). nginx closes each after its `keepalive_time` or `keepalive_timeout`
    /// (nginx/syncd.conf: 1 s each), so this takes 2 s at most.
    public func drain(_ ending: Ending, grace: Double) -> Bool {
        let deadline = Date().addingTimeInterval(grace)
        if ending == .wholeServiceStops {
            while Date() < deadline, backlogWaits() { usleep(10_000) }
        }
        _ = epoll_ctl(readiness, EPOLL_CTL_DEL, socket, nil)
        while Date() < deadline, openConnections.load(ordering: .sequentiallyConsistent) > 0 { usleep(20_000) }
        var one: UInt64 = 1
        _ = Glibc.write(wakeUp, &one, MemoryLayout<UInt64>.size)
        while Date() < deadline, running.load(ordering: .sequentiallyConsistent) > 0 { usleep(20_000) }
        return running.load(ordering: .sequentiallyConsistent) == 0
    }

    /// Whether a connection waits in the listening socket's backlog.
    private func backlogWaits() -> Bool {
        var waiting = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        return poll(&waiting, 1, 0) == 1 && waiting.revents & Int16(POLLIN) != 0
    }

    /// A thread's life: wait for whatever is ready, new connections or a connection with a request, and
    /// serve that request.
    private func serve(handler: any RequestHandler) {
        let request = FastCGIRequest()
        var event = epoll_event()
        while true {
            let ready = epoll_wait(readiness, &event, 1, -1)
            guard ready == 1 else {
                if ready < 0 && errno != EINTR { return }
                continue
            }
            switch event.data.u64 {
            case Self.wakeUpTag:
                return
            case Self.listeningTag:
                acceptWaiting()
                continue
            default:
                break
            }
            guard request.accept(on: Int32(truncatingIfNeeded: event.data.u64)) else {
                // nginx closed it (libfcgi read its end and closed ours).
                openConnections.subtract(1, ordering: .sequentiallyConsistent)
                continue
            }
            request.write(handler.handle(request.read(parameterNames: parameterNames, maximumBodyBytes: maximumBodyBytes)))
            guard let kept = request.finish() else {
                openConnections.subtract(1, ordering: .sequentiallyConsistent)
                continue
            }
            watch(kept, isNew: false)
        }
    }

    /// Accepts every connection waiting in the backlog and adds each to the epoll set, where its first
    /// request waits its turn like any other: taking one new connection per turn of the listening
    /// socket's event left a burst of them waiting behind every request of every kept connection (a p99
    /// of 200 ms at 64 connections, as nginx renews each connection every second).
    private func acceptWaiting() {
        while true {
            var peer = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let connection = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(socket, $0, &length) }
            }
            guard connection >= 0 else {
                switch errno {
                case EINTR, ECONNABORTED: continue
                // Out of descriptors or memory: the backlog stays ready; give the requests in flight a moment.
                case EMFILE, ENFILE, ENOBUFS, ENOMEM: usleep(10_000)
                default: break   // EAGAIN: none left, or another process took it
                }
                return
            }
            guard allowedPeers.admits(peer) else {
                close(connection)
                continue
            }
            if Int32(peer.ss_family) == AF_INET || Int32(peer.ss_family) == AF_INET6 {
                // Responses go out in one write each; nothing to gain from Nagle's delay.
                var on: Int32 = 1
                _ = setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            }
            openConnections.add(1, ordering: .sequentiallyConsistent)
            watch(connection, isNew: true)
        }
    }

    /// Waits for the connection's next request in the epoll set. One-shot: that request goes to one
    /// thread, which owns the connection until it hands it back here.
    private func watch(_ connection: Int32, isNew: Bool) {
        var idle = epoll_event(events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLONESHOT.rawValue,
                               data: epoll_data_t(u64: UInt64(connection)))
        if epoll_ctl(readiness, isNew ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, connection, &idle) != 0 {
            close(connection)
            openConnections.subtract(1, ordering: .sequentiallyConsistent)
        }
    }
}

import CFastCGI
import Foundation
import Synchronization

/// A pool of threads that each accept FastCGI requests on one listening socket and serve them with
/// their own handler, as libfcgi's `threaded.c` does. The socket may be shared with other processes.
public final class WorkerPool: Sendable {
    public struct SocketError: Error, CustomStringConvertible {
        public let description: String
    }

    private let socket: Int32
    private let maximumBodyBytes: Int
    private let stopping = Atomic<Bool>(false)
    private let running = Atomic<Int>(0)
    private let threads = Mutex<[pthread_t]>([])

    public init(socket: Int32, maximumBodyBytes: Int) {
        self.socket = socket
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// Opens a listening socket: a unix socket path, or `HOST:PORT` / `:PORT` for TCP.
    public static func listen(on address: String, backlog: Int32 = 1024, mode: mode_t? = nil) throws -> Int32 {
        guard FCGX_Init() == 0 else { throw SocketError(description: "FCGX_Init failed") }
        let isUnix = !address.contains(":")
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
                threads.withLock { $0.append(pthread_self()) }
                serve(handler: makeHandler())
                running.subtract(1, ordering: .sequentiallyConsistent)
            }
            thread.name = "fcgi-worker-\(index)"
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    /// Stops accepting, lets the requests in flight finish, and waits up to `grace` seconds for every
    /// thread to end. Returns whether they all did. The listening socket itself is left alone: other
    /// processes may still be accepting on it.
    public func drain(grace: Double) -> Bool {
        stopping.store(true, ordering: .sequentiallyConsistent)
        FCGX_ShutdownPending()
        let deadline = Date().addingTimeInterval(grace)
        while running.load(ordering: .sequentiallyConsistent) > 0 {
            if Date() > deadline { return false }
            // libfcgi's SIGUSR1 handler interrupts accept() without restarting it; repeated in case a
            // thread was between requests when the last one arrived.
            for thread in threads.withLock({ $0 }) { pthread_kill(thread, SIGUSR1) }
            usleep(20_000)
        }
        return true
    }

    private func serve(handler: any RequestHandler) {
        let request = FastCGIRequest(socket: socket)
        while !stopping.load(ordering: .sequentiallyConsistent), request.accept() {
            let parameters = request.parameters()
            let expected = Int(parameters["CONTENT_LENGTH"] ?? "") ?? 0
            let body = request.readBody(expected: max(0, expected), limit: maximumBodyBytes)
            let httpRequest = HTTPRequest(
                method: parameters["REQUEST_METHOD"] ?? "GET",
                path: parameters["DOCUMENT_URI"] ?? parameters["SCRIPT_NAME"] ?? "/",
                parameters: parameters,
                body: body ?? [],
                bodyTooLarge: body == nil
            )
            request.write(handler.handle(httpRequest))
            request.finish()
        }
    }
}

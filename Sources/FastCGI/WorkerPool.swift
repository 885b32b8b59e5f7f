import CFastCGI
import Foundation
import Synchronization

/// A pool of threads that each accept FastCGI requests on one shared listening socket and serve
/// them with their own handler, as libfcgi's `threaded.c` does.
public final class WorkerPool: Sendable {
    public struct SocketError: Error, CustomStringConvertible {
        public let description: String
    }

    private let socket: Int32
    private let maximumBodyBytes: Int
    private let busy = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)

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

    /// Starts `count` threads, each with a handler made on that thread, and returns at once.
    public func start(threads count: Int, makeHandler: @escaping @Sendable () -> any RequestHandler) {
        for index in 0..<count {
            let thread = Thread { [self] in
                self.serve(handler: makeHandler())
            }
            thread.name = "fcgi-worker-\(index)"
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    /// Stops accepting, then waits up to `grace` seconds for the requests in flight to finish.
    /// Returns whether they all did.
    public func drain(grace: Double) -> Bool {
        stopping.store(true, ordering: .sequentiallyConsistent)
        FCGX_ShutdownPending()
        // Wakes the threads blocked in accept(); new connections are refused from here on.
        Glibc.shutdown(socket, Int32(SHUT_RDWR))
        let deadline = Date().addingTimeInterval(grace)
        while busy.load(ordering: .sequentiallyConsistent) > 0 {
            if Date() > deadline { return false }
            usleep(10_000)
        }
        return true
    }

    private func serve(handler: any RequestHandler) {
        let request = FastCGIRequest(socket: socket)
        while !stopping.load(ordering: .sequentiallyConsistent), request.accept() {
            busy.add(1, ordering: .sequentiallyConsistent)
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
            busy.subtract(1, ordering: .sequentiallyConsistent)
        }
    }
}

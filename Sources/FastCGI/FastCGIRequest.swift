import CFastCGI
#if canImport(Glibc)
import Glibc
#endif
import SystemCalls

/// One libfcgi request slot, reused by one thread for request after request, on whichever connection
/// has one. libfcgi's streams point back into the `FCGX_Request`, so it lives at a fixed heap address
/// owned by this object for the whole life of the thread.
final class FastCGIRequest {
    private let request: UnsafeMutablePointer<FCGX_Request>

    init() {
        request = .allocate(capacity: 1)
        // No listening socket: libfcgi goes back to accept() on one when a connection fails, and the
        // pool accepts connections itself (WorkerPool.acceptWaiting).
        FCGX_InitRequest(request, -1, 0)
    }

    deinit {
        FCGX_Free(request, 1)
        request.deallocate()
    }

    /// Reads the next request's parameters on an open connection (libfcgi parses the records); false
    /// when nginx closed it instead, or sent something else than a request (libfcgi then closes this end).
    func accept(on connection: Int32) -> Bool {
        request.pointee.ipcFd = connection
        // FCGX_Accept_r first finishes the slot's previous request, which would close the connection.
        request.pointee.keepConnection = 1
        return FCGX_Accept_r(request) == 0
    }

    /// Ends the request, and returns the connection when it stays open for nginx's next request (nginx
    /// asked to keep it: `fastcgi_keep_conn on`); nil when it was closed.
    ///
    /// When a request was not read to its end (a body over the limit), its connection is closed with
    /// libfcgi's lingering close: it shuts down its side and waits (poll, read) until nginx closes, so
    /// that unread request bytes cannot make the kernel reset the connection under the response. When
    /// it was read to its end and nginx does not keep it, it is closed at once (`FCGX_Detach` skips the
    /// wait).
    func finish() -> Int32? {
        let readToEnd = FCGX_GetChar(request.pointee.`in`) == EOF
        if !readToEnd {
            request.pointee.keepConnection = 0
        } else if request.pointee.keepConnection == 0 {
            FCGX_Detach(request)
        }
        let connection = request.pointee.ipcFd
        FCGX_Finish_r(request)
        // libfcgi closed it (not kept, or an error writing the end of the response).
        guard request.pointee.ipcFd >= 0 else { return nil }
        request.pointee.ipcFd = -1
        return connection
    }

    /// The accepted request as the handler sees it: the method, the path, the parameters named (and no
    /// others), and the body when it is at most `maximumBodyBytes`.
    func read(parameterNames: [String], maximumBodyBytes: Int) -> HTTPRequest {
        var parameters: [String: String] = [:]
        for name in parameterNames {
            parameters[name] = parameter(name)
        }
        let expected = Int(parameter("CONTENT_LENGTH") ?? "") ?? 0
        let body = readBody(expected: max(0, expected), limit: maximumBodyBytes)
        return HTTPRequest(
            method: parameter("REQUEST_METHOD") ?? "GET",
            path: parameter("DOCUMENT_URI") ?? parameter("SCRIPT_NAME") ?? "/",
            parameters: parameters,
            body: body ?? [],
            bodyTooLarge: body == nil
        )
    }

    /// The value of one parameter, copied out of libfcgi's environment block; nil when nginx did not send it.
    func parameter(_ name: String) -> String? {
        guard let environment = request.pointee.envp, let value = FCGX_GetParam(name, environment) else { return nil }
        return String(cString: value)
    }

    /// Reads up to `limit` bytes of body; nil when there is more than that.
    func readBody(expected: Int, limit: Int) -> [UInt8]? {
        guard expected <= limit else { return nil }
        var body = [UInt8](repeating: 0, count: expected)
        var filled = 0
        while filled < expected {
            let count = body.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: expected) { base in
                    FCGX_GetStr(base + filled, Int32(expected - filled), request.pointee.`in`)
                }
            }
            guard count > 0 else { break }
            filled += Int(count)
        }
        body.removeLast(expected - filled)
        return body
    }

    /// Sends the whole response, its end records included, in one write: libfcgi's own stream buffers
    /// 8 KB and writes each time it fills, so a 30 KB pull page would wake nginx four times, and once more
    /// for the end. Its streams are then marked closed, so that `finish()` writes nothing more. (`ipcFd`
    /// sits below the "don't use" line of `fcgiapp.h`; it has not moved since libfcgi 2.4.0.)
    func write(_ response: HTTPResponse) {
        let records = FastCGIRecords.response(requestID: request.pointee.requestId,
                                              head: Array(response.headerBlock.utf8), body: response.body)
        let whole = records.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = SystemCall.retrying { Glibc.write(request.pointee.ipcFd, bytes.baseAddress! + offset, bytes.count - offset) }
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }
        // nginx gone (client closed): nothing to tell it; finish() closes the connection.
        if !whole { request.pointee.keepConnection = 0 }
        request.pointee.out.pointee.wasFCloseCalled = 1
        request.pointee.err.pointee.wasFCloseCalled = 1
    }
}

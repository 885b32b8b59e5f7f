import CFastCGI
#if canImport(Glibc)
import Glibc
#endif
import SystemCalls

/// One libfcgi request slot. libfcgi's streams point back into the `FCGX_Request`, so it lives at a
/// fixed heap address owned by this object for the whole life of the thread.
final class FastCGIRequest {
    private let request: UnsafeMutablePointer<FCGX_Request>

    init(socket: Int32) {
        request = .allocate(capacity: 1)
        FCGX_InitRequest(request, socket, 0)
    }

    deinit {
        FCGX_Free(request, 1)
        request.deallocate()
    }

    /// Waits for the next request; false when the socket is closed or failing.
    func accept() -> Bool {
        FCGX_Accept_r(request) == 0
    }

    /// Ends the request and closes the connection. libfcgi closes with a lingering close: it shuts
    /// down its side and waits (poll, read) until nginx closes, so that unread request bytes cannot
    /// make the kernel reset the connection under the response. When the request was read to its end
    /// there is nothing left to reset it, so the connection is closed at once (`FCGX_Detach` skips the
    /// wait) and the thread goes back to accept() a round trip sooner.
    func finish() {
        if FCGX_GetChar(request.pointee.`in`) == EOF {
            FCGX_Detach(request)
        }
        FCGX_Finish_r(request)
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

    /// Sends the response as FCGI_STDOUT records in one write. libfcgi's own stream buffers 8 KB and
    /// writes each time it fills, so a 30 KB pull page would wake nginx four times; here nginx is woken
    /// once, and `finish()` adds the end-of-stream and end-of-request records through libfcgi as usual.
    /// (`ipcFd` sits below the "don't use" line of `fcgiapp.h`; it has not moved since libfcgi 2.4.0.)
    func write(_ response: HTTPResponse) {
        var payload = Array(response.headerBlock.utf8)
        payload += response.body
        let records = FastCGIRecords.standardOutput(requestID: request.pointee.requestId, payload: payload)
        records.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = SystemCall.retrying { Glibc.write(request.pointee.ipcFd, bytes.baseAddress! + offset, bytes.count - offset) }
                // nginx gone (client closed): nothing to tell it; finish() closes the connection.
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}

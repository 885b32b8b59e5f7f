import CFastCGI

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

    func finish() {
        FCGX_Finish_r(request)
    }

    /// All parameters, copied out of libfcgi's environment block.
    func parameters() -> [String: String] {
        var result: [String: String] = [:]
        guard var entry = request.pointee.envp else { return result }
        while let pair = entry.pointee {
            let text = String(cString: pair)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return result
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

    func write(_ response: HTTPResponse) {
        let output = request.pointee.out
        var header = response.headerBlock
        header.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { _ = FCGX_PutStr($0.baseAddress, Int32($0.count), output) }
        }
        response.body.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress { _ = FCGX_PutStr(base, Int32(chars.count), output) }
            }
        }
    }
}

// libFuzzer harness: FastCGI records, compiled into one module with the FastCGI sources against libfcgi
// (scripts/fuzz). Reading: the input arrives on a real connection and goes through libfcgi and the
// worker's own request reading, as from nginx. Writing: a response of the input's bytes is framed into
// records that parse back to exactly those bytes.
#if canImport(Glibc)
import Glibc
#endif
import CFastCGI

private let listener: Int32 = {
    FCGX_Init()
    let path = "/tmp/sync-fuzz-fastcgi-\(getpid()).sock"
    unlink(path)
    let descriptor = (try? WorkerPool.listen(on: path)) ?? -1
    precondition(descriptor >= 0, "cannot listen on \(path)")
    atexit { unlink("/tmp/sync-fuzz-fastcgi-\(getpid()).sock") }
    return descriptor
}()

private func connectToListener() -> Int32 {
    let connection = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let path = "/tmp/sync-fuzz-fastcgi-\(getpid()).sock"
    _ = withUnsafeMutablePointer(to: &address.sun_path) {
        $0.withMemoryRebound(to: CChar.self, capacity: 108) { strncpy($0, path, 107) }
    }
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(connection, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    precondition(result == 0, "cannot connect")
    return connection
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFastCGI(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Writing: frame the input as a response body and parse the records back.
    let payload = Array(UnsafeBufferPointer(start: data, count: size))
    let records = FastCGIRecords.response(requestID: 1, head: [], body: payload)
    var parsed: [UInt8] = []
    var offset = 0
    while true {
        precondition(records.count - offset >= 8 && records[offset] == 1 && records[offset + 1] == 6, "a record header")
        let length = Int(records[offset + 4]) << 8 | Int(records[offset + 5])
        let padding = Int(records[offset + 6])
        precondition((8 + length + padding) % 8 == 0, "content and padding to a multiple of 8")
        offset += 8 + length + padding
        if length == 0 { break }
        parsed += records[(offset - length - padding)..<(offset - padding)]
    }
    precondition(Array(records[offset...]) == [1, 3, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "the end of the request")
    precondition(parsed == payload, "records carry the payload exactly")

    // Reading: the input as what a FastCGI peer sends on a new connection, then end of input.
    guard size <= 60_000, !declaresHugeParameter(payload) else { return 0 }
    let listening = listener
    let connection = connectToListener()
    var written = 0
    while written < size {
        let count = write(connection, data + written, size - written)
        guard count > 0 else { break }
        written += count
    }
    shutdown(connection, Int32(SHUT_WR))
    let slot = FastCGIRequest()
    let accepted = accept(listening, nil, nil)
    precondition(accepted >= 0, "the connection waits in the backlog")
    if slot.accept(on: accepted) {
        let request = slot.read(parameterNames: ["HTTP_AUTHORIZATION", "CONTENT_TYPE", "REQUEST_ID"], maximumBodyBytes: 1 << 16)
        precondition(request.body.count <= 1 << 16)
        slot.write(HTTPResponse(status: 200, body: Array(request.path.utf8.prefix(64))))
        if let kept = slot.finish() { close(kept) }
    }
    close(connection)
    return 0
}

/// Whether the input could declare a FastCGI name or value length of 1 GiB or more: such a length's first
/// byte is 0xC0 or above. nginx never sends one (its headers are bounded by large_client_header_buffers);
/// libfcgi 2.4.2 computes `nameLen + valueLen + 2` in an int and crashes when two of them overflow it
/// (found by this harness; Tests/Fuzz/regressions/fastcgi/). Only nginx may connect to the workers'
/// socket, so such inputs are left out of the reading half only.
private func declaresHugeParameter(_ bytes: [UInt8]) -> Bool {
    bytes.contains { $0 >= 0xC0 }
}

/// FastCGI record framing (FastCGI specification, sections 3.3 and 5.5) for what the worker writes itself:
/// a whole response, its FCGI_STDOUT content and the records that end it.
enum FastCGIRecords {
    static let version: UInt8 = 1
    static let endRequestType: UInt8 = 3
    static let standardOutputType: UInt8 = 6
    /// The most content one record carries, kept a multiple of 8 so no record needs padding but the last.
    static let maximumContent = 65_528

    /// A response to request `requestID`: `head` then `body` as FCGI_STDOUT records, each padded to a
    /// multiple of 8 bytes as libfcgi pads its own, then the empty record that ends the stream and the
    /// FCGI_END_REQUEST record (application status 0, request complete). Built in one buffer, so that it
    /// goes to nginx in one write: with a connection kept open, nginx knows the response has ended only
    /// from the last record, which must not wait for a second write (or be lost with the process).
    static func response(requestID: Int32, head: [UInt8], body: [UInt8]) -> [UInt8] {
        let total = head.count + body.count
        var records: [UInt8] = []
        records.reserveCapacity(total + (total / maximumContent + 1) * 16 + 24)
        var start = 0
        while start < total {
            let length = min(maximumContent, total - start)
            let padding = (8 - length % 8) % 8
            records += header(type: standardOutputType, requestID: requestID, length: length, padding: padding)
            let end = start + length
            if start < head.count { records += head[start..<min(end, head.count)] }
            if end > head.count { records += body[max(start, head.count) - head.count..<end - head.count] }
            records += repeatElement(0, count: padding)
            start = end
        }
        records += header(type: standardOutputType, requestID: requestID, length: 0, padding: 0)
        records += header(type: endRequestType, requestID: requestID, length: 8, padding: 0)
        records += [0, 0, 0, 0, 0, 0, 0, 0]
        return records
    }

    private static func header(type: UInt8, requestID: Int32, length: Int, padding: Int) -> [UInt8] {
        [
            version, type, UInt8(truncatingIfNeeded: requestID >> 8), UInt8(truncatingIfNeeded: requestID),
            UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length), UInt8(padding), 0,
        ]
    }
}

/// FastCGI record framing (FastCGI specification, section 3.3), for the one stream the worker writes
/// itself: a response's FCGI_STDOUT content.
enum FastCGIRecords {
    static let version: UInt8 = 1
    static let standardOutputType: UInt8 = 6
    /// The most content one record carries, kept a multiple of 8 so no record needs padding but the last.
    static let maximumContent = 65_528

    /// `payload` split into FCGI_STDOUT records of request `requestID`, each padded to a multiple of 8
    /// bytes as libfcgi pads its own. The empty record that ends the stream is not included.
    static func standardOutput(requestID: Int32, payload: [UInt8]) -> [UInt8] {
        var records: [UInt8] = []
        records.reserveCapacity(payload.count + (payload.count / maximumContent + 1) * 16)
        var start = 0
        while start < payload.count {
            let length = min(maximumContent, payload.count - start)
            let padding = (8 - length % 8) % 8
            records += [
                version, standardOutputType, UInt8(truncatingIfNeeded: requestID >> 8), UInt8(truncatingIfNeeded: requestID),
                UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length), UInt8(padding), 0,
            ]
            records += payload[start..<(start + length)]
            records += repeatElement(0, count: padding)
            start += length
        }
        return records
    }
}

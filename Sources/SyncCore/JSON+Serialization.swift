extension JSON {
    /// Compact JSON text.
    public var serialized: String {
        var writer = ByteWriter(capacity: 64)
        write(to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Compact JSON text with every object's members in key order: two documents that differ only in
    /// whitespace, member order or number spelling (1.0, 1) have the same canonical text.
    public var canonical: String {
        var writer = ByteWriter(capacity: 64)
        write(to: &writer, sortingKeys: true)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    public func write(to writer: inout ByteWriter, sortingKeys: Bool = false) {
        switch self {
        case .null: writer.write(Array("null".utf8))
        case .bool(let value): writer.write(Array((value ? "true" : "false").utf8))
        case .int(let value): writer.write(decimal: value)
        case .double(let value):
            if value.rounded() == value, abs(value) < 1e15 { writer.write(decimal: Int64(value)) } else { writer.write(Array("\(value)".utf8)) }
        case .string(let value): writer.writeJSONString(value)
        case .array(let elements):
            writer.write(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { writer.write(UInt8(ascii: ",")) }
                element.write(to: &writer, sortingKeys: sortingKeys)
            }
            writer.write(UInt8(ascii: "]"))
        case .object(let object):
            writer.write(UInt8(ascii: "{"))
            let entries = sortingKeys ? object.entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } : object.entries
            for (index, entry) in entries.enumerated() {
                if index > 0 { writer.write(UInt8(ascii: ",")) }
                writer.writeJSONString(entry.key)
                writer.write(UInt8(ascii: ":"))
                entry.value.write(to: &writer, sortingKeys: sortingKeys)
            }
            writer.write(UInt8(ascii: "}"))
        }
    }

    /// A JSON string literal, appended to `output` (for text built as a String, such as a log line).
    public static func writeString(_ value: String, to output: inout String) {
        var writer = ByteWriter(capacity: value.utf8.count + 8)
        writer.writeJSONString(value)
        output += String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension ByteWriter {
    /// A JSON string literal with the escapes RFC 8259 requires (and U+2028/2029, for JavaScript
    /// clients), from UTF-8 bytes. The one escaper of the service: JSON values, the text columns of
    /// pulled rows and log lines all come through it. Runs of bytes that need no escape are copied at once.
    public mutating func writeJSONString(_ bytes: UnsafeBufferPointer<UInt8>) {
        write(UInt8(ascii: "\""))
        var runStart = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let needsEscape = byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
                || (byte == 0xE2 && index + 2 < bytes.count && bytes[index + 1] == 0x80 && (bytes[index + 2] & 0xFE) == 0xA8)
            guard needsEscape else {
                index += 1
                continue
            }
            write(UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            write(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): write(byte)
            case UInt8(ascii: "\n"): write(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): write(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"): write(UInt8(ascii: "t"))
            case 0xE2:
                write(Array((bytes[index + 2] == 0xA8 ? "u2028" : "u2029").utf8))
                index += 2
            default:
                write(Array("u00".utf8))
                write(hex: byte)
            }
            index += 1
            runStart = index
        }
        write(UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        write(UInt8(ascii: "\""))
    }

    public mutating func writeJSONString(_ text: String) {
        var text = text
        text.withUTF8 { writeJSONString($0) }
    }
}

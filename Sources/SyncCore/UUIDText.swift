/// Checks and normalises the textual form of a UUID (8-4-4-4-12 hexadecimal digits).
public enum UUIDText {
    /// The lower-case form, or nil when the text is not a UUID.
    public static func normalized(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return nil }
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
            } else {
                let isHex = (48...57).contains(byte) || (65...70).contains(byte) || (97...102).contains(byte)
                guard isHex else { return nil }
            }
        }
        return text.lowercased()
    }

    /// A random (version 4) UUID in lower case, its bits drawn from `generator`.
    public static func random<Generator: RandomNumberGenerator>(using generator: inout Generator) -> String {
        var bytes = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = raw[6] & 0x0F | 0x40   // version 4
            raw[8] = raw[8] & 0x3F | 0x80   // RFC 4122 variant
            var writer = ByteWriter(capacity: 36)
            write(UnsafeRawBufferPointer(raw), to: &writer)
            return String(decoding: writer.bytes, as: UTF8.self)
        }
    }

    /// Writes a UUID's 16 bytes as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower case.
    @inlinable public static func write<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, to writer: inout ByteWriter) where Bytes.Index == Int {
        for index in 0..<16 {
            if index == 4 || index == 6 || index == 8 || index == 10 { writer.write(UInt8(ascii: "-")) }
            writer.write(hex: bytes[bytes.startIndex + index])
        }
    }
}

/// Decodes values PostgreSQL sent in binary format (network byte order), as asked for with
/// `Connection.execute(prepared:_:_:binaryResults: true)`. Each returns nil when the byte count is not
/// the type's, which means the column does not have the type the caller expected.
public enum BinaryValue {
    /// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 00:00 UTC).
    public static let postgresEpochMicroseconds: Int64 = 946_684_800_000_000

    public static func int16(_ bytes: UnsafeBufferPointer<UInt8>) -> Int16? {
        bytes.count == 2 ? Int16(bitPattern: UInt16(bigEndianBytes: bytes)) : nil
    }

    public static func int32(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        bytes.count == 4 ? Int32(bitPattern: UInt32(bigEndianBytes: bytes)) : nil
    }

    public static func int64(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        bytes.count == 8 ? Int64(bitPattern: UInt64(bigEndianBytes: bytes)) : nil
    }

    /// A `timestamp`/`timestamptz` as microseconds since the Unix epoch; `infinity` and `-infinity` come
    /// as `Int64.max` and `Int64.min`.
    public static func timestamp(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard let value = int64(bytes) else { return nil }
        guard value != .max, value != .min else { return value }
        return value + postgresEpochMicroseconds
    }

    /// A `uuid`: its 16 bytes.
    public static func isUUID(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count == 16
    }
}

private extension FixedWidthInteger where Self: UnsignedInteger {
    init(bigEndianBytes bytes: UnsafeBufferPointer<UInt8>) {
        var value: Self = 0
        for byte in bytes { value = value << 8 | Self(byte) }
        self = value
    }
}

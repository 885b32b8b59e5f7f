import Postgres
import SyncCore

/// Turns rows of an entity type's columns (selected in registry order, in PostgreSQL's binary format)
/// into the API's JSON, without asking PostgreSQL to build JSON or text: formatting objects, timestamps
/// and UUIDs there costs more than the row fetch itself.
public struct RowCoding: Sendable {
    /// A column whose bytes are not what its registry type says: the schema changed under a running
    /// service (the start-up check refuses such a schema).
    public struct UnexpectedValue: Error, CustomStringConvertible {
        let column: String
        public var description: String { "column \(column) does not hold the registry's type" }
    }

    /// How a column's binary value becomes JSON.
    private enum Kind {
        case smallint, integer, timestamp, uuid, text
    }

    public let entityType: EntityType
    /// Per column, `{"name":` or `,"name":`, all in one buffer (`keyRanges` index it), so writing a
    /// page borrows one array instead of retaining one per value.
    private let keyBytes: [UInt8]
    private let keyRanges: [Range<Int>]
    /// Per column, read once from the registry so the per-row loop touches no `Field`.
    private let kinds: [Kind]
    /// Where the change stamp (`last_updated`) is among the columns.
    private let stampIndex: Int

    public init(_ entityType: EntityType) {
        self.entityType = entityType
        kinds = entityType.fields.map { field in
            switch field.type {
            case .integer: return .integer
            case .flag: return .smallint
            case .timestamp: return .timestamp
            case .uuid: return .uuid
            case .text, .oneOf: return .text
            }
        }
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for (index, field) in entityType.fields.enumerated() {
            let start = bytes.count
            var quoted = ""
            JSON.writeString(field.name, to: &quoted)
            bytes += Array((index == 0 ? "{" : ",").utf8) + Array(quoted.utf8) + [UInt8(ascii: ":")]
            ranges.append(start..<bytes.count)
        }
        keyBytes = bytes
        keyRanges = ranges
        stampIndex = entityType.lastUpdatedIndex
    }

    /// Writes `rows` (their fields starting at `column`) as comma-separated JSON objects, with a comma
    /// before the first when `continuing`. Stops after the row that brings what this call wrote to
    /// `byteBudget` bytes (so one row always goes, however large); returns how many rows it wrote.
    @discardableResult
    public func write(_ result: QueryResult, rows: Range<Int>, column: Int = 0, continuing: Bool = false, byteBudget: Int = .max,
               to writer: inout ByteWriter) throws(UnexpectedValue) -> Int {
        let startCount = writer.byteCount
        var written = 0
        let failed: Int? = keyBytes.withUnsafeBufferPointer { keys in
            kinds.withUnsafeBufferPointer { kinds in
                keyRanges.withUnsafeBufferPointer { ranges in
                    for row in rows {
                        if row > rows.lowerBound || continuing { writer.write(UInt8(ascii: ",")) }
                        for index in 0..<kinds.count {
                            writer.write(UnsafeBufferPointer(rebasing: keys[ranges[index]]))
                            let written = result.withBytes(row: row, column: column + index) { bytes in
                                guard let bytes else {
                                    writer.write(RowCoding.null)
                                    return true
                                }
                                return RowCoding.write(bytes, as: kinds[index], to: &writer)
                            }
                            guard written else { return index }
                        }
                        writer.write(UInt8(ascii: "}"))
                        written += 1
                        if writer.byteCount - startCount >= byteBudget { break }
                    }
                    return nil
                }
            }
        }
        if let failed { throw UnexpectedValue(column: entityType.fields[failed].column) }
        return written
    }

    /// One row as a JSON object.
    public func json(_ result: QueryResult, row: Int, column: Int = 0) throws(UnexpectedValue) -> String {
        var writer = ByteWriter(capacity: 512)
        try write(result, rows: row..<(row + 1), column: column, to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The row's change stamp (`last_updated`).
    public func stamp(_ result: QueryResult, row: Int, column: Int = 0) throws(UnexpectedValue) -> Timestamp {
        let micros = result.binaryTimestamp(row: row, column: column + stampIndex)
        guard let micros else { throw UnexpectedValue(column: entityType.fields[stampIndex].column) }
        return Timestamp(microsecondsSinceEpoch: micros)
    }

    /// The row as a record keyed by JSON name, for the core's conflict rules.
    public func record(_ result: QueryResult, row: Int, column: Int = 0) throws(UnexpectedValue) -> JSONObject {
        var record = JSONObject()
        record.reserveCapacity(kinds.count)
        for (index, field) in entityType.fields.enumerated() {
            let value = result.withBytes(row: row, column: column + index) { bytes -> JSON? in
                guard let bytes else { return .null }
                switch kinds[index] {
                case .smallint: return BinaryValue.int16(bytes).map { .int(Int64($0)) }
                case .integer: return BinaryValue.int32(bytes).map { .int(Int64($0)) }
                case .timestamp, .uuid:
                    var text = ByteWriter(capacity: 64)
                    guard RowCoding.write(bytes, as: kinds[index], to: &text) else { return nil }
                    return .string(String(decoding: text.bytes.dropFirst().dropLast(), as: UTF8.self))
                case .text: return .string(String(decoding: bytes, as: UTF8.self))
                }
            }
            guard let value else { throw UnexpectedValue(column: field.column) }
            record[field.name] = value
        }
        return record
    }

    private static let null = Array("null".utf8)
    private static let infinity = Array("\"infinity\"".utf8)
    private static let minusInfinity = Array("\"-infinity\"".utf8)

    /// Writes one non-NULL value as JSON; false when its bytes do not fit the kind.
    private static func write(_ bytes: UnsafeBufferPointer<UInt8>, as kind: Kind, to writer: inout ByteWriter) -> Bool {
        switch kind {
        case .smallint:
            guard let value = BinaryValue.int16(bytes) else { return false }
            writer.write(decimal: Int64(value))
        case .integer:
            guard let value = BinaryValue.int32(bytes) else { return false }
            writer.write(decimal: Int64(value))
        case .timestamp:
            guard let micros = BinaryValue.timestamp(bytes) else { return false }
            switch micros {
            case .max: writer.write(infinity)
            case .min: writer.write(minusInfinity)
            default:
                writer.write(UInt8(ascii: "\""))
                Timestamp(microsecondsSinceEpoch: micros).write(to: &writer)
                writer.write(UInt8(ascii: "\""))
            }
        case .uuid:
            guard BinaryValue.isUUID(bytes) else { return false }
            writer.write(UInt8(ascii: "\""))
            UUIDText.write(bytes, to: &writer)
            writer.write(UInt8(ascii: "\""))
        case .text:
            writer.writeJSONString(bytes)
        }
        return true
    }
}

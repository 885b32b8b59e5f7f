import Postgres
import SyncCore

/// Turns rows of an entity type's columns (selected in registry order, text format, session time zone
/// UTC) into the API's JSON, without asking PostgreSQL to build JSON: formatting timestamps and objects
/// there cost twenty times the row fetch itself.
struct RowCoding {
    /// How a column's text becomes JSON.
    private enum Kind {
        case number, timestamp, string
    }

    let entityType: EntityType
    private let keys: [[UInt8]]
    /// Per column, read once from the registry so the per-row loop touches no `Field`.
    private let kinds: [Kind]

    init(_ entityType: EntityType) {
        self.entityType = entityType
        kinds = entityType.fields.map { field in
            switch field.type {
            case .integer, .flag: return .number
            case .timestamp: return .timestamp
            case .uuid, .text, .oneOf: return .string
            }
        }
        var first = true
        keys = entityType.fields.map { field in
            var key: [UInt8] = first ? Array("{".utf8) : Array(",".utf8)
            first = false
            var quoted = ""
            JSON.writeString(field.name, to: &quoted)
            key += Array(quoted.utf8) + [UInt8(ascii: ":")]
            return key
        }
    }

    /// Appends row `row` (its fields starting at `column`) as a JSON object.
    func appendJSON(_ result: QueryResult, row: Int, column: Int = 0, to output: inout [UInt8]) {
        for index in kinds.indices {
            output += keys[index]
            result.withBytes(row: row, column: column + index) { bytes in
                guard let bytes else { return output += RowCoding.null }
                switch kinds[index] {
                case .number: output += bytes
                case .timestamp: RowCoding.appendTimestamp(bytes, to: &output)
                case .string: RowCoding.appendString(bytes, to: &output)
                }
            }
        }
        output.append(UInt8(ascii: "}"))
    }

    func json(_ result: QueryResult, row: Int, column: Int = 0) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        appendJSON(result, row: row, column: column, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// The row as a record keyed by JSON name, for the core's conflict rules.
    func record(_ result: QueryResult, row: Int, column: Int = 0) -> JSONObject {
        var record = JSONObject()
        for (index, field) in entityType.fields.enumerated() {
            record[field.name] = result.withBytes(row: row, column: column + index) { bytes -> JSON in
                guard let bytes else { return .null }
                switch field.type {
                case .integer, .flag:
                    return .int(Int64(String(decoding: bytes, as: UTF8.self)) ?? 0)
                case .timestamp:
                    var iso: [UInt8] = []
                    RowCoding.appendTimestamp(bytes, to: &iso, quoted: false)
                    return .string(String(decoding: iso, as: UTF8.self))
                case .uuid, .text, .oneOf:
                    return .string(String(decoding: bytes, as: UTF8.self))
                }
            }
        }
        return record
    }

    private static let null = Array("null".utf8)
    private static let hex = Array("0123456789abcdef".utf8)

    /// A JSON string with the escapes RFC 8259 requires (and U+2028/2029, for JavaScript clients).
    /// Runs of bytes that need no escape are copied at once.
    static func appendString(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
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
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            switch byte {
            case UInt8(ascii: "\""): output += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0xE2:
                output += Array((bytes[index + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                index += 2
            default:
                output += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
            index += 1
            runStart = index
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        output.append(UInt8(ascii: "\""))
    }

    /// `2024-01-01 12:00:00.5+00` (PostgreSQL, ISO style, UTC) becomes `"2024-01-01T12:00:00.500000Z"`.
    static func appendTimestamp(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8], quoted: Bool = true) {
        if quoted { output.append(UInt8(ascii: "\"")) }
        guard bytes.count >= 19 else {
            output += bytes
            if quoted { output.append(UInt8(ascii: "\"")) }
            return
        }
        output += bytes[0..<10]
        output.append(UInt8(ascii: "T"))
        output += bytes[11..<19]
        output.append(UInt8(ascii: "."))
        var digits = 0
        var index = 19
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57, digits < 6 {
                output.append(bytes[index])
                digits += 1
                index += 1
            }
        }
        for _ in digits..<6 { output.append(UInt8(ascii: "0")) }
        output.append(UInt8(ascii: "Z"))
        if quoted { output.append(UInt8(ascii: "\"")) }
    }
}

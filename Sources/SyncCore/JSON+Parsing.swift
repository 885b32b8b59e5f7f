/// Why a document is not JSON, with the byte offset where parsing stopped.
public struct JSONParseError: Error, Equatable, Sendable {
    public let message: String
    public let offset: Int
    /// The document is JSON, but bigger in shape than `JSONLimits` allow.
    public var isOverLimit = false
    /// An object names a member twice.
    public var isDuplicateKey = false
}

/// How big a document may be in shape, whatever its size in bytes. Parsed values take memory per
/// value, not per byte: ten mebibytes of `[[[0]]]` or `[0,0,0...]` are millions of values, so these
/// caps, and not the body's size, bound a request's parsing time and memory. Every request the API
/// serves fits well within them (a push of 1,000 records of 15 fields is about 16,000 values).
public struct JSONLimits: Sendable {
    public var depth = 64
    public var values = 1 << 20
    /// Arrays and objects, which cost an allocation each.
    public var containers = 1 << 17

    public init() {}
}

extension JSON {
    /// Parses a complete UTF-8 JSON document (RFC 8259). Duplicate object keys are rejected,
    /// because which one "wins" differs between clients and would silently drop data.
    public static func parse(_ bytes: [UInt8], limits: JSONLimits = JSONLimits()) throws(JSONParseError) -> JSON {
        var parser = JSONParser(bytes: bytes, limits: limits)
        return try parser.parseDocument()
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSON {
        try parse(Array(text.utf8))
    }

    /// Parses a document and also returns where each value starts: its path (`entityTypes[1].name`,
    /// the empty string for the whole document) and byte offset. For files a person edits, whose errors
    /// should say where; requests are parsed without it.
    public static func parseWithPositions(_ text: String) throws(JSONParseError) -> Positioned {
        var parser = JSONParser(bytes: Array(text.utf8), limits: JSONLimits())
        parser.positions = [:]
        let value = try parser.parseDocument()
        return Positioned(value: value, positions: parser.positions ?? [:])
    }

    /// A parsed document, and the byte offset where each member starts, by path.
    public struct Positioned: Sendable {
        public let value: JSON
        public let positions: [String: Int]
    }
}

struct JSONParser {
    let bytes: [UInt8]
    let limits: JSONLimits
    var position = 0
    var depth = 0
    var values = 0
    var containers = 0
    /// When not nil, where each value starts, by its path (see `JSON.parseWithPositions`).
    var positions: [String: Int]?
    private var path = ""

    init(bytes: [UInt8], limits: JSONLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    mutating func parseDocument() throws(JSONParseError) -> JSON {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard position == bytes.count else { throw fail("unexpected data after the JSON value") }
        return value
    }

    private func fail(_ message: String) -> JSONParseError {
        JSONParseError(message: message, offset: position)
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws(JSONParseError) -> JSON {
        guard position < bytes.count else { throw fail("unexpected end of input") }
        values += 1
        guard values <= limits.values else { throw overLimit("more than \(limits.values) values") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw fail("unexpected end of input") }
        let matches = literal.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[position + $0] == expected[$0] }
        }
        guard matches else { throw fail("invalid literal") }
        position += count
    }

    private func overLimit(_ message: String) -> JSONParseError {
        JSONParseError(message: message, offset: position, isOverLimit: true)
    }

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        guard depth <= limits.depth else { throw overLimit("nesting deeper than \(limits.depth) levels") }
        containers += 1
        guard containers <= limits.containers else { throw overLimit("more than \(limits.containers) arrays and objects") }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSON {
        try enter()
        defer { depth -= 1 }
        position += 1
        var object = JSONObject()
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw fail("expected a string key")
            }
            let keyOffset = position
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            position += 1
            skipWhitespace()
            let parent = path
            if positions != nil {
                path = parent.isEmpty ? key : parent + "." + key
                positions?[path] = keyOffset
            }
            defer { path = parent }
            guard object.appendNew(key, try parseValue()) else {
                throw JSONParseError(message: "duplicate key \"\(key.prefix(64))\"", offset: keyOffset, isDuplicateKey: true)
            }
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end of input") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(object) }
            throw fail("expected ',' or '}'")
        }
    }

    private mutating func parseArray() throws(JSONParseError) -> JSON {
        try enter()
        defer { depth -= 1 }
        position += 1
        var elements: [JSON] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        let parent = path
        defer { path = parent }
        while true {
            skipWhitespace()
            if positions != nil {
                path = parent + "[\(elements.count)]"
                positions?[path] = position
            }
            elements.append(try parseValue())
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end of input") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
            throw fail("expected ',' or ']'")
        }
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSON {
        let start = position
        var isInteger = true
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else { throw fail("invalid number") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        let negative = bytes[start] == UInt8(ascii: "-")
        let digits = position - start - (negative ? 1 : 0)
        if isInteger, digits <= 18 {   // 18 digits always fit an Int64: no String needed
            var value: Int64 = 0
            for index in (start + (negative ? 1 : 0))..<position { value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0")) }
            return .int(negative ? -value : value)
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if isInteger, let value = Int64(text) { return .int(value) }
        guard let value = Double(text), value.isFinite else { throw fail("number out of range") }
        return .double(value)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func parseString() throws(JSONParseError) -> String {
        position += 1
        var runStart = position
        var result = ""
        func flushRun(_ end: Int) throws(JSONParseError) {
            guard runStart < end else { return }
            guard let run = String(validating: bytes[runStart..<end], as: UTF8.self) else {
                throw JSONParseError(message: "invalid UTF-8 in string", offset: runStart)
            }
            result += run
        }
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                try flushRun(position)
                position += 1
                return result
            }
            if byte < 0x20 { throw fail("control character in string") }
            if byte == UInt8(ascii: "\\") {
                try flushRun(position)
                position += 1
                guard position < bytes.count else { break }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): result += "\""
                case UInt8(ascii: "\\"): result += "\\"
                case UInt8(ascii: "/"): result += "/"
                case UInt8(ascii: "b"): result += "\u{08}"
                case UInt8(ascii: "f"): result += "\u{0C}"
                case UInt8(ascii: "n"): result += "\n"
                case UInt8(ascii: "r"): result += "\r"
                case UInt8(ascii: "t"): result += "\t"
                case UInt8(ascii: "u"): result.unicodeScalars.append(try parseUnicodeEscape())
                default: throw fail("invalid escape")
                }
                runStart = position
                continue
            }
            position += 1
        }
        throw fail("unterminated string")
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw fail("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape")
            }
            value = value * 16 + digit
            position += 1
        }
        return value
    }

    private mutating func parseUnicodeEscape() throws(JSONParseError) -> Unicode.Scalar {
        let high = try parseHex4()
        if (0xD800...0xDBFF).contains(high) {
            guard position + 2 <= bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
            else { throw fail("unpaired surrogate") }
            position += 2
            let low = try parseHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate") }
            let combined = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            guard let scalar = Unicode.Scalar(combined) else { throw fail("invalid code point") }
            return scalar
        }
        guard let scalar = Unicode.Scalar(high) else { throw fail("unpaired surrogate") }
        return scalar
    }
}

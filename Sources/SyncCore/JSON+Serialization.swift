extension JSON {
    /// Compact JSON text.
    public var serialized: String {
        var output = ""
        output.reserveCapacity(64)
        write(to: &output)
        return output
    }

    /// Compact JSON text with every object's members in key order: two documents that differ only in
    /// whitespace, member order or number spelling (1.0, 1) have the same canonical text.
    public var canonical: String {
        var output = ""
        output.reserveCapacity(64)
        write(to: &output, sortingKeys: true)
        return output
    }

    public func write(to output: inout String, sortingKeys: Bool = false) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .double(let value):
            if value.rounded() == value, abs(value) < 1e15 { output += String(Int64(value)) } else { output += "\(value)" }
        case .string(let value): JSON.writeString(value, to: &output)
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                element.write(to: &output, sortingKeys: sortingKeys)
            }
            output += "]"
        case .object(let object):
            output += "{"
            let entries = sortingKeys ? object.entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } : object.entries
            for (index, entry) in entries.enumerated() {
                if index > 0 { output += "," }
                JSON.writeString(entry.key, to: &output)
                output += ":"
                entry.value.write(to: &output, sortingKeys: sortingKeys)
            }
            output += "}"
        }
    }

    /// A JSON string literal. Runs of characters that need no escape are appended at once.
    public static func writeString(_ value: String, to output: inout String) {
        output += "\""
        var runStart = value.startIndex
        for index in value.unicodeScalars.indices {
            let scalar = value.unicodeScalars[index]
            let escape: String
            switch scalar {
            case "\"": escape = "\\\""
            case "\\": escape = "\\\\"
            case "\n": escape = "\\n"
            case "\r": escape = "\\r"
            case "\t": escape = "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                escape = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: continue
            }
            output += value[runStart..<index]
            output += escape
            runStart = value.unicodeScalars.index(after: index)
        }
        output += value[runStart...]
        output += "\""
    }
}

/// A JSON value. Objects keep their keys in document order so that responses read the way the
/// registry declares them, and duplicate keys can be detected while parsing.
public enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object(JSONObject)

    public subscript(key: String) -> JSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var intValue: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 9.0e15: return Int64(value)
        default: return nil
        }
    }

    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// The JSON type name used in validation messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// An ordered JSON object. Lookups go through a hash index once the object has more than a few keys,
/// so that building or reading an object of n keys costs O(n), not O(n²): a request body of a
/// million keys must not hold a worker thread for minutes.
public struct JSONObject: Equatable, Sendable {
    public private(set) var entries: [(key: String, value: JSON)] = []
    /// Position of each key in `entries`; built only past `indexThreshold` keys, where a linear scan
    /// stops being cheaper than hashing.
    private var index: [String: Int]?
    private static let indexThreshold = 12

    public init() {}

    public init(_ entries: [(String, JSON)]) {
        for (key, value) in entries { self[key] = value }
    }

    public mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
    }

    public var keys: [String] { entries.map(\.key) }
    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return entries.firstIndex(where: { $0.key == key })
    }

    public subscript(key: String) -> JSON? {
        get { position(of: key).map { entries[$0].value } }
        set {
            if let found = position(of: key) {
                if let newValue {
                    entries[found].value = newValue
                } else {
                    entries.remove(at: found)
                    index = nil
                    buildIndexIfLarge()
                }
            } else if let newValue {
                _ = appendNew(key, newValue)
            }
        }
    }

    /// Appends `key` unless the object has it already; false when it does (the value is not stored).
    public mutating func appendNew(_ key: String, _ value: JSON) -> Bool {
        if index == nil, entries.count < JSONObject.indexThreshold {
            guard !entries.contains(where: { $0.key == key }) else { return false }
            entries.append((key, value))
            buildIndexIfLarge()
            return true
        }
        buildIndexIfLarge()
        guard index?.updateValue(entries.count, forKey: key) == nil else { return false }
        entries.append((key, value))
        return true
    }

    private mutating func buildIndexIfLarge() {
        guard index == nil, entries.count >= JSONObject.indexThreshold else { return }
        var built: [String: Int] = [:]
        built.reserveCapacity(entries.count * 2)
        for (position, entry) in entries.enumerated() { built[entry.key] = position }
        index = built
    }

    public func contains(_ key: String) -> Bool { position(of: key) != nil }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

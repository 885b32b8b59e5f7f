/// Reads `SYNC_*` settings with their types and ranges. A value that does not parse or is out of range
/// is a problem, named with the setting, never a silent fall back to the default; the names it is asked
/// for are the list of known settings, so that an unknown name can be reported with the nearest one.
struct SettingsReader {
    private let environment: [String: String]
    private(set) var problems: [String] = []
    private(set) var names: [String] = []
    /// Each setting's default as the README's table spells it ("" for none).
    private(set) var defaults: [String: String] = [:]

    init(_ environment: [String: String]) {
        self.environment = environment
    }

    /// The value, or nil when the setting is absent or empty.
    private mutating func raw(_ name: String) -> String? {
        names.append(name)
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    mutating func string(_ name: String, default fallback: String) -> String {
        defaults[name] = fallback
        return raw(name) ?? fallback
    }

    mutating func optionalString(_ name: String) -> String? {
        defaults[name] = ""
        return raw(name)
    }

    mutating func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) -> Int {
        defaults[name] = String(fallback)
        guard let text = raw(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            problems.append("\(name)=\(text.prefix(40)): expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            return fallback
        }
        return value
    }

    mutating func seconds(_ name: String, default fallback: Double, in range: ClosedRange<Double>) -> Double {
        defaults[name] = fallback == fallback.rounded() ? String(Int(fallback)) : String(fallback)
        guard let text = raw(name) else { return fallback }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            problems.append("\(name)=\(text.prefix(40)): expected a number of seconds from \(range.lowerBound) to \(range.upperBound)")
            return fallback
        }
        return value
    }

    mutating func octalMode(_ name: String, default fallback: UInt32) -> UInt32 {
        defaults[name] = String(fallback, radix: 8)
        guard let text = raw(name) else { return fallback }
        guard let value = UInt32(text, radix: 8), value <= 0o777 else {
            problems.append("\(name)=\(text.prefix(40)): expected an octal mode such as 660")
            return fallback
        }
        return value
    }

    mutating func flag(_ name: String, default fallback: Bool) -> Bool {
        defaults[name] = fallback ? "1" : "0"
        guard let text = raw(name) else { return fallback }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            problems.append("\(name)=\(text.prefix(40)): expected 1 or 0 (true, false, yes, no, on, off)")
            return fallback
        }
    }

    /// `fallback` is one of `choices`.
    mutating func choice<Value>(_ name: String, default fallback: String, choices: [String], parse: (String) -> Value?) -> Value {
        defaults[name] = fallback
        let fallback = parse(fallback)!
        guard let text = raw(name) else { return fallback }
        guard let value = parse(text) else {
            problems.append("\(name)=\(text.prefix(40)): expected one of \(choices.joined(separator: ", "))")
            return fallback
        }
        return value
    }

    /// A problem that involves more than one setting.
    mutating func problem(_ description: String) {
        problems.append(description)
    }

    /// `SYNC_*` names in `given` that no setting reads, each with the nearest known name.
    func unknownNames(in given: some Sequence<String>) -> [String] {
        given.filter { $0.hasPrefix("SYNC_") && !names.contains($0) }.sorted().map { name in
            let nearest = names.min { editDistance(name, $0) < editDistance(name, $1) }
            let hint = nearest.map { editDistance(name, $0) <= max(2, name.count / 4) ? " (did you mean \($0)?)" : "" } ?? ""
            return "\(name): no such setting\(hint)"
        }
    }
}

/// Levenshtein distance over bytes: setting names are ASCII.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.utf8), b = Array(b.utf8)
    var previous = Array(0...b.count)
    for (i, x) in a.enumerated() {
        var current = [i + 1] + Array(repeating: 0, count: b.count)
        for (j, y) in b.enumerated() {
            current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}

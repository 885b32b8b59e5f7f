// libFuzzer harness: the JSON parser, compiled into one module with SyncCore's sources (scripts/fuzz).
// Any input: parsing ends (no crash, no hang); what parses serialises to text that parses back to the
// same value. JSON has one kind of number: an integral double may come back as an integer, so numbers
// compare by value.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? JSON.parse(bytes) else { return 0 }
    let text = value.serialized
    guard let again = try? JSON.parse(text) else { fatalError("serialised JSON does not parse: \(text.prefix(200))") }
    guard same(again, value) else { fatalError("JSON does not round-trip: \(text.prefix(200))") }
    return 0
}

private func same(_ a: JSON, _ b: JSON) -> Bool {
    switch (a, b) {
    case (.int(let x), .int(let y)): return x == y
    case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Double(x) == y
    case (.double(let x), .double(let y)): return x == y
    case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy(same)
    case (.object(let x), .object(let y)):
        return x.keys == y.keys && zip(x.entries, y.entries).allSatisfy { same($0.value, $1.value) }
    default: return a == b
    }
}

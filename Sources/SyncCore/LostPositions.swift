/// The positions a tenant's devices may hold that the server can no longer continue from: after a
/// restore from a backup, those after the highest change stamp the restored data holds and up to the
/// moment the restore was marked. One range per restore; a device holding such a position must reset
/// (pull from the start, push its local changes again).
public struct LostPositions: Sendable, Equatable {
    public private(set) var ranges: [(after: Timestamp, until: Timestamp)]

    public static let none = LostPositions(ranges: [])

    public init(ranges: [(after: Timestamp, until: Timestamp)]) {
        self.ranges = ranges
    }

    /// From PostgreSQL's text form of the two `bigint[]` columns (`{1,2}`): pairs in order; nil when
    /// they do not parse or do not pair up.
    public init?(after: String, until: String) {
        func numbers(_ text: String) -> [Int64]? {
            guard text.first == "{", text.last == "}" else { return nil }
            let inner = text.dropFirst().dropLast()
            if inner.isEmpty { return [] }
            let values = inner.split(separator: ",").map { Int64($0) }
            return values.contains(nil) ? nil : values.compactMap { $0 }
        }
        guard let after = numbers(after), let until = numbers(until), after.count == until.count else { return nil }
        ranges = zip(after, until).map { (Timestamp(microsecondsSinceEpoch: $0), Timestamp(microsecondsSinceEpoch: $1)) }
    }

    public func contains(_ position: Timestamp) -> Bool {
        ranges.contains { position > $0.after && position <= $0.until }
    }

    public static func == (lhs: LostPositions, rhs: LostPositions) -> Bool {
        lhs.ranges.elementsEqual(rhs.ranges) { $0.after == $1.after && $0.until == $1.until }
    }
}

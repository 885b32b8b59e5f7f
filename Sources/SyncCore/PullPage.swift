/// A record read for a page, with its change stamp.
public struct StampedRecord: Sendable {
    public let stamp: Timestamp
    /// The record's JSON text, passed through untouched.
    public let json: String

    public init(stamp: Timestamp, json: String) {
        self.stamp = stamp
        self.json = json
    }
}

/// Picks one page of a pull out of the oldest changes of each entity type.
public enum PullPage {
    /// `candidates` holds, per entity type, its oldest `limit + 1` changes after the position, oldest
    /// first. Returns the `limit` oldest changes across all types (per type, in order), whether more
    /// exist, and the stamp of the last change returned.
    public static func select(_ candidates: [[StampedRecord]], limit: Int) -> (records: [[String]], hasMore: Bool, last: Timestamp?) {
        let all = candidates.enumerated().flatMap { type, records in records.map { (type, $0) } }
            .sorted { $0.1.stamp < $1.1.stamp }
        let taken = all.prefix(limit)
        var records = Array(repeating: [String](), count: candidates.count)
        for (type, record) in taken { records[type].append(record.json) }
        return (records, all.count > limit, taken.last?.1.stamp)
    }
}

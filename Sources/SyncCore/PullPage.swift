/// One page of a pull, picked out of the oldest changes of each entity type.
public struct PullPage: Equatable, Sendable {
    /// The entity type (its index in the request) of each change the page takes, oldest change first.
    public let order: [Int]
    /// The change stamp of each entry of `order`.
    public let stamps: [Timestamp]
    /// Whether changes beyond `limit` exist.
    public let hasMore: Bool

    /// `stamps` holds, per entity type, the change stamps of its oldest `limit + 1` changes after the
    /// position, oldest first. The page is the `limit` oldest of them all: a prefix of each type's list.
    public init(stamps: [[Timestamp]], limit: Int) {
        let all = stamps.enumerated().flatMap { type, list in list.map { (type: type, stamp: $0) } }
            .sorted { $0.stamp < $1.stamp }
        let page = all.prefix(limit)
        order = page.map(\.type)
        self.stamps = page.map(\.stamp)
        hasMore = all.count > limit
    }
}

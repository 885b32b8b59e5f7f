/// Picks one page of a pull out of the oldest changes of each entity type.
public enum PullPage {
    /// `stamps` holds, per entity type, the change stamps of its oldest `limit + 1` changes after the
    /// position, oldest first. Returns how many of each type's changes the page takes (a prefix of
    /// each: together the `limit` oldest changes), whether more exist, and the last stamp taken.
    public static func select(_ stamps: [[Timestamp]], limit: Int) -> (taken: [Int], hasMore: Bool, last: Timestamp?) {
        let all = stamps.enumerated().flatMap { type, list in list.map { (type: type, stamp: $0) } }
            .sorted { $0.stamp < $1.stamp }
        let page = all.prefix(limit)
        var taken = Array(repeating: 0, count: stamps.count)
        for entry in page { taken[entry.type] += 1 }
        return (taken, all.count > limit, page.last?.stamp)
    }
}

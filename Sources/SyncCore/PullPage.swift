/// One page of a pull, picked out of the oldest changes of each entity type.
///
/// Stamps are the clock when a row was written, so two transactions can stamp the same microsecond.
/// A position is a stamp, and a pull resumes after it: a page never ends inside a run of equal stamps,
/// or the rest of the run would be skipped.
public struct PullPage: Equatable, Sendable {
    /// The entity type (its index in the request) of each change the page takes, oldest change first.
    public let order: [Int]
    /// The change stamp of each entry of `order`.
    public let stamps: [Timestamp]
    /// Whether changes beyond the page exist.
    public let hasMore: Bool
    /// Set when the first `limit` changes all share one stamp and more share it beyond them: the page
    /// must then be every change with this stamp (read them all and make the page with `wholeRun`).
    public let tiedStamp: Timestamp?

    /// `stamps` holds, per entity type, the change stamps of its oldest `limit + 1` changes after the
    /// position, oldest first. The page is the `limit` oldest of them all (a prefix of each type's
    /// list), less a run of equal stamps that continues past it.
    public init(stamps: [[Timestamp]], limit: Int) {
        let all = PullPage.merged(stamps)
        var page = all.prefix(limit)
        var tied: Timestamp?
        if all.count > page.count, let last = page.last, all[page.count].stamp == last.stamp {
            let beforeRun = page.prefix { $0.stamp != last.stamp }
            if beforeRun.isEmpty { tied = last.stamp } else { page = beforeRun }
        }
        order = page.map(\.type)
        self.stamps = page.map(\.stamp)
        hasMore = all.count > page.count
        tiedStamp = tied
    }

    /// The page of every change stamped `stamp`: `stamps` holds, per entity type, all of them.
    public init(wholeRun stamps: [[Timestamp]]) {
        let all = PullPage.merged(stamps)
        order = all.map(\.type)
        self.stamps = all.map(\.stamp)
        hasMore = true
        tiedStamp = nil
    }

    /// Whether a page cut after `count` changes (by its byte budget) would end inside a run.
    public func splitsRun(at count: Int) -> Bool {
        count > 0 && count < stamps.count && stamps[count] == stamps[count - 1]
    }

    private static func merged(_ stamps: [[Timestamp]]) -> [(type: Int, index: Int, stamp: Timestamp)] {
        stamps.enumerated().flatMap { type, list in list.enumerated().map { (type: type, index: $0.offset, stamp: $0.element) } }
            .sorted { ($0.stamp, $0.type, $0.index) < ($1.stamp, $1.type, $1.index) }
    }
}

import Glibc

/// Per-tenant token buckets in the shared scoreboard: N requests per second with a burst of N, for the
/// whole service whichever worker process serves the request. Each bucket is four slots (key, lock,
/// milli-tokens, last refill in nanoseconds), found by the tenant's hash with linear probing.
struct RateLimiter: Sendable {
    static let slots = 4096
    static let slotWidth = 4
    private static let probes = 64
    /// A lock older than this was left by a process that died holding it, and is taken over.
    private static let staleLockNanoseconds: UInt64 = 50_000_000

    enum Decision: Equatable {
        case allowed
        /// Refused; the client may retry after this many seconds.
        case limited(retryAfter: Int)
    }

    let board: Scoreboard
    let base: Int

    /// Takes one token from `tenant`'s bucket at `rate` per second. A rate of 0 means unlimited.
    func take(tenant: String, rate: Int, now: UInt64 = MonotonicClock.nanoseconds) -> Decision {
        guard rate > 0 else { return .allowed }
        guard let bucket = bucket(for: RateLimiter.hash(tenant)) else { return .allowed }
        let lock = bucket + 1, tokens = bucket + 2, last = bucket + 3
        while !board.compareExchange(lock, expected: 0, desired: now) {
            let holder = board.load(lock)
            if holder != 0, now > holder, now - holder > RateLimiter.staleLockNanoseconds,
               board.compareExchange(lock, expected: holder, desired: now) { break }
            sched_yield()
        }
        defer { board.store(lock, 0) }
        let capacity = UInt64(rate) * 1000
        var available = board.load(tokens)
        let previous = board.load(last)
        if previous == 0 {
            available = capacity
        } else if now > previous {
            available = min(capacity, available &+ (now - previous) * UInt64(rate) / 1_000_000)
        }
        board.store(last, now)
        guard available >= 1000 else {
            board.store(tokens, available)
            let missing = 1000 - available
            return .limited(retryAfter: max(1, Int((missing + capacity - 1) / capacity)))
        }
        board.store(tokens, available - 1000)
        return .allowed
    }

    /// The first slot of the tenant's bucket, claiming a free one on first use; nil when the table is full.
    private func bucket(for key: UInt64) -> Int? {
        let start = Int(key % UInt64(RateLimiter.slots))
        for probe in 0..<RateLimiter.probes {
            let slot = base + ((start + probe) % RateLimiter.slots) * RateLimiter.slotWidth
            let current = board.load(slot)
            if current == key { return slot }
            if current == 0, board.compareExchange(slot, expected: 0, desired: key) || board.load(slot) == key { return slot }
        }
        return nil
    }

    /// FNV-1a, never 0 (0 marks a free bucket).
    static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash == 0 ? 1 : hash
    }
}

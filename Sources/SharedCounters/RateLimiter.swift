import Glibc

/// Per-tenant token buckets in the shared scoreboard: N requests per second with a burst of N, for the
/// whole service whichever worker process serves the request. Each bucket is four slots (key, lock,
/// milli-tokens, last refill in nanoseconds), found by the tenant's hash with linear probing.
///
/// The table never grows and never fails open. A bucket refills completely within a second, so one
/// untouched for a second is full, the same as a new one: a tenant that finds no free bucket among its
/// probes takes over such an idle bucket. Only when every probed bucket was used within the last second
/// (far more tenants busy at once than the table holds) does the tenant share its home bucket with
/// another tenant: both are then limited together, more strictly, never less.
public struct RateLimiter: Sendable {
    public static let slots = 16_384
    public static let slotWidth = 4
    private static let probes = 64
    /// A bucket untouched this long is full again, and may be given to another tenant.
    private static let idleNanoseconds: UInt64 = 1_000_000_000
    /// A lock older than this was left by a process that died holding it, and is taken over.
    private static let staleLockNanoseconds: UInt64 = 50_000_000

    public enum Decision: Equatable {
        case allowed
        /// Refused; the client may retry after this many seconds.
        case limited(retryAfter: Int)
    }

    public let board: Scoreboard
    public let base: Int

    public init(board: Scoreboard, base: Int) {
        self.board = board
        self.base = base
    }

    /// Takes one token from `tenant`'s bucket at `rate` per second. A rate of 0 means unlimited.
    public func take(tenant: String, rate: Int, now: UInt64 = MonotonicClock.nanoseconds) -> Decision {
        guard rate > 0 else { return .allowed }
        let key = RateLimiter.hash(tenant)
        // A bucket found by key may be given away before its lock is taken: then look again.
        for _ in 0..<4 {
            let (bucket, shared) = self.bucket(for: key, now: now)
            lock(bucket, now: now)
            defer { unlock(bucket, now: now) }
            guard shared || board.load(bucket) == key else { continue }
            return takeLocked(bucket, rate: rate, now: now)
        }
        let (home, _) = homeBucket(for: key)
        lock(home, now: now)
        defer { unlock(home, now: now) }
        return takeLocked(home, rate: rate, now: now)
    }

    private func takeLocked(_ bucket: Int, rate: Int, now: UInt64) -> Decision {
        let tokens = bucket + 2, last = bucket + 3
        let capacity = UInt64(rate) * 1000
        var available = board.load(tokens)
        let previous = board.load(last)
        if previous == 0 {
            available = capacity
        } else if now > previous {
            available = min(capacity, available &+ (now - previous) * UInt64(rate) / 1_000_000)
        }
        board.store(last, max(now, 1))
        guard available >= 1000 else {
            board.store(tokens, available)
            let missing = 1000 - available
            return .limited(retryAfter: max(1, Int((missing + capacity - 1) / capacity)))
        }
        board.store(tokens, available - 1000)
        return .allowed
    }

    /// The tenant's bucket: its own, a free one, or an idle one it takes over, among its probes; else
    /// its home bucket, shared (`true`).
    private func bucket(for key: UInt64, now: UInt64) -> (Int, Bool) {
        let start = Int(key % UInt64(RateLimiter.slots))
        var idle: [Int] = []
        for probe in 0..<RateLimiter.probes {
            let slot = base + ((start + probe) % RateLimiter.slots) * RateLimiter.slotWidth
            let current = board.load(slot)
            if current == key { return (slot, false) }
            if current == 0 {
                if board.compareExchange(slot, expected: 0, desired: key) || board.load(slot) == key { return (slot, false) }
                continue
            }
            let last = board.load(slot + 3)
            if now > last, now - last >= RateLimiter.idleNanoseconds, idle.count < 4 { idle.append(slot) }
        }
        for slot in idle where takeOver(slot, for: key, now: now) { return (slot, false) }
        return homeBucket(for: key)
    }

    private func homeBucket(for key: UInt64) -> (Int, Bool) {
        (base + Int(key % UInt64(RateLimiter.slots)) * RateLimiter.slotWidth, true)
    }

    /// Gives an idle bucket to `key`, as a new bucket; false when it is no longer idle or was taken.
    private func takeOver(_ slot: Int, for key: UInt64, now: UInt64) -> Bool {
        guard board.compareExchange(slot + 1, expected: 0, desired: now) else { return false }
        defer { unlock(slot, now: now) }
        let last = board.load(slot + 3)
        guard now > last, now - last >= RateLimiter.idleNanoseconds else { return false }
        let previous = board.load(slot)
        guard previous != 0, previous != key, board.compareExchange(slot, expected: previous, desired: key) else { return false }
        board.store(slot + 2, 0)
        board.store(slot + 3, 0)
        return true
    }

    private func lock(_ bucket: Int, now: UInt64) {
        let lock = bucket + 1
        while !board.compareExchange(lock, expected: 0, desired: now) {
            let holder = board.load(lock)
            if holder != 0, now > holder, now - holder > RateLimiter.staleLockNanoseconds,
               board.compareExchange(lock, expected: holder, desired: now) { return }
            sched_yield()
        }
    }

    /// Releases the lock taken at `now` (a compare-exchange: it orders the bucket's writes before the
    /// release, and leaves alone a lock another process took over as stale).
    private func unlock(_ bucket: Int, now: UInt64) {
        _ = board.compareExchange(bucket + 1, expected: now, desired: 0)
    }

    /// FNV-1a, never 0 (0 marks a free bucket).
    public static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash == 0 ? 1 : hash
    }
}

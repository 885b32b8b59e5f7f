@testable import Store
@testable import HTTPEdge
@testable import SharedCounters
@testable import Supervision
import XCTest

/// The per-tenant limiter holds at any number of tenants: it neither fails open nor grows.
final class RateLimiterTests: XCTestCase {
    var board: Scoreboard!
    var path = ""

    override func setUpWithError() throws {
        path = "/dev/shm/sync-rate-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        board = try Scoreboard(path: path, slots: RateLimiter.slots * RateLimiter.slotWidth, create: true)
    }

    override func tearDown() {
        board = nil
        unlink(path)
    }

    func testEveryOneOfTenThousandTenantsIsLimited() {
        let limiter = RateLimiter(board: board, base: 0)
        let now: UInt64 = 5_000_000_000
        let tenants = (0..<10_000).map { "tenant-\($0)" }
        for tenant in tenants { XCTAssertEqual(limiter.take(tenant: tenant, rate: 1, now: now), .allowed) }
        let unlimited = tenants.filter { limiter.take(tenant: $0, rate: 1, now: now + 1_000) == .allowed }
        XCTAssertEqual(unlimited, [], "a second request within the second is refused for every tenant")
        XCTAssertEqual(limiter.take(tenant: "tenant-17", rate: 1, now: now + 1_100_000_000), .allowed, "the bucket refills")
    }

    func testIdleBucketsGoToNewTenantsAndTheTableDoesNotGrow() {
        let limiter = RateLimiter(board: board, base: 0)
        var now: UInt64 = 5_000_000_000
        // Four waves of 10,000 tenants each, a wave every two seconds: 40,000 tenants through 16,384 buckets.
        for wave in 0..<4 {
            let tenants = (0..<10_000).map { "wave-\(wave)-tenant-\($0)" }
            for tenant in tenants { XCTAssertEqual(limiter.take(tenant: tenant, rate: 2, now: now), .allowed) }
            for tenant in tenants { XCTAssertEqual(limiter.take(tenant: tenant, rate: 2, now: now + 1), .allowed) }
            let unlimited = tenants.filter { limiter.take(tenant: $0, rate: 2, now: now + 2) == .allowed }
            XCTAssertEqual(unlimited.count, 0, "wave \(wave): a third request within the second is refused")
            now += 2_000_000_000
        }
        XCTAssertEqual(board.count, RateLimiter.slots * RateLimiter.slotWidth)
    }

    func testWhenEveryBucketIsBusyTenantsShareAndStayLimited() {
        let limiter = RateLimiter(board: board, base: 0)
        let now: UInt64 = 5_000_000_000
        // More tenants busy within one second than there are buckets: none of them may go unlimited.
        let tenants = (0..<(RateLimiter.slots + 4_000)).map { "busy-\($0)" }
        for tenant in tenants { _ = limiter.take(tenant: tenant, rate: 1, now: now) }
        let unlimited = tenants.filter { limiter.take(tenant: $0, rate: 1, now: now + 1) == .allowed }
        XCTAssertEqual(unlimited, [])
    }
}

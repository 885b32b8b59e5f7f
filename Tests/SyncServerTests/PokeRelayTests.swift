@testable import LivePokes
import Postgres
import XCTest
@testable import Store
@testable import HTTPEdge
@testable import SharedCounters
@testable import Supervision

/// A burst of notifications from direct writes becomes one poke per tenant, with its newest stamp.
final class PokeRelayTests: XCTestCase {
    func testABurstBecomesOnePokePerTenantWithItsNewestStamp() {
        var burst = PokeRelay.Burst()
        for message in ["acme 2026-11-30T05:00:00.000002Z", "acme 2026-11-30T05:00:00.000009Z", "acme 2026-11-30T05:00:00.000003Z",
                        "other 2026-11-30T04:00:00.000000Z", "malformed", ""] {
            burst.add(message)
        }
        XCTAssertEqual(burst.newest, ["acme": "2026-11-30T05:00:00.000009Z", "other": "2026-11-30T04:00:00.000000Z"])
        XCTAssertFalse(burst.everyone)
        burst.add("*")
        XCTAssertTrue(burst.everyone)
        XCTAssertTrue(PokeRelay.Burst().isEmpty)
    }

    func testWithoutAnIntervalEveryBurstPokesAtOnce() {
        var schedule = PokeSchedule(interval: 0)
        let first = schedule.due(adding: ["acme": "2026-11-30T05:00:00.000001Z", "other": "2026-11-30T05:00:00.000002Z"], now: 10)
        XCTAssertEqual(first.map(\.tenant), ["acme", "other"])
        XCTAssertEqual(schedule.due(adding: ["acme": "2026-11-30T05:00:00.000003Z"], now: 10.01).map(\.stamp), ["2026-11-30T05:00:00.000003Z"])
        XCTAssertNil(schedule.nextDue)
        XCTAssertTrue(schedule.held.isEmpty)
    }

    /// A tenant's first change is poked at once; what follows within the interval is held, newest stamp
    /// only, and poked when the interval has passed; other tenants are not held back by it.
    func testATenantsPokesAreSpacedAndTheLastCoversItsLastChange() {
        var schedule = PokeSchedule(interval: 1)
        XCTAssertEqual(schedule.due(adding: ["acme": "2026-11-30T05:00:00.000001Z"], now: 100).map(\.stamp), ["2026-11-30T05:00:00.000001Z"])
        XCTAssertTrue(schedule.due(adding: ["acme": "2026-11-30T05:00:00.000003Z"], now: 100.2).isEmpty)
        XCTAssertTrue(schedule.due(adding: ["acme": "2026-11-30T05:00:00.000002Z"], now: 100.5).isEmpty)
        XCTAssertEqual(schedule.due(adding: ["other": "2026-11-30T04:00:00.000000Z"], now: 100.6).map(\.tenant), ["other"])
        XCTAssertEqual(schedule.nextDue, 101)
        XCTAssertTrue(schedule.due(adding: [:], now: 100.99).isEmpty)
        let held = schedule.due(adding: [:], now: 101)
        XCTAssertEqual(held.map(\.tenant), ["acme"])
        XCTAssertEqual(held.map(\.stamp), ["2026-11-30T05:00:00.000003Z"])
        XCTAssertNil(schedule.nextDue)
        // Quiet for longer than the interval: the next change goes at once again.
        XCTAssertEqual(schedule.due(adding: ["acme": "2026-11-30T05:00:01.000000Z"], now: 102.5).count, 1)
    }

    /// A burst of changes over several seconds, a batch every 10 ms: one poke per interval, and the last
    /// one covers the last change.
    func testABusyTenantIsPokedOncePerInterval() {
        var schedule = PokeSchedule(interval: 1)
        var pokes: [String] = []
        var newest = ""
        for step in 0..<500 {
            let now = 1000 + Double(step) * 0.01
            newest = String(format: "2026-11-30T05:00:%02d.%06dZ", step / 100, step % 100)
            pokes += schedule.due(adding: ["acme": newest], now: now).map(\.stamp)
        }
        while let due = schedule.nextDue { pokes += schedule.due(adding: [:], now: due).map(\.stamp) }
        XCTAssertEqual(pokes.count, 6)   // at 0, 1, 2, 3 and 4 s, then the last batch's after the interval
        XCTAssertEqual(pokes.last, newest)
        XCTAssertEqual(pokes, pokes.sorted())
    }

    func testASubscriptionsExpiryChannelIsDeletedBeforeItsTokenExpires() {
        let minuteStart: Int64 = 29_466_000 * 60
        for exp in [minuteStart, minuteStart + 1, minuteStart + 59] {
            let minute = ExpiryChannels.minute(tokenExpiresAt: exp, now: minuteStart - 30)
            XCTAssertEqual(minute, 29_466_000)
            // The first moment the relay deletes that channel comes before the token's exp.
            let deletedAt = (minuteStart - 120...minuteStart).first { ExpiryChannels.dueMinute(now: $0) >= 29_466_000 }!
            XCTAssertLessThan(deletedAt, exp)
        }
        // Too late to join the channel of its minute: refused.
        XCTAssertNil(ExpiryChannels.minute(tokenExpiresAt: minuteStart + 30, now: minuteStart - 3))
        XCTAssertNotNil(ExpiryChannels.minute(tokenExpiresAt: minuteStart + 30, now: minuteStart - 4))
    }

    func testAChannelHoldsOnlyWhatATenantIdMay() {
        for good in ["tenant-acme-1.eu_west", "expires-29466000", "everyone"] { XCTAssertTrue(PokePublisher.isChannel(good), good) }
        for bad in ["", "tenant-", "tenant-a b", "tenant-a/b", "tenant-a\r\nHost: x", "tenant-é", "acme", "everyone-else", "expires-"] {
            XCTAssertFalse(PokePublisher.isChannel(bad), bad)
        }
    }

    func testAWorkersPokeReachesTheRelayAsOneDatagram() throws {
        let ends = try PokeOutbox.pair()
        let (relay, workers) = (ends.relay, ends.workers)
        defer { close(relay); close(workers) }
        XCTAssertTrue(PokeOutbox(descriptor: workers).poke(tenant: "acme", stamp: "2026-11-30T05:00:00.000002Z"))
        XCTAssertTrue(PokeOutbox(descriptor: workers).pokeEveryone())
        var buffer = [UInt8](repeating: 0, count: 512)
        XCTAssertEqual(String(decoding: buffer[..<recv(relay, &buffer, buffer.count, 0)], as: UTF8.self), "acme 2026-11-30T05:00:00.000002Z")
        XCTAssertEqual(String(decoding: buffer[..<recv(relay, &buffer, buffer.count, 0)], as: UTF8.self), "*")
    }

    func testThePublisherAddressIsAnIPv4HostAndPort() {
        XCTAssertNotNil(PokePublisher(address: "127.0.0.1:8085"))
        for bad in ["localhost:8085", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:99999", "[::1]:8085", ""] {
            XCTAssertNil(PokePublisher(address: bad), bad)
        }
    }
}

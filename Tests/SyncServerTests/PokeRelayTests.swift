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

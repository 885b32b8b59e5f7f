import Postgres
import XCTest
@testable import SyncServer

/// A burst of notifications from direct writes becomes one poke per tenant, with its newest stamp.
final class PokeRelayTests: XCTestCase {
    func testABurstBecomesOnePokePerTenantWithItsNewestStamp() {
        let burst = [
            DatabaseNotification(channel: "sync_changes", payload: "acme 2026-11-30T05:00:00.000002Z"),
            DatabaseNotification(channel: "sync_changes", payload: "acme 2026-11-30T05:00:00.000009Z"),
            DatabaseNotification(channel: "sync_changes", payload: "acme 2026-11-30T05:00:00.000003Z"),
            DatabaseNotification(channel: "sync_changes", payload: "other 2026-11-30T04:00:00.000000Z"),
            DatabaseNotification(channel: "elsewhere", payload: "acme 2030-01-01T00:00:00.000000Z"),
            DatabaseNotification(channel: "sync_changes", payload: "malformed"),
        ]
        XCTAssertEqual(PokeRelay.newestStamps(burst), ["acme": "2026-11-30T05:00:00.000009Z", "other": "2026-11-30T04:00:00.000000Z"])
    }

    func testAChannelPathHoldsOnlyWhatATenantIdMay() {
        XCTAssertEqual(PokePublisher.channelPath("acme-1.eu_west"), "/tenant-acme-1.eu_west")
        for bad in ["", "a b", "a/b", "a\r\nHost: x", "é"] { XCTAssertNil(PokePublisher.channelPath(bad), bad) }
    }

    func testThePublisherAddressIsAnIPv4HostAndPort() {
        XCTAssertNotNil(PokePublisher(address: "127.0.0.1:8085"))
        for bad in ["localhost:8085", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:99999", "[::1]:8085", ""] {
            XCTAssertNil(PokePublisher(address: bad), bad)
        }
    }
}

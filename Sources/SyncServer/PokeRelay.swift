import Foundation
import Postgres

/// Pokes for writes that did not come through the API: listens on sync_changes (sql/015), where other
/// server-side code's statements notify "tenant stamp" at commit, and publishes one poke per tenant for
/// each burst. One listener for the service, in the master, on a thread of its own; a broken connection
/// is made again a second later (pokes lost meanwhile cost devices only the wait for their next pull).
enum PokeRelay {
    static let channel = "sync_changes"
    /// How long a burst of notifications is gathered before its pokes go out.
    static let gatherSeconds = 0.01

    static func start(databaseURL: String, publisher: PokePublisher) {
        let thread = Thread {
            while true {
                do {
                    try relay(connection: Connection(url: databaseURL), publisher: publisher)
                } catch {
                    Log.error("poke listener reconnecting", [("error", .string(String(describing: error)))])
                    Thread.sleep(forTimeInterval: 1)
                }
            }
        }
        thread.name = "poke-relay"
        thread.start()
    }

    private static func relay(connection: Connection, publisher: PokePublisher) throws {
        try connection.execute("LISTEN \(channel)")
        while true {
            var burst = try connection.notifications(waitingUpTo: 5)
            guard !burst.isEmpty else { continue }
            burst += try connection.notifications(waitingUpTo: gatherSeconds)
            for (tenant, stamp) in newestStamps(burst) {
                publisher.poke(tenant: tenant, stamp: stamp)
            }
        }
    }

    /// The newest stamp per tenant among payloads "tenant stamp" (stamps are fixed-width UTC text).
    static func newestStamps(_ notifications: [DatabaseNotification]) -> [String: String] {
        var newest: [String: String] = [:]
        for notification in notifications where notification.channel == channel {
            let parts = notification.payload.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let (tenant, stamp) = (String(parts[0]), String(parts[1]))
            if stamp > newest[tenant, default: ""] { newest[tenant] = stamp }
        }
        return newest
    }
}

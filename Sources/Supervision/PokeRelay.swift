import Foundation
import LivePokes
import Postgres
import Settings
import SharedCounters
import Store
import SyncCore
import Synchronization
import SystemCalls

/// The one place pokes leave from (README, "Live pokes"), a thread of the master: it gathers what the
/// workers' pushes hand it (PokeOutbox) and the NOTIFYs on sync_changes of writes that did not come
/// through the API (sql/015), and publishes one poke per tenant for each burst of `gatherSeconds`, or
/// fewer when a tenant's pokes are spaced (PokeSchedule, `SYNC_POKE_INTERVAL_SECONDS`). It
/// also ends subscriptions whose token expires: each minute it deletes the channel `expires-<minute>`,
/// which nginx adds to every subscription whose token's exp falls in that minute (ExpiryChannels). A broken database connection is made again a second later; the workers' pokes
/// flow meanwhile. Pokes lost on the way cost devices only the wait for their next pull.
final class PokeRelay: Sendable {
    static let channel = "sync_changes"
    /// How long a burst is gathered before its pokes go out.
    static let gatherSeconds = 0.01
    /// Subscriptions are authorised again every 5 minutes (nginx/syncd.conf), so after a restart the
    /// relay ends those of the minutes it may have missed.
    static let missedMinutes: Int64 = 6

    private let inbox: Int32
    private let databaseURL: String
    private let metrics: Metrics
    /// Where pokes go, and the least time between two pokes of a tenant: set by the master's thread on
    /// reload, read by the relay's.
    private let target: Mutex<(publisher: PokePublisher?, interval: Double)>

    init(inbox: Int32, databaseURL: String, metrics: Metrics, publisher: PokePublisher?, interval: Double) {
        self.inbox = inbox
        self.databaseURL = databaseURL
        self.metrics = metrics
        self.target = Mutex((publisher, interval))
    }

    /// Where pokes go from now on (after a reload), and how far apart a tenant's may be; nil: nowhere,
    /// and what arrives is discarded.
    func use(_ publisher: PokePublisher?, interval: Double) {
        target.withLock { $0 = (publisher, interval) }
    }

    private var currentPublisher: PokePublisher? { target.withLock { $0.publisher } }
    private var currentInterval: Double { target.withLock { $0.interval } }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "poke-relay"
        thread.start()
    }

    private func run() {
        var listener: Connection?
        var nextConnect = 0.0
        var burst = Burst()
        var gatherUntil: Double?
        var schedule = PokeSchedule(interval: currentInterval)
        var sweptMinute = ExpiryChannels.dueMinute(now: Int64(Date().timeIntervalSince1970)) - PokeRelay.missedMinutes
        while true {
            let now = MonotonicClock.seconds
            if listener == nil, now >= nextConnect {
                do {
                    let connection = try Connection(url: databaseURL)
                    try connection.execute("LISTEN \(PokeRelay.channel)")
                    listener = connection
                } catch {
                    Log.error("poke listener reconnecting", [("error", .string(String(describing: error)))])
                    nextConnect = now + 1
                }
            }
            schedule.interval = currentInterval
            let timeout = [gatherUntil, schedule.nextDue].compactMap { $0 }.min().map { max(0, $0 - now) } ?? 1
            var descriptors = [pollfd(fd: inbox, events: Int16(POLLIN), revents: 0),
                               pollfd(fd: listener?.socketDescriptor ?? -1, events: Int16(POLLIN), revents: 0)]
            _ = SystemCall.retrying { poll(&descriptors, 2, Int32((timeout * 1000).rounded(.up))) }
            if descriptors[0].revents != 0 { receiveDatagrams(into: &burst) }
            if descriptors[1].revents != 0, let connection = listener {
                do {
                    for notification in try connection.receivedNotifications() where notification.channel == PokeRelay.channel {
                        burst.add(notification.payload)
                    }
                } catch {
                    Log.error("poke listener lost its connection", [("error", .string(String(describing: error)))])
                    listener = nil
                }
            }
            if !burst.isEmpty, gatherUntil == nil { gatherUntil = MonotonicClock.seconds + PokeRelay.gatherSeconds }
            let after = MonotonicClock.seconds
            if let deadline = gatherUntil, after >= deadline {
                publish(schedule.due(adding: burst.newest, now: after), everyone: burst.everyone, listener: listener)
                burst = Burst()
                gatherUntil = nil
            } else if let due = schedule.nextDue, after >= due {
                publish(schedule.due(adding: [:], now: after), everyone: false, listener: listener)
            }
            let minute = ExpiryChannels.dueMinute(now: Int64(Date().timeIntervalSince1970))
            while sweptMinute < minute {
                sweptMinute += 1
                currentPublisher?.delete(channel: ExpiryChannels.name(minute: sweptMinute))
            }
        }
    }

    private func receiveDatagrams(into burst: inout Burst) {
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let count = SystemCall.retrying { recv(inbox, &buffer, buffer.count, Int32(MSG_DONTWAIT)) }
            guard count > 0 else { return }
            burst.add(String(decoding: buffer[..<count], as: UTF8.self))
        }
    }

    private func publish(_ due: [(tenant: String, stamp: String)], everyone: Bool, listener: Connection?) {
        guard let publisher = currentPublisher else { return }
        var pokes = due.map { (channel: "tenant-" + $0.tenant, stamp: $0.stamp) }
        if everyone {
            // A worker died, perhaps after a commit and before its poke: everyone pulls once, told the
            // database's time now (the host's when the database cannot be asked).
            let stamp = (try? listener?.execute("SELECT sync_iso(clock_timestamp())").string(row: 0, column: 0))
                ?? Timestamp(microsecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000_000)).description
            pokes.append((PokePublisher.everyoneChannel, stamp))
        }
        for poke in pokes {
            if publisher.poke(channel: poke.channel, stamp: poke.stamp) { metrics.pokePublished() } else { metrics.pokeFailed() }
        }
    }

    /// What a burst asks for: the newest stamp per tenant, and whether everyone is to be poked.
    struct Burst {
        var newest: [String: String] = [:]
        var everyone = false

        var isEmpty: Bool { newest.isEmpty && !everyone }

        /// Takes "tenant stamp" (stamps are fixed-width UTC text, so newer sorts later) or "*".
        mutating func add(_ message: String) {
            if message == PokeOutbox.everyone { everyone = true; return }
            let parts = message.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { return }
            let (tenant, stamp) = (String(parts[0]), String(parts[1]))
            if stamp > newest[tenant, default: ""] { newest[tenant] = stamp }
        }
    }
}

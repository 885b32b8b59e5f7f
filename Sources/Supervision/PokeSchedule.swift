/// When each tenant's pokes go out: at most one per tenant every `interval` seconds
/// (`SYNC_POKE_INTERVAL_SECONDS`). A tenant's first change goes at once; what comes for it within the
/// interval after is held, its newest stamp only, and goes when the interval has passed, so the last
/// change is always poked. Every poke makes each of the tenant's subscribed devices pull, so for a
/// tenant with thousands of devices this bounds the pulls that its own pushes set off.
struct PokeSchedule {
    var interval: Double
    /// The newest stamp per tenant, waiting for the tenant's interval to pass.
    private(set) var held: [String: String] = [:]
    /// When each tenant was poked last, for the tenants still within their interval.
    private var lastPoked: [String: Double] = [:]

    init(interval: Double) {
        self.interval = interval
    }

    /// Takes the newest stamp per tenant of a gathered burst, at `now`; returns the pokes due now, by tenant.
    mutating func due(adding newest: [String: String], now: Double) -> [(tenant: String, stamp: String)] {
        for (tenant, stamp) in newest where stamp > held[tenant, default: ""] {
            held[tenant] = stamp
        }
        let pokes = held.filter { tenant, _ in lastPoked[tenant].map { now - $0 >= interval } ?? true }
            .map { (tenant: $0.key, stamp: $0.value) }
            .sorted { $0.tenant < $1.tenant }
        for poke in pokes {
            held[poke.tenant] = nil
            lastPoked[poke.tenant] = now
        }
        lastPoked = lastPoked.filter { tenant, time in now - time < interval || held[tenant] != nil }
        return pokes
    }

    /// When the first held poke falls due; nil when none is held.
    var nextDue: Double? {
        held.keys.compactMap { lastPoked[$0].map { $0 + interval } }.min()
    }
}

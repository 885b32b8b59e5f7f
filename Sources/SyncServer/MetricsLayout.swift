import Settings
import Store
import SyncCore

/// Where each metric lives in the scoreboard. Derived from fixed lists, so every process of one build
/// computes the same layout; per entity type there is room for the most a registry may declare, so
/// that a reload that adds a type (appended: its counters take the next free place) keeps the layout.
struct MetricsLayout: Sendable {
    /// The routes' labels, and "other" for every path that is none of them.
    static let endpoints = Route.all.map(\.label) + ["other"]
    static let statuses = [200, 204, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 502, 503]
    /// Upper bounds of the latency histogram, in seconds.
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    static let maximumWorkers = Configuration.maximumWorkerSlots

    let entityTypes: [String]
    let strategies = ConflictStrategy.allCases.map(\.rawValue)

    // Offsets of each block.
    let requests: Int           // endpoints × (statuses + 1 for "other")
    let latencyBuckets: Int     // endpoints × (buckets + 1 for +Inf)
    let latencySum: Int         // endpoints, microseconds
    let latencyCount: Int       // endpoints
    let pushed: Int             // RegistryFile.maximumEntityTypes
    let pulled: Int             // RegistryFile.maximumEntityTypes
    let conflicts: Int          // strategies
    let databaseErrors: Int
    let workerRestarts: Int
    let rateLimited: Int
    let reloadsFailed: Int
    let clocksClamped: Int
    let prunesFailed: Int
    let pokesPublished: Int
    let pokesFailed: Int
    let pokesDropped: Int
    let startedAt: Int          // the master's start, unix seconds
    let schemaVersion: Int      // the number of the last migration, as checked by the master
    let busy: Int               // per worker slot
    let threads: Int            // per worker slot
    let rateLimiter: Int        // RateLimiter.slots × RateLimiter.slotWidth
    let count: Int

    init(registry: Registry) {
        entityTypes = registry.names
        var next = 0
        func block(_ size: Int) -> Int {
            defer { next += size }
            return next
        }
        let endpointCount = MetricsLayout.endpoints.count
        requests = block(endpointCount * (MetricsLayout.statuses.count + 1))
        latencyBuckets = block(endpointCount * (MetricsLayout.buckets.count + 1))
        latencySum = block(endpointCount)
        latencyCount = block(endpointCount)
        pushed = block(RegistryFile.maximumEntityTypes)
        pulled = block(RegistryFile.maximumEntityTypes)
        conflicts = block(ConflictStrategy.allCases.count)
        databaseErrors = block(1)
        workerRestarts = block(1)
        rateLimited = block(1)
        reloadsFailed = block(1)
        clocksClamped = block(1)
        prunesFailed = block(1)
        pokesPublished = block(1)
        pokesFailed = block(1)
        pokesDropped = block(1)
        startedAt = block(1)
        schemaVersion = block(1)
        busy = block(MetricsLayout.maximumWorkers)
        threads = block(MetricsLayout.maximumWorkers)
        rateLimiter = block(RateLimiter.slots * RateLimiter.slotWidth)
        count = next
    }

    func endpointIndex(_ name: String) -> Int {
        MetricsLayout.endpoints.firstIndex(of: name) ?? MetricsLayout.endpoints.count - 1
    }

    func statusIndex(_ status: Int) -> Int {
        MetricsLayout.statuses.firstIndex(of: status) ?? MetricsLayout.statuses.count
    }
}

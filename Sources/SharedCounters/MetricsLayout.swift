import Settings
import SyncCore

/// Where each metric lives in the scoreboard. Derived from fixed lists, so every process of one build
/// computes the same layout; per entity type there is room for the most a registry may declare, so
/// that a reload that adds a type (appended: its counters take the next free place) keeps the layout.
public struct MetricsLayout: Sendable {
    public static let statuses = [200, 204, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 502, 503]
    /// Upper bounds of the latency histogram, in seconds.
    public static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    public static let maximumWorkers = Configuration.maximumWorkerSlots

    /// The routes' labels, and "other" for every path that is none of them.
    public let endpoints: [String]
    public let entityTypes: [String]
    public let strategies = ConflictStrategy.allCases.map(\.rawValue)

    // Offsets of each block.
    public let requests: Int           // endpoints × (statuses + 1 for "other")
    public let latencyBuckets: Int     // endpoints × (buckets + 1 for +Inf)
    public let latencySum: Int         // endpoints, microseconds
    public let latencyCount: Int       // endpoints
    public let pushed: Int             // RegistryFile.maximumEntityTypes
    public let pulled: Int             // RegistryFile.maximumEntityTypes
    public let conflicts: Int          // strategies
    public let databaseErrors: Int
    public let workerRestarts: Int
    public let rateLimited: Int
    public let reloadsFailed: Int
    public let clocksClamped: Int
    public let prunesFailed: Int
    public let pokesPublished: Int
    public let pokesFailed: Int
    public let pokesDropped: Int
    public let startedAt: Int          // the master's start, unix seconds
    public let schemaVersion: Int      // the number of the last migration, as checked by the master
    public let busy: Int               // per worker slot
    public let threads: Int            // per worker slot
    public let rateLimiter: Int        // RateLimiter.slots × RateLimiter.slotWidth
    public let count: Int

    /// - Parameter endpoints: the routes' labels (HTTPEdge's Route.labels), in an order fixed by the build.
    public init(registry: Registry, endpoints: [String]) {
        self.endpoints = endpoints + ["other"]
        entityTypes = registry.names
        var next = 0
        func block(_ size: Int) -> Int {
            defer { next += size }
            return next
        }
        let endpointCount = self.endpoints.count
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

    public func endpointIndex(_ name: String) -> Int {
        endpoints.firstIndex(of: name) ?? endpoints.count - 1
    }

    public func statusIndex(_ status: Int) -> Int {
        MetricsLayout.statuses.firstIndex(of: status) ?? MetricsLayout.statuses.count
    }
}

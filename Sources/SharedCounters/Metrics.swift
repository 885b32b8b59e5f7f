import FastCGI
import Settings
import SyncCore

/// The service's Prometheus metrics, counted in the shared scoreboard so that one scrape shows every
/// worker process, including the ones that have died since.
public final class Metrics: Sendable {
    public let board: Scoreboard
    public let layout: MetricsLayout
    /// This worker process's slot, for the busy and idle thread gauges.
    public let workerSlot: Int
    /// The socket every worker accepts on, whose backlog is the queue of requests waiting for a thread.
    public let listening: Int32?

    public init(board: Scoreboard, layout: MetricsLayout, workerSlot: Int, listening: Int32? = nil) {
        self.board = board
        self.layout = layout
        self.workerSlot = min(max(0, workerSlot), MetricsLayout.maximumWorkers - 1)
        self.listening = listening
    }

    public func request(endpoint: String, status: Int, seconds: Double) {
        let e = layout.endpointIndex(endpoint)
        board.add(layout.requests + e * (MetricsLayout.statuses.count + 1) + layout.statusIndex(status))
        let bucket = MetricsLayout.buckets.firstIndex { seconds <= $0 } ?? MetricsLayout.buckets.count
        board.add(layout.latencyBuckets + e * (MetricsLayout.buckets.count + 1) + bucket)
        board.add(layout.latencySum + e, UInt64(max(0, seconds * 1_000_000)))
        board.add(layout.latencyCount + e)
    }

    public func pushed(_ entityType: String, _ count: Int) {
        if let index = layout.entityTypes.firstIndex(of: entityType), count > 0 { board.add(layout.pushed + index, UInt64(count)) }
    }

    public func pulled(_ entityType: String, _ count: Int) {
        if let index = layout.entityTypes.firstIndex(of: entityType), count > 0 { board.add(layout.pulled + index, UInt64(count)) }
    }

    public func conflict(_ strategy: ConflictStrategy) {
        if let index = layout.strategies.firstIndex(of: strategy.rawValue) { board.add(layout.conflicts + index) }
    }

    public func databaseError() { board.add(layout.databaseErrors) }
    public func rateLimited() { board.add(layout.rateLimited) }
    public func workerRestarted() { board.add(layout.workerRestarts) }
    public func reloadFailed() { board.add(layout.reloadsFailed) }
    public func clocksClamped(_ count: Int) { if count > 0 { board.add(layout.clocksClamped, UInt64(count)) } }
    public func masterStarted(at seconds: UInt64) { board.store(layout.startedAt, seconds) }
    public func schemaChecked(version: UInt64) { board.store(layout.schemaVersion, version) }
    public func pruneFailed() { board.add(layout.prunesFailed) }
    public func pokePublished() { board.add(layout.pokesPublished) }
    public func pokeFailed() { board.add(layout.pokesFailed) }
    public func pokeDropped() { board.add(layout.pokesDropped) }

    public func started() { board.add(layout.busy + workerSlot) }
    public func finished() { board.subtract(layout.busy + workerSlot) }

    /// Declares this slot's thread count (and clears a busy count a dead predecessor left behind).
    public func claimSlot(threads: Int) {
        board.store(layout.busy + workerSlot, 0)
        board.store(layout.threads + workerSlot, UInt64(threads))
    }

    /// Forgets a slot whose worker has exited.
    public func releaseSlot() {
        board.store(layout.busy + workerSlot, 0)
        board.store(layout.threads + workerSlot, 0)
    }

    /// The Prometheus text exposition format (version 0.0.4).
    /// `horizonLagSeconds`: how far pulls' safe horizon is behind the database's clock (sql/013).
    /// `liveSubscribers`: how many live-poke subscribers nginx holds (nchan's stub status).
    public func render(horizonLagSeconds: Double? = nil, liveSubscribers: Int? = nil) -> String {
        var text = ""
        func header(_ name: String, _ type: String, _ help: String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func single(_ name: String, _ type: String, _ help: String, _ value: some CustomStringConvertible) {
            header(name, type, help)
            text += "\(name) \(value)\n"
        }
        header("sync_build_info", "gauge", "The program: its version and the commit it was built from.")
        text += "sync_build_info{version=\"\(Build.version)\",commit=\"\(Build.commit)\"} 1\n"
        single("sync_start_time_seconds", "gauge", "When the master process started, in unix seconds.", board.load(layout.startedAt))
        single("sync_schema_version", "gauge", "The number of the last migration, all of them applied when the master last checked (start, reload).", board.load(layout.schemaVersion))
        if let listening, let queue = ListenQueue.length(of: listening) {
            single("sync_listen_queue", "gauge", "Connections from nginx waiting in the socket's backlog for a worker thread to accept them.", queue.waiting)
            single("sync_listen_queue_limit", "gauge", "The size of that backlog; beyond it nginx's connections fail (502).", queue.limit)
        }
        if let liveSubscribers {
            single("sync_live_subscribers", "gauge", "Live-poke subscriptions the nginx of SYNC_POKE_ADDRESS holds now.", UInt64(liveSubscribers))
        }
        if let horizonLagSeconds {
            single("sync_horizon_lag_seconds", "gauge",
                   "How far behind the database's clock pulls' safe horizon is: the age of the oldest transaction that holds a transaction id.",
                   horizonLagSeconds)
        }
        header("sync_requests_total", "counter", "Requests by endpoint and HTTP status.")
        for (e, endpoint) in layout.endpoints.enumerated() {
            for s in 0...MetricsLayout.statuses.count {
                let value = board.load(layout.requests + e * (MetricsLayout.statuses.count + 1) + s)
                guard value > 0 else { continue }
                let status = s < MetricsLayout.statuses.count ? String(MetricsLayout.statuses[s]) : "other"
                text += "sync_requests_total{endpoint=\"\(endpoint)\",status=\"\(status)\"} \(value)\n"
            }
        }
        header("sync_request_duration_seconds", "histogram", "Time from the worker accepting a request to its response.")
        for (e, endpoint) in layout.endpoints.enumerated() {
            let count = board.load(layout.latencyCount + e)
            guard count > 0 else { continue }
            var cumulative: UInt64 = 0
            for b in 0...MetricsLayout.buckets.count {
                cumulative += board.load(layout.latencyBuckets + e * (MetricsLayout.buckets.count + 1) + b)
                let bound = b < MetricsLayout.buckets.count ? "\(MetricsLayout.buckets[b])" : "+Inf"
                text += "sync_request_duration_seconds_bucket{endpoint=\"\(endpoint)\",le=\"\(bound)\"} \(cumulative)\n"
            }
            let sum = Double(board.load(layout.latencySum + e)) / 1_000_000
            text += "sync_request_duration_seconds_sum{endpoint=\"\(endpoint)\"} \(sum)\n"
            text += "sync_request_duration_seconds_count{endpoint=\"\(endpoint)\"} \(count)\n"
        }
        header("sync_records_pushed_total", "counter", "Records stored by pushes, by entity type.")
        for (index, name) in layout.entityTypes.enumerated() {
            text += "sync_records_pushed_total{entity_type=\"\(name)\"} \(board.load(layout.pushed + index))\n"
        }
        header("sync_records_pulled_total", "counter", "Records returned by pulls and pull-pending, by entity type.")
        for (index, name) in layout.entityTypes.enumerated() {
            text += "sync_records_pulled_total{entity_type=\"\(name)\"} \(board.load(layout.pulled + index))\n"
        }
        header("sync_conflicts_total", "counter", "Conflicts met by pushes, by strategy.")
        for (index, name) in layout.strategies.enumerated() {
            text += "sync_conflicts_total{strategy=\"\(name)\"} \(board.load(layout.conflicts + index))\n"
        }
        single("sync_database_errors_total", "counter", "Requests that failed because the database was unavailable or failed.", board.load(layout.databaseErrors))
        single("sync_rate_limited_total", "counter", "Requests refused with 429 because their tenant was over its rate.", board.load(layout.rateLimited))
        single("sync_worker_restarts_total", "counter", "Worker processes the master replaced after they exited.", board.load(layout.workerRestarts))
        single("sync_client_clocks_clamped_total", "counter", "Pushed records whose updatedAt was ahead of the server's clock beyond SYNC_CLOCK_SKEW_SECONDS, stored as the time the push arrived.", board.load(layout.clocksClamped))
        single("sync_reloads_failed_total", "counter", "Reloads refused because the new settings failed their check; the old workers kept serving.", board.load(layout.reloadsFailed))
        single("sync_prunes_failed_total", "counter", "Runs of the master's minutely pruning of history and idempotency keys that failed.", board.load(layout.prunesFailed))
        single("sync_pokes_published_total", "counter", "Live pokes nginx took from the master's relay, one per tenant and burst.", board.load(layout.pokesPublished))
        single("sync_pokes_failed_total", "counter", "Live pokes nginx did not take (its publisher unreachable, slow or refusing).", board.load(layout.pokesFailed))
        single("sync_pokes_dropped_total", "counter", "Pushes whose poke a worker could not hand to the relay (its queue full).", board.load(layout.pokesDropped))
        var busy: UInt64 = 0
        var threads: UInt64 = 0
        for slot in 0..<MetricsLayout.maximumWorkers {
            let slotThreads = board.load(layout.threads + slot)
            threads += slotThreads
            busy += min(board.load(layout.busy + slot), slotThreads)
        }
        header("sync_worker_threads", "gauge", "Worker threads, busy with a request or idle.")
        text += "sync_worker_threads{state=\"busy\"} \(busy)\n"
        text += "sync_worker_threads{state=\"idle\"} \(threads - busy)\n"
        return text
    }
}

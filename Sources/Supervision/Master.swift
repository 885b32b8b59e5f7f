import Administration
import FastCGI
import Foundation
import HTTPEdge
import LivePokes
import Postgres
import Settings
import SharedCounters
import Store
import SyncCore
import SystemCalls

/// The master process of `sync serve`, as php-fpm's or uwsgi's: it owns the listening socket and the
/// scoreboard, keeps `workerProcesses` workers running (replacing one that dies, with a backoff when
/// it keeps dying), reloads on SIGHUP by replacing the workers one by one, and on SIGTERM or SIGINT
/// lets them finish their requests and exits 0. It never serves a request itself.
public final class Master {
    private struct Child {
        let slot: Int
        let started: Double
        var retiring = false
    }

    private var configuration: Configuration
    private let load: () throws -> Configuration
    /// The entity types the running workers were started with (the master serves no request itself).
    private var registry: Registry
    private let spawner: ProcessSpawner
    private let socket: Int32
    /// The workers' end of the poke relay's socket pair (PokeOutbox); the relay reads the other.
    private let pokes: Int32
    private let relay: PokeRelay
    private let board: Scoreboard
    private let layout: MetricsLayout
    /// The counters the master keeps itself (restarts, refused reloads, failed prunes, start, schema).
    private let metrics: Metrics
    private var children: [pid_t: Child] = [:]
    /// Slots whose worker died, with when the replacement may start, and how often each slot failed in a row.
    private var respawns: [Int: Double] = [:]
    private var failures: [Int: Int] = [:]
    private var stopping = false
    private let systemd = SystemdNotifier()
    /// Whether systemd has been told the service is ready: once a worker serves.
    private var announcedReady = false

    /// Starts the service; returns only by exiting.
    public static func run(load: @escaping () throws -> Configuration) throws -> Never {
        let configuration = try load()
        let registry = try configuration.loadRegistry()
        let problems = Server.preflight(configuration: configuration, registry: registry)
        guard problems.isEmpty else { throw Server.StartupError(description: problems.joined(separator: "\n")) }
        Log.setLevel(configuration.logLevel)
        let master = try Master(configuration: configuration, load: load, registry: registry)
        master.serve()
    }

    private init(configuration: Configuration, load: @escaping () throws -> Configuration, registry: Registry) throws {
        self.configuration = configuration
        self.load = load
        self.registry = registry
        spawner = try ProcessSpawner()
        layout = MetricsLayout(registry: registry, endpoints: Route.labels)
        board = try Scoreboard(path: configuration.scoreboardPath, slots: layout.count, create: true)
        metrics = Metrics(board: board, layout: layout, workerSlot: 0)
        let listening = try WorkerPool.listen(on: configuration.listen, mode: mode_t(configuration.socketMode))
        socket = fcntl(listening, F_DUPFD_CLOEXEC, 10)
        close(listening)
        let ends = try PokeOutbox.pair()
        pokes = ends.workers
        relay = PokeRelay(inbox: ends.relay, databaseURL: configuration.databaseURL, metrics: metrics,
                          publisher: configuration.pokeAddress.flatMap(PokePublisher.init(address:)),
                          interval: configuration.pokeIntervalSeconds)
        metrics.masterStarted(at: UInt64(Date().timeIntervalSince1970))
        recordSchemaVersion()
    }

    private func serve() -> Never {
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)
        if let pidFile = configuration.pidFile {
            try? "\(getpid())\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
        }
        relay.start()
        for slot in 0..<configuration.workerProcesses { start(slot: slot) }
        Log.info("serving", [("listen", .string(configuration.listen)), ("workers", .int(Int64(configuration.workerProcesses))),
                             ("threads", .int(Int64(configuration.workerThreads))), ("pid", .int(Int64(getpid())))])
        var lastMaintenance = MonotonicClock.seconds
        while true {
            var timeout = timespec(tv_sec: 0, tv_nsec: 200_000_000)
            let received = sigtimedwait(&signals, nil, &timeout)
            switch received {
            case SIGTERM, SIGINT: stop(signal: received)
            case SIGHUP: reload()
            default: break
            }
            reap()
            startDueWorkers()
            if MonotonicClock.seconds - lastMaintenance >= 60 {
                lastMaintenance = MonotonicClock.seconds
                maintain()
            }
        }
    }

    /// The preflight found every migration of the SQL directory applied: the last one is the schema's version.
    private func recordSchemaVersion() {
        let last = (try? Migrator.files(in: configuration.sqlDirectory))?.last.flatMap(Migrator.number(of:)) ?? 0
        metrics.schemaChecked(version: UInt64(last))
    }

    private func announceReady() {
        guard !announcedReady else { return }
        announcedReady = true
        systemd.ready(status: "serving on \(configuration.listen)")
    }

    // MARK: Workers

    private func arguments(slot: Int) -> [String] {
        ["worker", "--slot", String(slot)]
    }

    /// Starts a worker in `slot`; returns its pid once it serves, or nil (the slot is retried later).
    @discardableResult
    private func start(slot: Int) -> pid_t? {
        var environment = ProcessInfo.processInfo.environment.merging(configuration.settings) { $1 }
        // Only the master speaks to systemd (NotifyAccess=main).
        environment["NOTIFY_SOCKET"] = nil
        do {
            let (pid, ready) = try spawner.spawn(arguments: arguments(slot: slot), environment: environment, socket: socket, pokes: pokes)
            children[pid] = Child(slot: slot, started: MonotonicClock.seconds)
            guard ProcessSpawner.waitReady(ready, seconds: 15) else {
                Log.error("worker did not start", [("slot", .int(Int64(slot))), ("pid", .int(Int64(pid)))])
                kill(pid, SIGKILL)
                return nil
            }
            announceReady()
            return pid
        } catch {
            Log.error("cannot start a worker", [("error", .string(String(describing: error)))])
            scheduleRespawn(slot: slot)
            return nil
        }
    }

    /// Collects exited workers, logs how they ended, and schedules replacements for the ones that died.
    private func reap() {
        var status: Int32 = 0
        while true {
            let pid = SystemCall.retrying { waitpid(-1, &status, WNOHANG) }
            guard pid > 0, let child = children.removeValue(forKey: pid) else { return }
            Metrics(board: board, layout: layout, workerSlot: child.slot).releaseSlot()
            let signaled = status & 0x7F
            let code = (status >> 8) & 0xFF
            let ending: [(String, JSON)] = signaled != 0 ? [("signal", .int(Int64(signaled)))] : [("exitStatus", .int(Int64(code)))]
            let expected = child.retiring || stopping
            if expected && signaled == 0 && code == 0 {
                Log.info("worker exited", [("pid", .int(Int64(pid))), ("slot", .int(Int64(child.slot)))] + ending)
                continue
            }
            Log.error("worker died", [("pid", .int(Int64(pid))), ("slot", .int(Int64(child.slot)))] + ending)
            // Perhaps between a commit and its poke: every device is told to pull once.
            PokeOutbox(descriptor: pokes).pokeEveryone()
            guard !child.retiring, !stopping else { continue }
            metrics.workerRestarted()
            failures[child.slot] = MonotonicClock.seconds - child.started < 5 ? failures[child.slot, default: 0] + 1 : 0
            scheduleRespawn(slot: child.slot)
        }
    }

    /// A worker that keeps dying soon after starting is restarted after 0.1 s, 0.2 s, ... up to 30 s.
    private func scheduleRespawn(slot: Int) {
        let failed = failures[slot, default: 0]
        let delay = failed == 0 ? 0 : min(30, 0.1 * pow(2, Double(failed - 1)))
        respawns[slot] = MonotonicClock.seconds + delay
    }

    private func startDueWorkers() {
        guard !stopping else { return }
        for (slot, due) in respawns where due <= MonotonicClock.seconds {
            respawns[slot] = nil
            if start(slot: slot) == nil, respawns[slot] == nil {
                failures[slot, default: 0] += 1
                scheduleRespawn(slot: slot)
            }
        }
    }

    // MARK: Signals

    /// SIGHUP: reads the configuration again, then replaces the workers one at a time; each old worker
    /// is told to stop only once its replacement serves, so no request fails.
    private func reload() {
        do {
            let fresh = try load()
            let freshRegistry = try fresh.loadRegistry()
            let problems = Server.preflight(configuration: fresh, registry: freshRegistry)
            guard problems.isEmpty else { throw Server.StartupError(description: problems.joined(separator: "; ")) }
            configuration = fresh
            registry = freshRegistry
            relay.use(fresh.pokeAddress.flatMap(PokePublisher.init(address:)), interval: fresh.pokeIntervalSeconds)
            Log.setLevel(fresh.logLevel)
            recordSchemaVersion()
        } catch {
            Log.error("reload refused: the new settings fail their check; the workers keep the old ones",
                      [("error", .string(String(describing: error)))])
            metrics.reloadFailed()
            return
        }
        Log.info("reloading", [("workers", .int(Int64(configuration.workerProcesses)))])
        systemd.reloading()
        defer { systemd.ready(status: "reloaded: serving with \(configuration.workerProcesses) workers") }
        let old = children.filter { !$0.value.retiring }.sorted { $0.value.slot < $1.value.slot }
        var used = Set(children.values.map(\.slot))
        for (index, (pid, _)) in old.enumerated() {
            if index < configuration.workerProcesses {
                guard let slot = (0..<MetricsLayout.maximumWorkers).first(where: { !used.contains($0) }) else { break }
                used.insert(slot)
                guard start(slot: slot) != nil else {
                    Log.error("reload stopped: a new worker did not start; the old ones keep serving")
                    return
                }
            }
            children[pid]?.retiring = true
            kill(pid, SIGTERM)
        }
        for _ in old.count..<max(old.count, configuration.workerProcesses) {
            guard let slot = (0..<MetricsLayout.maximumWorkers).first(where: { !used.contains($0) }) else { break }
            used.insert(slot)
            start(slot: slot)
        }
    }

    /// SIGTERM or SIGINT: every worker finishes its requests and exits; then the master exits 0.
    private func stop(signal: Int32) -> Never {
        stopping = true
        systemd.stopping()
        Log.info("stopping", [("signal", .int(Int64(signal)))])
        // A unix socket's name goes first, so that no connection joins the backlog after the workers'
        // last accept (it would be reset when the socket closes); SIGINT, unlike a reload's SIGTERM,
        // tells the workers to accept what is already queued (WorkerPool.Ending).
        if !configuration.listen.contains(":") { unlink(configuration.listen) }
        for pid in children.keys { kill(pid, SIGINT) }
        let deadline = MonotonicClock.seconds + configuration.shutdownGraceSeconds + 5
        while !children.isEmpty && MonotonicClock.seconds < deadline {
            reap()
            usleep(20_000)
        }
        for pid in children.keys { kill(pid, SIGKILL) }
        if let pidFile = configuration.pidFile { unlink(pidFile) }
        Log.info("stopped")
        exit(0)
    }

    // MARK: Housekeeping

    private func maintain() {
        do {
            let pruned = try Maintenance.prune(connection: Connection(url: configuration.databaseURL),
                                               logRetentionDays: configuration.logRetentionDays,
                                               keyLifetimeSeconds: configuration.idempotencyLifetimeSeconds)
            if pruned.logEntries + pruned.idempotencyKeys > 0 {
                Log.info("pruned", [("logEntries", .int(Int64(pruned.logEntries))), ("idempotencyKeys", .int(Int64(pruned.idempotencyKeys)))])
            }
        } catch {
            Log.error("maintenance failed", [("error", .string(String(describing: error)))])
            metrics.pruneFailed()
        }
    }
}

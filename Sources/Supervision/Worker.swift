import FastCGI
import Glibc
import HTTPEdge
import LivePokes
import Settings
import SharedCounters
import Store
import SyncCore

/// A worker process: serves on the socket the master handed it until told to stop, then finishes the
/// requests in flight and exits. SIGTERM: this worker is replaced (a reload); SIGINT: the whole service
/// stops (the master, or Ctrl-C in a terminal, which reaches every process).
public enum Worker {
    public static func run(configuration: Configuration, slot: Int) throws -> Never {
        // The master checked this file before starting the worker (at start, or on the reload that did).
        let registry = try configuration.loadRegistry()
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&signals, signal) }
        // Blocked before the threads start, so they inherit the mask and only sigwait sees these.
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        Log.setLevel(configuration.logLevel)
        let socket = try WorkerPool.inherited(ProcessSpawner.socketDescriptor)
        let layout = MetricsLayout(registry: registry, endpoints: Route.labels)
        let board = try Scoreboard(path: configuration.scoreboardPath, slots: layout.count, create: false)
        let metrics = Metrics(board: board, layout: layout, workerSlot: slot, listening: socket)
        metrics.claimSlot(threads: configuration.workerThreads)
        let rateLimiter = RateLimiter(board: board, base: layout.rateLimiter)
        let pool = try WorkerPool(socket: socket, maximumBodyBytes: configuration.maximumBodyBytes,
                              parameterNames: SyncHandler.parameterNames,
                              allowedPeers: AllowedPeers(configuration.fastcgiAllowedAddresses))
        pool.start(threads: configuration.workerThreads) {
            SyncHandler(configuration: configuration, registry: registry, metrics: metrics, rateLimiter: rateLimiter,
                        pokes: PokeOutbox(descriptor: PokeOutbox.inheritedDescriptor))
        }
        var ready: UInt8 = 1
        _ = write(ProcessSpawner.readyDescriptor, &ready, 1)
        close(ProcessSpawner.readyDescriptor)

        // Until SIGTERM, or until the master is gone (killed with SIGKILL, say): an orphaned worker would
        // go on serving a socket nobody supervises, holding its database connections.
        let master = getppid()
        var ending = WorkerPool.Ending.replaced
        while true {
            var timeout = timespec(tv_sec: 1, tv_nsec: 0)
            let received = sigtimedwait(&signals, nil, &timeout)
            if received == SIGTERM { break }
            if received == SIGINT {
                ending = .wholeServiceStops
                break
            }
            if getppid() != master {
                Log.error("the master is gone; stopping", [("slot", .int(Int64(slot)))])
                ending = .wholeServiceStops
                break
            }
        }
        let drained = pool.drain(ending, grace: configuration.shutdownGraceSeconds)
        if !drained { Log.error("worker stopped with requests still in flight", [("slot", .int(Int64(slot)))]) }
        exit(drained ? 0 : 1)
    }
}

import FastCGI
import Foundation
import Postgres
import SyncCore

/// Wires the service together: checks the schema, opens the socket, starts the worker threads.
public enum Server {
    public struct StartupError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs until SIGTERM or SIGINT, then stops accepting, lets the requests in flight finish
    /// (up to `shutdownGraceSeconds`) and exits 0.
    public static func run(configuration: Configuration, registry: Registry = .standard) throws -> Never {
        guard !configuration.jwtSecret.isEmpty else {
            throw StartupError(description: "no JWT secret: set SYNC_JWT_SECRET")
        }
        try checkSchema(configuration: configuration, registry: registry)
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGTERM, SIGINT] { sigaddset(&signals, signal) }
        // Blocked before the threads start, so they inherit the mask and only sigwait sees them.
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        let socket = try WorkerPool.listen(on: configuration.listen, mode: mode_t(configuration.socketMode))
        let pool = WorkerPool(socket: socket, maximumBodyBytes: configuration.maximumBodyBytes)
        let layout = MetricsLayout(registry: registry)
        let board = try Scoreboard(path: configuration.scoreboardPath, slots: layout.count, create: true)
        let metrics = Metrics(board: board, layout: layout, workerSlot: 0)
        metrics.claimSlot(threads: configuration.workerThreads)
        let rateLimiter = RateLimiter(board: board, base: layout.rateLimiter)
        pool.start(threads: configuration.workerThreads) {
            SyncHandler(configuration: configuration, registry: registry, metrics: metrics, rateLimiter: rateLimiter)
        }
        Log.info("serving", [("listen", .string(configuration.listen)), ("threads", .int(Int64(configuration.workerThreads)))])
        let received = waitForStopSignal(signals, configuration: configuration)
        Log.info("stopping", [("signal", .int(Int64(received)))])
        let drained = pool.drain(grace: configuration.shutdownGraceSeconds)
        if !configuration.listen.contains(":") { unlink(configuration.listen) }
        Log.info(drained ? "stopped" : "stopped with requests still in flight")
        exit(drained ? 0 : 1)
    }

    /// Waits for SIGTERM or SIGINT, pruning history and expired keys every minute meanwhile.
    private static func waitForStopSignal(_ signals: sigset_t, configuration: Configuration) -> Int32 {
        var signals = signals
        var timeout = timespec(tv_sec: 60, tv_nsec: 0)
        while true {
            let received = sigtimedwait(&signals, nil, &timeout)
            if received > 0 { return received }
            do {
                let pruned = try Maintenance.prune(connection: Connection(url: configuration.databaseURL), configuration: configuration)
                if pruned.log + pruned.keys > 0 {
                    Log.info("pruned", [("logEntries", .int(Int64(pruned.log))), ("idempotencyKeys", .int(Int64(pruned.keys)))])
                }
            } catch {
                Log.error("maintenance failed", [("error", .string(String(describing: error)))])
            }
        }
    }

    /// Refuses to start when the database is unreachable or its schema differs from the registry.
    public static func checkSchema(configuration: Configuration, registry: Registry) throws {
        let connection: Connection
        do {
            connection = try Connection(url: configuration.databaseURL)
        } catch {
            throw StartupError(description: "cannot reach the database: \(error)")
        }
        let problems = try SchemaCheck.mismatches(registry: registry, connection: connection)
        guard problems.isEmpty else {
            throw StartupError(description: "the database schema does not match the registry:\n  " + problems.joined(separator: "\n  "))
        }
    }
}

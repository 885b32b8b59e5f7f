import ArgumentParser
import Auth
import Foundation
import Postgres
import SyncCore
import SyncServer

struct Syncd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syncd",
        abstract: "The sync service: FastCGI workers behind nginx, PostgreSQL as the store.",
        version: Version.description,
        subcommands: [Serve.self, Migrate.self, Prune.self, TenantCommand.self, Token.self, WorkerCommand.self]
    )
}

/// The settings file every command that needs the database or the secret accepts, so that an
/// administrator uses the service's own file (`--config /etc/syncd/syncd.env`).
struct SettingsOptions: ParsableArguments {
    @Option(help: "An environment file with SYNC_* settings (KEY=value lines, as systemd's EnvironmentFile); it overrides the environment")
    var config: String?

    func validate() throws {
        if let config { _ = try Configuration.environmentFile(config) }
    }

    /// The environment, with the settings file over it.
    func environment() throws -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        if let config { environment.merge(try Configuration.environmentFile(config)) { $1 } }
        return environment
    }

    func load() throws -> Configuration {
        Configuration.fromEnvironment(try environment())
    }
}

/// Options shared by the commands that talk to the database.
struct DatabaseOptions: ParsableArguments {
    @OptionGroup var settings: SettingsOptions
    @Option(name: .customLong("database-url"),
            help: "libpq URL (default: $SYNC_DATABASE_URL for serve; $SYNC_ADMIN_DATABASE_URL, else $SYNC_DATABASE_URL, for the others)")
    var databaseURL: String?

    /// A connection for administration: the tables' owner.
    func connect() throws -> Connection {
        do {
            return try Connection(url: databaseURL ?? settings.load().adminDatabaseURL)
        } catch let error as PostgresError where geteuid() == 0 {
            // root has no role of its own: the usual slip on a fresh install.
            throw ValidationError("\(error)\nAdministration connects as the tables' owner; with peer authentication run it as "
                + "that system user, able to read the settings: runuser -u postgres -g syncd -- syncd ...")
        }
    }
}


struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the service: a master process that supervises FastCGI worker processes.",
        discussion: """
            Settings come from the environment, then the --config file (KEY=value lines, as systemd's \
            EnvironmentFile), then these options. SIGHUP re-reads them and replaces the workers one by one; \
            SIGTERM or SIGINT lets requests in flight finish and exits 0.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Unix socket path, or HOST:PORT for TCP (default: $SYNC_LISTEN or /run/syncd/syncd.sock)")
    var listen: String?
    @Option(help: "Worker processes (default: $SYNC_WORKERS or 2)")
    var workers: Int?
    @Option(help: "Threads per worker process, each with its own database connection (default: $SYNC_THREADS or 4)")
    var threads: Int?
    @Option(name: .customLong("socket-mode"), help: "Octal permissions of the unix socket (default: $SYNC_SOCKET_MODE or 660)")
    var socketMode: String?
    @Option(name: .customLong("pid-file"), help: "Where the master writes its pid (default: $SYNC_PID_FILE)")
    var pidFile: String?

    func validate() throws {
        if let socketMode, UInt32(socketMode, radix: 8) == nil { throw ValidationError("--socket-mode is octal, like 660") }
        if let workers, !(1...32).contains(workers) { throw ValidationError("--workers is 1 to 32") }
        if let threads, threads < 1 { throw ValidationError("--threads is at least 1") }
    }

    func run() throws {
        let options = self
        // Read at start and again on SIGHUP.
        try Master.run(load: {
            var settings = try options.database.settings.load()
            if let url = options.database.databaseURL { settings.databaseURL = url }
            if let listen = options.listen { settings.listen = listen }
            if let workers = options.workers { settings.workerProcesses = workers }
            if let threads = options.threads { settings.workerThreads = threads }
            if let mode = options.socketMode.flatMap({ UInt32($0, radix: 8) }) { settings.socketMode = mode }
            if let pidFile = options.pidFile { settings.pidFile = pidFile }
            return settings
        })
    }
}

/// A worker process, started by `serve` with the listening socket as descriptor 3. Not for people.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", shouldDisplay: false)

    @Option var slot: Int

    func run() throws {
        // The master hands its settings over in the environment.
        try Worker.run(configuration: Configuration.fromEnvironment(ProcessInfo.processInfo.environment), slot: slot)
    }
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply the SQL migrations that have not been applied.")

    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("sql-dir"), help: "Directory of numbered .sql files (default: $SYNC_SQL_DIR or ./sql)")
    var sqlDirectory: String?
    @Option(name: .customLong("service-role"), help: "The role the service connects as, granted its rights (default: $SYNC_SERVICE_ROLE or sync_service)")
    var serviceRole: String?

    func run() throws {
        let environment = try database.settings.environment()
        let directory = sqlDirectory ?? environment["SYNC_SQL_DIR"] ?? "sql"
        let applied = try Migrator.migrate(connection: database.connect(), directory: directory,
                                           serviceRole: serviceRole ?? Configuration.fromEnvironment(environment).serviceRole)
        print(applied.isEmpty ? "schema is up to date" : "applied: \(applied.joined(separator: ", "))")
    }
}

struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove history older than $SYNC_LOG_RETENTION_DAYS and expired Idempotency-Keys (serve does it every minute).")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let pruned = try Maintenance.prune(connection: database.connect(), configuration: database.settings.load())
        print("removed \(pruned.log) log entries and \(pruned.keys) idempotency keys")
    }
}

struct TenantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant", abstract: "Manage tenants.",
        subcommands: [Add.self, Suspend.self, Activate.self, Set.self, List.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a tenant (or re-activate it).")
        @OptionGroup var database: DatabaseOptions
        @Argument var id: String
        @Option var name: String?
        func run() throws {
            let created = try TenantAdmin(connection: database.connect()).add(id, name: name)
            print(created ? "tenant \(id) added" : "tenant \(id) exists (active)")
        }
    }

    struct Suspend: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse the tenant's requests (403).")
        @OptionGroup var database: DatabaseOptions
        @Argument var id: String
        func run() throws {
            try TenantAdmin(connection: database.connect()).setActive(id, false)
            print("tenant \(id) suspended")
        }
    }

    struct Activate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve a suspended tenant again.")
        @OptionGroup var database: DatabaseOptions
        @Argument var id: String
        func run() throws {
            try TenantAdmin(connection: database.connect()).setActive(id, true)
            print("tenant \(id) active")
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a tenant's settings.")
        @OptionGroup var database: DatabaseOptions
        @Argument var id: String
        @Option(name: .customLong("conflict-resolution"),
                help: "server-wins, client-wins, last-write-wins, merge, manual, or default (each entity type's own)")
        var conflictResolution: String?
        @Option(name: .customLong("rate-limit"),
                help: "requests per second, burst the same; 0 is unlimited, default the service's SYNC_DEFAULT_RATE_LIMIT")
        var rateLimit: String?
        @Option(name: .customLong("default-scope"),
                help: "what tokens without a scope claim may do: sync:read:TYPE and sync:write:TYPE, space-separated (TYPE or *), or default (every type)")
        var defaultScope: String?

        func run() throws {
            guard conflictResolution != nil || rateLimit != nil || defaultScope != nil else {
                throw ValidationError("nothing to set: give --conflict-resolution, --rate-limit or --default-scope")
            }
            let admin = try TenantAdmin(connection: database.connect())
            if let defaultScope {
                try admin.setDefaultScope(id, defaultScope == "default" ? nil : defaultScope, registry: .standard)
                print("tenant \(id): default scope \(defaultScope)")
            }
            if let conflictResolution {
                let strategy = ConflictStrategy(rawValue: conflictResolution)
                guard strategy != nil || conflictResolution == "default" else {
                    throw ValidationError("unknown strategy \(conflictResolution); one of: \(ConflictStrategy.allCases.map(\.rawValue).joined(separator: ", ")), default")
                }
                try admin.setConflictStrategy(id, strategy)
                print("tenant \(id): conflict resolution \(conflictResolution)")
            }
            if let rateLimit {
                let limit = rateLimit == "default" ? nil : Int(rateLimit)
                guard limit != nil || rateLimit == "default", (limit ?? 0) >= 0 else {
                    throw ValidationError("--rate-limit is a number of requests per second (0 for unlimited) or default")
                }
                try admin.setRateLimit(id, limit)
                print("tenant \(id): rate limit \(rateLimit)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants.")
        @OptionGroup var database: DatabaseOptions
        func run() throws {
            for tenant in try TenantAdmin(connection: database.connect()).list() {
                let rate = tenant.rateLimit.map { $0 == 0 ? "unlimited" : "\($0)/s" } ?? "default-rate"
                print("\(tenant.id)\t\(tenant.active ? "active" : "suspended")\t\(tenant.strategy ?? "default")\t\(rate)\t\(tenant.defaultScope ?? "all-types")\t\(tenant.name)")
            }
        }
    }
}

struct Token: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a token signed with the primary key ($SYNC_JWT_SECRET, kid $SYNC_JWT_KEY_ID).")

    @OptionGroup var settings: SettingsOptions
    @Option var tenant: String
    @Option var sub: String
    @Option(help: "Lifetime in seconds") var ttl: Int = 3600
    @Option(help: "What the token may do, space-separated: sync:read:TYPE, sync:write:TYPE, * for every type (default: the tenant's default scope)")
    var scope: String?

    func run() throws {
        let configuration = try settings.load()
        guard configuration.problems.isEmpty else { throw ValidationError(configuration.problems.joined(separator: "\n")) }
        let now = Int64(Date().timeIntervalSince1970)
        print(try TokenSigner(keys: configuration.tokenKeys())
            .sign(tenantID: tenant, subject: sub, issuedAt: now, expiresAt: now + Int64(ttl), scope: scope))
    }
}

Syncd.main()

import Administration
import ArgumentParser
import Auth
import Foundation
import HTTPEdge
import LivePokes
import Postgres
import Settings
import SharedCounters
import Store
import Supervision
import SyncCore

struct Syncd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syncd",
        abstract: "The sync service: FastCGI workers behind nginx, PostgreSQL as the store.",
        version: Version.description,
        subcommands: [Serve.self, ConfigCommand.self, Migrate.self, SchemaCommand.self, OpenAPICommand.self, Prune.self, TenantCommand.self,
                      Token.self, RestoreComplete.self, WorkerCommand.self, BenchSQLCommand.self]
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

    /// The settings, from the environment with the settings file over it, and `overrides` (options) over
    /// both. Bad values and unknown names in the file are problems (`settingProblems`), not defaults.
    func read(overrides: [String: String] = [:]) throws -> Configuration {
        var environment = ProcessInfo.processInfo.environment
        let file = try config.map(Configuration.environmentFile) ?? [:]
        environment.merge(file) { $1 }
        environment.merge(overrides) { $1 }
        return Configuration.fromEnvironment(environment, fileNames: file.keys)
    }

    /// The settings, for a command that refuses to run on a bad one.
    func load() throws -> Configuration {
        let configuration = try read()
        guard configuration.settingProblems.isEmpty else {
            throw ValidationError("invalid settings:\n  " + configuration.settingProblems.joined(separator: "\n  "))
        }
        return configuration
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

    /// The entity types of the settings' SYNC_REGISTRY_FILE.
    func registry() throws -> Registry {
        try settings.read().loadRegistry()
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
        let overrides = [
            "SYNC_DATABASE_URL": database.databaseURL, "SYNC_LISTEN": listen, "SYNC_WORKERS": workers.map(String.init),
            "SYNC_THREADS": threads.map(String.init), "SYNC_SOCKET_MODE": socketMode, "SYNC_PID_FILE": pidFile,
        ].compactMapValues { $0 }
        try Master.run(load: { try options.database.settings.read(overrides: overrides) })
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

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check settings before using them.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the settings as serve and a reload do: every value, unknown names, the database, the migrations, the schema.",
            discussion: "Prints one line per problem and exits 1, or says the settings are fine and exits 0.")

        @OptionGroup var settings: SettingsOptions

        func run() throws {
            let configuration = try settings.read()
            let problems: [String]
            do {
                problems = Server.preflight(configuration: configuration, registry: try configuration.loadRegistry())
            } catch {
                problems = [error.description]
            }
            guard problems.isEmpty else {
                for problem in problems { print(problem) }
                throw ExitCode(1)
            }
            print("settings OK: the service can serve with them (\(settings.config ?? "the environment"))")
        }
    }
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the SQL migrations that have not been applied.",
        discussion: "With --status, list the applied and pending migrations instead, and exit 1 when any is pending.")

    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("sql-dir"), help: "Directory of numbered .sql files (default: $SYNC_SQL_DIR or ./sql)")
    var sqlDirectory: String?
    @Option(name: .customLong("service-role"), help: "The role the service connects as, granted its rights (default: $SYNC_SERVICE_ROLE or sync_service)")
    var serviceRole: String?
    @Flag(help: "Only list which migrations are applied and which are pending")
    var status = false

    func run() throws {
        let settings = try database.settings.load()
        if status {
            let state = try Migrator.status(connection: database.connect(), files: Migrator.files(in: sqlDirectory ?? settings.sqlDirectory))
            for migration in state.applied where !state.unknown.contains(migration.file) { print("applied  \(migration.file)  \(migration.at)") }
            for file in state.pending { print("pending  \(file)") }
            for file in state.unknown { print("unknown  \(file)  (applied, but not in the directory: a newer program's)") }
            if !state.pending.isEmpty { throw ExitCode(1) }
            return
        }
        let applied = try Migrator.migrate(connection: database.connect(), directory: sqlDirectory ?? settings.sqlDirectory,
                                           serviceRole: serviceRole ?? settings.serviceRole)
        print(applied.isEmpty ? "schema is up to date" : "applied: \(applied.joined(separator: ", "))")
    }
}

struct RestoreComplete: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore-complete",
        abstract: "Mark a restore from a backup, before the service serves the restored database.",
        discussion: """
            Devices remember positions from after the backup, which the restored database has forgotten. For \
            every tenant this records the positions the restore lost; a device that comes back with one is \
            answered 410 reset_required, and pulls from the start and pushes its local changes again. Run it \
            once per restore (README, "Backups and restores").
            """)

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let marked = try TenantAdmin(connection: database.connect()).markRestore(registry: database.registry())
        Log.info("restore marked", [("tenants", .int(Int64(marked)))])
        print("restore marked for \(marked) tenants: devices holding positions from after the backup will be told to reset")
    }
}

struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove history older than $SYNC_LOG_RETENTION_DAYS and expired Idempotency-Keys (serve does it every minute).")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let settings = try database.settings.load()
        let pruned = try Maintenance.prune(connection: database.connect(), logRetentionDays: settings.logRetentionDays,
                                           keyLifetimeSeconds: settings.idempotencyLifetimeSeconds)
        print("removed \(pruned.logEntries) log entries and \(pruned.idempotencyKeys) idempotency keys")
    }
}

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema", abstract: "Bring the entity tables to the registry (SYNC_REGISTRY_FILE).",
        discussion: """
            The service's own tables come from the migrations (syncd migrate); the entity types' tables come \
            from the registry. After an edit of the registry: schema plan, schema apply, then reload the service \
            (README, "Adding an entity type").
            """,
        subcommands: [Plan.self, Apply.self]
    )

    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the SQL that brings the database to the registry; exit 1 when a change cannot be made safely.")
        @OptionGroup var database: DatabaseOptions
        func run() throws {
            let plan = try SchemaPlan.make(registry: database.registry(), connection: database.connect())
            print(plan.script, terminator: "")
            if !plan.refusals.isEmpty { throw ExitCode(1) }
        }
    }

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the plan in one transaction (all or nothing), as the tables' owner.")
        @OptionGroup var database: DatabaseOptions
        func run() throws {
            let connection = try database.connect()
            let plan = try SchemaPlan.make(registry: database.registry(), connection: connection)
            guard plan.refusals.isEmpty else {
                print(plan.script, terminator: "")
                throw ExitCode(1)
            }
            guard !plan.steps.isEmpty else {
                print("the database matches the registry: nothing to do")
                return
            }
            try SchemaPlan.apply(plan, serviceRole: database.settings.load().serviceRole, connection: connection)
            Log.info("schema applied", [("statements", .int(Int64(plan.steps.count)))])
            print("applied \(plan.steps.count) statements; reload the service to serve the registry (systemctl reload syncd)")
        }
    }
}

struct BenchSQLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-sql", abstract: "Write scripts/bench's pgbench scripts of the service's own statements into a directory.",
        shouldDisplay: false)
    @OptionGroup var settings: SettingsOptions
    @Argument var directory: String
    func run() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for script in BenchSQL.scripts(registry: try settings.read().loadRegistry()) {
            try script.text.write(toFile: "\(directory)/\(script.name).sql", atomically: true, encoding: .utf8)
        }
    }
}

struct OpenAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi",
        abstract: "Print the API's OpenAPI document for the registry in force (SYNC_REGISTRY_FILE).",
        discussion: "openapi.yaml in the source is this for the shipped registry; clients generate their code from it.")
    @OptionGroup var settings: SettingsOptions
    func run() throws {
        print(OpenAPIDocument.render(try settings.read().loadRegistry()), terminator: "")
    }
}

struct TenantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant", abstract: "Manage tenants.",
        subcommands: [Add.self, Suspend.self, Activate.self, Set.self, List.self, Erase.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a tenant (an existing one is an error).")
        @OptionGroup var database: DatabaseOptions
        @Argument var id: String
        @Option var name: String?
        func run() throws {
            try TenantAdmin(connection: database.connect()).add(id, name: name)
            print("tenant \(id) added")
        }
    }

    struct Erase: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete every row of a tenant in every table, and the tenant, in one transaction.",
            discussion: "Records, tombstones, history, conflicts, idempotency records (which hold payloads), the clock. Cannot be undone.")
        @OptionGroup var database: DatabaseOptions
        @Argument var id: String
        @Option(name: .customLong("confirm"), help: "The tenant's id again: nothing is erased without it")
        var confirmation: String?
        func run() throws {
            guard confirmation == id else {
                throw ValidationError("erasing \(id) cannot be undone: repeat its id with --confirm \(id)")
            }
            let removed = try TenantAdmin(connection: database.connect()).erase(id, registry: database.registry())
            let counts = removed.map { "\($0.table) \($0.rows)" }.joined(separator: ", ")
            Log.info("tenant erased", [("tenant", .string(id))] + removed.map { ($0.table, .int(Int64($0.rows))) })
            print("tenant \(id) erased: \(counts)")
        }
    }

    struct Suspend: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse the tenant's requests (403).")
        @OptionGroup var database: DatabaseOptions
        @Argument var id: String
        func run() throws {
            try TenantAdmin(connection: database.connect()).setActive(id, false)
            print("tenant \(id) suspended")
            // Its live-poke subscriptions end now; a device that reconnects within the workers' tenant
            // cache may still be let in, so they end again once the cache has moved on.
            let settings = try database.settings.load()
            guard let publisher = settings.pokeAddress.flatMap(PokePublisher.init(address:)) else { return }
            publisher.closeSubscriptions(tenant: id)
            Thread.sleep(forTimeInterval: settings.tenantCacheSeconds + 1)
            publisher.closeSubscriptions(tenant: id)
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
                try admin.setDefaultScope(id, defaultScope == "default" ? nil : defaultScope, registry: database.registry())
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

Build.version = Version.number
Build.commit = buildCommit
Syncd.main()

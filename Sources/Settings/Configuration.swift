import Auth
import FastCGI
import SyncCore

/// The service's settings. Read from the environment in one place (`fromEnvironment`);
/// command-line options override them.
public struct Configuration: Sendable {
    /// What the service connects with: a role that owns no table, so that row-level security applies.
    public var databaseURL: String
    /// What `migrate` and `tenant` connect with: the tables' owner. Defaults to `databaseURL`.
    public var adminDatabaseURL: String
    /// The role `migrate` grants the service's rights to.
    public var serviceRole: String
    /// The primary HS256 secret: it signs `token`'s tokens and verifies tokens without a `kid`.
    public var jwtSecret: String
    /// The primary secret's key id, put in the `kid` header of the tokens it signs.
    public var jwtKeyID: String?
    /// More secrets that verify tokens whose `kid` names them: `kid=secret` pairs, space-separated.
    public var jwtOtherKeys: String
    /// When set, tokens must carry this `iss`, and this among their `aud`.
    public var jwtIssuer: String?
    public var jwtAudience: String?
    /// When above 0, `exp` may be at most this many seconds after `iat`.
    public var jwtMaxLifetimeSeconds: Int
    /// A unix socket path, or `HOST:PORT` for TCP.
    public var listen: String
    /// Permissions of a unix socket, so that nginx's user can connect.
    public var socketMode: UInt32
    /// For a TCP `listen`: the IPv4 addresses allowed to connect (comma-separated), nginx's. FastCGI has
    /// no authentication and no TLS, so a non-loopback address without them is refused.
    public var fastcgiAllowedAddresses: String
    /// Worker processes the master keeps running.
    public var workerProcesses: Int
    /// Threads per worker process, each with its own database connection.
    public var workerThreads: Int
    public var maximumBodyBytes: Int
    public var maximumPushRecords: Int
    /// How long a tenant lookup is trusted; CLI changes take effect within this time.
    public var tenantCacheSeconds: Double
    /// Records a pull or pull-pending returns when the request gives no `limit`, and the most it may ask for.
    public var pageDefaultLimit: Int
    public var pageMaximumLimit: Int
    /// A pull or pull-pending page stops after the record that brings its JSON to this many bytes
    /// (a single larger record still goes, alone): a worker's memory is bounded by this, not by rows.
    public var pageMaximumBytes: Int
    /// How long a push's Idempotency-Key and its stored response are kept.
    public var idempotencyLifetimeSeconds: Int
    /// How long entries of `sync_log` are kept.
    public var logRetentionDays: Int
    /// Requests per second per tenant (burst the same) for tenants without their own limit; 0 is unlimited.
    public var defaultRateLimit: Int
    /// How far ahead of the server's clock a device's `updatedAt` is believed; later ones are stored as the
    /// time the push arrived (and said so in the response).
    public var clockSkewSeconds: Int
    /// nginx's nchan publisher (`host:port`, an IPv4 host, loopback in practice): a poke goes there after
    /// every push that changed something (README, "Live pokes"). Nil: no pokes.
    public var pokeAddress: String?
    /// The least time between two pokes of one tenant; what changes in between goes in one poke when it
    /// has passed (0: a poke per burst of 10 ms).
    public var pokeIntervalSeconds: Double
    /// The shared metrics and rate-limit file; one per service.
    public var scoreboardPath: String
    /// One JSON line per request on standard error.
    public var logRequests: Bool
    /// `info`, or `error` for errors only.
    public var logLevel: Log.Level
    /// How long SIGTERM waits for the requests in flight.
    public var shutdownGraceSeconds: Double
    /// Where the master writes its process id.
    public var pidFile: String?
    /// The numbered SQL migrations: `migrate` applies them, and the service serves only when all are applied.
    public var sqlDirectory: String
    /// The entity types (registry/registry.json): read at start and on reload, checked before anything serves.
    public var registryPath: String

    public var pageLimits: PageLimits { PageLimits(defaultLimit: pageDefaultLimit, maximumLimit: pageMaximumLimit) }

    public static let defaultListen = "/run/syncd/syncd.sock"
    /// Worker processes the scoreboard has room for: twice the most SYNC_WORKERS allows, so that a
    /// reload can start every new worker before the old ones leave.
    public static let maximumWorkerSlots = 64

    /// Bad values of these settings (a number that does not parse, out of range) and unknown names in a
    /// settings file: every command refuses to run with any.
    public var settingProblems: [String] = []
    /// Every known setting with the value it was read from ("" when unset): what the master hands its
    /// workers, so that they read exactly what it read.
    public var settings: [String: String] = [:]
    private var settingDefaults: [String: String] = [:]

    /// Reads the settings from `environment`. `fileNames` are the names a settings file gave: an unknown
    /// `SYNC_*` name there is a problem (the process environment may hold other programs' SYNC_ names).
    public static func fromEnvironment(_ environment: [String: String], fileNames: some Sequence<String> = [String]()) -> Configuration {
        var read = SettingsReader(environment)
        var configuration = Configuration(
            databaseURL: read.string("SYNC_DATABASE_URL", default: "postgresql:///syncd"),
            adminDatabaseURL: read.optionalString("SYNC_ADMIN_DATABASE_URL") ?? environment["SYNC_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
                ?? "postgresql:///syncd",
            serviceRole: read.string("SYNC_SERVICE_ROLE", default: "sync_service"),
            jwtSecret: read.string("SYNC_JWT_SECRET", default: ""),
            jwtKeyID: read.optionalString("SYNC_JWT_KEY_ID"),
            jwtOtherKeys: read.string("SYNC_JWT_OTHER_KEYS", default: ""),
            jwtIssuer: read.optionalString("SYNC_JWT_ISSUER"),
            jwtAudience: read.optionalString("SYNC_JWT_AUDIENCE"),
            jwtMaxLifetimeSeconds: read.integer("SYNC_JWT_MAX_LIFETIME_SECONDS", default: 0, in: 0...(10 * 365 * 86_400)),
            listen: read.string("SYNC_LISTEN", default: defaultListen),
            socketMode: read.octalMode("SYNC_SOCKET_MODE", default: 0o660),
            fastcgiAllowedAddresses: read.string("SYNC_FASTCGI_ALLOWED_ADDRS", default: ""),
            workerProcesses: read.integer("SYNC_WORKERS", default: 2, in: 1...Configuration.maximumWorkerSlots / 2),
            workerThreads: read.integer("SYNC_THREADS", default: 4, in: 1...256),
            maximumBodyBytes: read.integer("SYNC_MAX_BODY_BYTES", default: 10 << 20, in: 1024...(1 << 30)),
            maximumPushRecords: read.integer("SYNC_MAX_PUSH_RECORDS", default: 1000, in: 1...100_000),
            tenantCacheSeconds: read.seconds("SYNC_TENANT_CACHE_SECONDS", default: 2, in: 0...60),
            pageDefaultLimit: read.integer("SYNC_PAGE_DEFAULT_LIMIT", default: 1000, in: 1...100_000),
            pageMaximumLimit: read.integer("SYNC_PAGE_MAX_LIMIT", default: 5000, in: 1...100_000),
            pageMaximumBytes: read.integer("SYNC_PAGE_MAX_BYTES", default: 4 << 20, in: 1024...(1 << 30)),
            idempotencyLifetimeSeconds: read.integer("SYNC_IDEMPOTENCY_TTL_SECONDS", default: 86_400, in: 60...(365 * 86_400)),
            logRetentionDays: read.integer("SYNC_LOG_RETENTION_DAYS", default: 30, in: 1...36_500),
            defaultRateLimit: read.integer("SYNC_DEFAULT_RATE_LIMIT", default: 0, in: 0...1_000_000),
            clockSkewSeconds: read.integer("SYNC_CLOCK_SKEW_SECONDS", default: 60, in: 0...86_400),
            pokeAddress: read.optionalString("SYNC_POKE_ADDRESS"),
            pokeIntervalSeconds: read.seconds("SYNC_POKE_INTERVAL_SECONDS", default: 0, in: 0...60),
            scoreboardPath: read.string("SYNC_SCOREBOARD", default: "/dev/shm/syncd-scoreboard"),
            logRequests: read.flag("SYNC_LOG_REQUESTS", default: true),
            logLevel: read.choice("SYNC_LOG_LEVEL", default: "info", choices: ["info", "error"], parse: Log.Level.init(name:)),
            shutdownGraceSeconds: read.seconds("SYNC_SHUTDOWN_GRACE_SECONDS", default: 10, in: 0...3600),
            pidFile: read.optionalString("SYNC_PID_FILE"),
            sqlDirectory: read.string("SYNC_SQL_DIR", default: "sql"),
            registryPath: read.string("SYNC_REGISTRY_FILE", default: "registry/registry.json")
        )
        if let address = configuration.pokeAddress, IPv4Endpoint(address) == nil {
            read.problem("SYNC_POKE_ADDRESS (\(address)) must be host:port with an IPv4 host, such as 127.0.0.1:8085")
        }
        if configuration.pageDefaultLimit > configuration.pageMaximumLimit {
            read.problem("SYNC_PAGE_DEFAULT_LIMIT (\(configuration.pageDefaultLimit)) is above SYNC_PAGE_MAX_LIMIT (\(configuration.pageMaximumLimit))")
        }
        configuration.settingProblems = read.problems + read.unknownNames(in: fileNames)
        configuration.settings = Dictionary(uniqueKeysWithValues: read.names.map { ($0, environment[$0] ?? "") })
        configuration.settingDefaults = read.defaults
        return configuration
    }

    /// Every setting's name, in the order `fromEnvironment` reads them.
    public static var settingNames: [String] { fromEnvironment([:]).settings.keys.sorted() }

    /// Every setting's default as the README's table spells it ("" where there is none).
    public static var defaults: [String: String] { fromEnvironment([:]).settingDefaults }

    /// The secrets tokens are verified with.
    public func tokenKeys() throws(TokenKeyListError) -> TokenKeys {
        TokenKeys(primary: jwtSecret, keyID: jwtKeyID, others: try TokenKeys.parseOthers(jwtOtherKeys))
    }

    public var tokenPolicy: TokenPolicy {
        TokenPolicy(maximumLifetimeSeconds: jwtMaxLifetimeSeconds > 0 ? Int64(jwtMaxLifetimeSeconds) : nil,
                    issuer: jwtIssuer, audience: jwtAudience)
    }

    /// Why these settings cannot serve, one line per problem: `serve` refuses to start, and a reload
    /// refuses to apply, while there is any.
    public var problems: [String] {
        do {
            var problems = settingProblems + (try tokenKeys().weaknesses(setting: "SYNC_JWT_SECRET"))
            if let jwtKeyID, jwtKeyID.utf8.count > 64 || !jwtKeyID.utf8.allSatisfy(TokenKeys.isKeyIDCharacter) {
                problems.append("SYNC_JWT_KEY_ID may hold only letters, digits, '.', '_' and '-' (at most 64)")
            }
            if WorkerPool.tcpHost(of: listen) != nil, !(1...65535).contains(WorkerPool.tcpPort(of: listen) ?? 0) {
                problems.append("SYNC_LISTEN \(listen): a TCP port is 1 to 65535 (a unix socket path has no colon)")
            }
            if let host = WorkerPool.tcpHost(of: listen), !["127.0.0.1", "localhost", "::1", "[::1]"].contains(host),
               fastcgiAllowedAddresses.split(separator: ",").isEmpty {
                problems.append("SYNC_LISTEN \(listen) accepts FastCGI from the network, which has no authentication and no "
                    + "TLS: set SYNC_FASTCGI_ALLOWED_ADDRS to the addresses of the nginx hosts")
            }
            return problems
        } catch {
            return settingProblems + ["SYNC_JWT_OTHER_KEYS: \(error.description)"]
        }
    }
}

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

    public var pageLimits: PageLimits { PageLimits(defaultLimit: pageDefaultLimit, maximumLimit: pageMaximumLimit) }

    public static let defaultListen = "/run/syncd/syncd.sock"

    public static func fromEnvironment(_ environment: [String: String]) -> Configuration {
        Configuration(
            databaseURL: environment["SYNC_DATABASE_URL"] ?? "postgresql:///syncd",
            adminDatabaseURL: environment["SYNC_ADMIN_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
                ?? environment["SYNC_DATABASE_URL"] ?? "postgresql:///syncd",
            serviceRole: environment["SYNC_SERVICE_ROLE"].flatMap { $0.isEmpty ? nil : $0 } ?? "sync_service",
            jwtSecret: environment["SYNC_JWT_SECRET"] ?? "",
            jwtKeyID: environment["SYNC_JWT_KEY_ID"].flatMap { $0.isEmpty ? nil : $0 },
            jwtOtherKeys: environment["SYNC_JWT_OTHER_KEYS"] ?? "",
            jwtIssuer: environment["SYNC_JWT_ISSUER"].flatMap { $0.isEmpty ? nil : $0 },
            jwtAudience: environment["SYNC_JWT_AUDIENCE"].flatMap { $0.isEmpty ? nil : $0 },
            jwtMaxLifetimeSeconds: environment["SYNC_JWT_MAX_LIFETIME_SECONDS"].flatMap { Int($0) } ?? 0,
            listen: environment["SYNC_LISTEN"] ?? defaultListen,
            socketMode: environment["SYNC_SOCKET_MODE"].flatMap { UInt32($0, radix: 8) } ?? 0o660,
            fastcgiAllowedAddresses: environment["SYNC_FASTCGI_ALLOWED_ADDRS"] ?? "",
            workerProcesses: min(32, max(1, environment["SYNC_WORKERS"].flatMap { Int($0) } ?? 2)),
            workerThreads: max(1, environment["SYNC_THREADS"].flatMap { Int($0) } ?? 4),
            maximumBodyBytes: environment["SYNC_MAX_BODY_BYTES"].flatMap { Int($0) } ?? 10 << 20,
            maximumPushRecords: environment["SYNC_MAX_PUSH_RECORDS"].flatMap { Int($0) } ?? 1000,
            tenantCacheSeconds: environment["SYNC_TENANT_CACHE_SECONDS"].flatMap { Double($0) } ?? 2,
            pageDefaultLimit: environment["SYNC_PAGE_DEFAULT_LIMIT"].flatMap { Int($0) } ?? 1000,
            pageMaximumLimit: environment["SYNC_PAGE_MAX_LIMIT"].flatMap { Int($0) } ?? 5000,
            pageMaximumBytes: max(1024, environment["SYNC_PAGE_MAX_BYTES"].flatMap { Int($0) } ?? 4 << 20),
            idempotencyLifetimeSeconds: environment["SYNC_IDEMPOTENCY_TTL_SECONDS"].flatMap { Int($0) } ?? 86_400,
            logRetentionDays: environment["SYNC_LOG_RETENTION_DAYS"].flatMap { Int($0) } ?? 30,
            defaultRateLimit: environment["SYNC_DEFAULT_RATE_LIMIT"].flatMap { Int($0) } ?? 0,
            scoreboardPath: environment["SYNC_SCOREBOARD"] ?? "/dev/shm/syncd-scoreboard",
            logRequests: environment["SYNC_LOG_REQUESTS"].map { $0 != "0" && $0 != "false" } ?? true,
            logLevel: environment["SYNC_LOG_LEVEL"].flatMap(Log.Level.init(name:)) ?? .info,
            shutdownGraceSeconds: environment["SYNC_SHUTDOWN_GRACE_SECONDS"].flatMap { Double($0) } ?? 10,
            pidFile: environment["SYNC_PID_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        )
    }

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
            var problems = try tokenKeys().weaknesses(setting: "SYNC_JWT_SECRET")
            if let jwtKeyID, jwtKeyID.utf8.count > 64 || !jwtKeyID.utf8.allSatisfy(TokenKeys.isKeyIDCharacter) {
                problems.append("SYNC_JWT_KEY_ID may hold only letters, digits, '.', '_' and '-' (at most 64)")
            }
            if let host = WorkerPool.tcpHost(of: listen), !["127.0.0.1", "localhost", "::1", "[::1]"].contains(host),
               fastcgiAllowedAddresses.split(separator: ",").isEmpty {
                problems.append("SYNC_LISTEN \(listen) accepts FastCGI from the network, which has no authentication and no "
                    + "TLS: set SYNC_FASTCGI_ALLOWED_ADDRS to the addresses of the nginx hosts")
            }
            return problems
        } catch {
            return ["SYNC_JWT_OTHER_KEYS: \(error.description)"]
        }
    }
}

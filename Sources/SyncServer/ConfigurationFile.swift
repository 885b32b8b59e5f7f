import Foundation

extension Configuration {
    public struct FileError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The settings of an environment file (`KEY=value` lines, `#` comments, optional quotes), the
    /// format systemd's EnvironmentFile reads. `serve --config FILE` reads it at start and on SIGHUP.
    public static func environmentFile(_ path: String) throws -> [String: String] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw FileError(description: "cannot read \(path): \(error.localizedDescription)")
        }
        var values: [String: String] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            if line.hasPrefix("export ") { line.removeFirst(7) }
            guard let equals = line.firstIndex(of: "=") else {
                throw FileError(description: "\(path):\(number + 1): expected KEY=value")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[key] = value
        }
        return values
    }

    /// The settings as environment variables, for a worker process to read back with `fromEnvironment`.
    public var environment: [String: String] {
        [
            "SYNC_DATABASE_URL": databaseURL, "SYNC_ADMIN_DATABASE_URL": adminDatabaseURL, "SYNC_SERVICE_ROLE": serviceRole,
            "SYNC_JWT_SECRET": jwtSecret, "SYNC_LISTEN": listen,
            "SYNC_JWT_KEY_ID": jwtKeyID ?? "", "SYNC_JWT_OTHER_KEYS": jwtOtherKeys, "SYNC_JWT_ISSUER": jwtIssuer ?? "",
            "SYNC_JWT_AUDIENCE": jwtAudience ?? "", "SYNC_JWT_MAX_LIFETIME_SECONDS": String(jwtMaxLifetimeSeconds),
            "SYNC_SOCKET_MODE": String(socketMode, radix: 8),
            "SYNC_FASTCGI_ALLOWED_ADDRS": fastcgiAllowedAddresses, "SYNC_WORKERS": String(workerProcesses),
            "SYNC_THREADS": String(workerThreads), "SYNC_MAX_BODY_BYTES": String(maximumBodyBytes),
            "SYNC_MAX_PUSH_RECORDS": String(maximumPushRecords), "SYNC_TENANT_CACHE_SECONDS": String(tenantCacheSeconds),
            "SYNC_PAGE_DEFAULT_LIMIT": String(pageDefaultLimit), "SYNC_PAGE_MAX_LIMIT": String(pageMaximumLimit),
            "SYNC_PAGE_MAX_BYTES": String(pageMaximumBytes),
            "SYNC_IDEMPOTENCY_TTL_SECONDS": String(idempotencyLifetimeSeconds), "SYNC_LOG_RETENTION_DAYS": String(logRetentionDays),
            "SYNC_DEFAULT_RATE_LIMIT": String(defaultRateLimit), "SYNC_SCOREBOARD": scoreboardPath,
            "SYNC_LOG_REQUESTS": logRequests ? "1" : "0", "SYNC_LOG_LEVEL": logLevel == .info ? "info" : "error", "SYNC_SHUTDOWN_GRACE_SECONDS": String(shutdownGraceSeconds),
            "SYNC_PID_FILE": pidFile ?? "",
        ]
    }
}

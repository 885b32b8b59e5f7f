import Foundation
import Postgres

/// Applies the numbered SQL files of a directory (`001_name.sql`, ...) that have not been applied
/// yet, each in its own transaction, under an advisory lock so that concurrent runs wait.
public enum Migrator {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The files applied by this run, in order. Then grants `serviceRole` what the service needs, once the
    /// migrations define how (sql/009), on every run, so that tables of later migrations are granted too.
    @discardableResult
    public static func migrate(connection: Connection, directory: String, serviceRole: String? = nil) throws -> [String] {
        let files = try files(in: directory)
        try connection.execute("SET client_min_messages = warning")
        try connection.execute("SELECT pg_advisory_lock(746359201)")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(746359201)") }
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version text PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        let done = try connection.execute("SELECT version FROM schema_migrations")
        let applied = Set((0..<done.rowCount).compactMap { done.string(row: $0, column: 0) })
        var ran: [String] = []
        for file in files where !applied.contains(file) {
            let sql = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            do {
                try connection.transaction {
                    try connection.executeScript(sql)
                    try connection.execute("INSERT INTO schema_migrations (version) VALUES ($1)", [file])
                }
            } catch let error as PostgresError {
                throw Failure(description: "\(file): \(error.debugDescription)")
            }
            ran.append(file)
        }
        if let serviceRole { try grant(serviceRole, connection: connection) }
        return ran
    }

    /// The numbered `.sql` files of `directory`, in the order they apply.
    public static func files(in directory: String) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw Failure(description: "cannot read the migrations in \(directory) (SYNC_SQL_DIR)")
        }
        let files = names.filter { $0.hasSuffix(".sql") && $0.first?.isNumber == true }.sorted()
        guard !files.isEmpty else { throw Failure(description: "no migrations in \(directory) (SYNC_SQL_DIR)") }
        return files
    }

    /// A migration's number: the digits its name starts with (`010_tenant_erasure.sql` is 10).
    public static func number(of file: String) -> Int? {
        Int(file.prefix { $0.isNumber })
    }

    public struct Status {
        /// Applied, with when: (file, time as PostgreSQL prints it).
        public let applied: [AppliedMigration]
        /// In the directory, not applied.
        public let pending: [String]
        /// Applied, but not in the directory: the database is newer than this program's migrations.
        public var unknown: [String]

        /// What stops the service while any migration is pending; nil when none is.
        public var pendingProblem: String? {
            pending.isEmpty ? nil : "migrations not applied: \(pending.joined(separator: ", "))"
        }
    }

    /// Which of `files` the database has applied.
    public static func status(connection: Connection, files: [String]) throws -> Status {
        let exists = try connection.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")
        var applied: [AppliedMigration] = []
        if exists.bool(row: 0, column: 0) == true {
            let rows = try connection.execute("SELECT version, applied_at::text FROM schema_migrations ORDER BY version")
            applied = (0..<rows.rowCount).map { AppliedMigration(file: rows.string(row: $0, column: 0) ?? "", at: rows.string(row: $0, column: 1) ?? "") }
        }
        let done = Set(applied.map(\.file))
        return Status(applied: applied, pending: files.filter { !done.contains($0) },
                      unknown: applied.map(\.file).filter { !files.contains($0) })
    }

    private static func grant(_ serviceRole: String, connection: Connection) throws {
        let defined = try connection.execute("SELECT to_regprocedure('sync_grant_service(name)') IS NOT NULL")
        guard defined.bool(row: 0, column: 0) == true else { return }
        do {
            try connection.execute("SELECT sync_grant_service($1)", [serviceRole])
        } catch {
            throw Failure(description: error.message)
        }
    }
}

/// A migration the database has applied: its file and when.
public struct AppliedMigration: Sendable {
    public let file: String
    public let at: String
}

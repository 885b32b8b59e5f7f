import Administration
import FastCGI
import Foundation
import Postgres
import Settings
import Store
import SyncCore

/// What the master checks before it starts any worker.
public enum Server {
    public struct StartupError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Everything that stops these settings from serving, one line each: bad or unknown settings, a
    /// weak secret, a database the service's role cannot reach, migrations of `sqlDirectory` not
    /// applied, a schema that differs from the registry, tenants not walled in. `serve` refuses to start,
    /// a reload refuses to replace any worker, and `syncd config check` fails, on any of them.
    public static func preflight(configuration: Configuration, registry: Registry) -> [String] {
        // libpq's messages run over several lines; each problem is one.
        problems(configuration: configuration, registry: registry).map {
            $0.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        }
    }

    private static func problems(configuration: Configuration, registry: Registry) -> [String] {
        var problems = configuration.problems
        let connection: Connection
        do {
            connection = try Connection(url: configuration.databaseURL)
        } catch {
            return problems + ["cannot reach the database as the service (SYNC_DATABASE_URL): \(error.message)"]
        }
        do {
            let status = try Migrator.status(connection: connection, files: Migrator.files(in: configuration.sqlDirectory))
            if let pending = status.pendingProblem {
                // The schema checks would only restate what is missing.
                return problems + [pending + "; run `syncd migrate`"]
            }
            problems += try SchemaCheck.mismatches(registry: registry, connection: connection)
                .map { "the schema does not match the registry: \($0)" }
            problems += try SchemaCheck.wallProblems(registry: registry, connection: connection)
                .map { "tenants would not be walled in by row-level security: \($0)" }
        } catch let error as Migrator.Failure {
            problems.append(error.description)
        } catch {
            problems.append("cannot check the schema: \(error)")
        }
        return problems
    }
}

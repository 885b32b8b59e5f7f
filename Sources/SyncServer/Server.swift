import FastCGI
import Foundation
import Postgres
import SyncCore

/// What the master checks before it starts any worker.
public enum Server {
    public struct StartupError: Error, CustomStringConvertible {
        public let description: String
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
        let wall = try SchemaCheck.wallProblems(registry: registry, connection: connection)
        guard wall.isEmpty else {
            throw StartupError(description: "tenants would not be walled in by row-level security:\n  " + wall.joined(separator: "\n  "))
        }
    }
}

import Foundation
import SyncCore

/// A registry file that cannot be used: unreadable, or with problems, each on a line of its own with
/// the file's path and the line it is about.
public struct RegistryError: Error, CustomStringConvertible {
    public let description: String
}

extension Configuration {
    /// The entity types of `registryPath` (SYNC_REGISTRY_FILE), checked (RegistryFile). Read at start
    /// and on every reload, so that an added type needs no new program, only `syncd schema apply`.
    public func loadRegistry() throws(RegistryError) -> Registry {
        guard let data = FileManager.default.contents(atPath: registryPath) else {
            throw RegistryError(description: "cannot read the registry \(registryPath) (SYNC_REGISTRY_FILE)")
        }
        do {
            return try RegistryFile.parse(String(decoding: data, as: UTF8.self))
        } catch {
            throw RegistryError(description: error.issues.map { "\(registryPath): \($0)" }.joined(separator: "\n"))
        }
    }
}

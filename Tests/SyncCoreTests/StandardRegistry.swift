import Foundation
import SyncCore

extension Registry {
    /// The registry the service ships (registry/registry.json), which the tests take as their fixture.
    static let standard: Registry = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try! String(contentsOf: root.appendingPathComponent("registry/registry.json"), encoding: .utf8)
        return try! RegistryFile.parse(text)
    }()
}

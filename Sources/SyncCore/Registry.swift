/// The synced entity types, in the order pushes are applied and responses list them. The service reads
/// them from a file (registry/registry.json, through `RegistryFile`).
public struct Registry: Sendable {
    public let entityTypes: [EntityType]

    public init(_ entityTypes: [EntityType]) {
        self.entityTypes = entityTypes
    }

    public func entityType(named name: String) -> EntityType? {
        entityTypes.first { $0.name == name }
    }

    public var names: [String] { entityTypes.map(\.name) }
}

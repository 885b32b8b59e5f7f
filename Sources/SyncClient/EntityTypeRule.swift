/// What the client must know of an entity type beyond its fields: how a record is deleted (the
/// registry's soft delete: the server keeps the row as a tombstone that every device pulls).
public struct EntityTypeRule: Sendable, Hashable {
    public var name: String
    public var deletedField: String
    public var deletedValue: JSONValue

    public init(name: String, deletedField: String, deletedValue: JSONValue) {
        self.name = name
        self.deletedField = deletedField
        self.deletedValue = deletedValue
    }

    /// The types of the service's default registry (registry/registry.json).
    public static let standard: [EntityTypeRule] = [
        EntityTypeRule(name: "end_user", deletedField: "is_deleted", deletedValue: 1),
        EntityTypeRule(name: "interactions", deletedField: "status", deletedValue: "cancelled"),
    ]

    func isTombstone(_ record: SyncRecord) -> Bool { record[deletedField] == deletedValue }
}

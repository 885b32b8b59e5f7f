/// The synced entity types, in the order pushes are applied and responses list them.
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

extension Registry {
    /// The service's entity types. Adding one is an entry here plus a migration in sql/.
    public static let standard = Registry([
        EntityType(
            name: "end_user",
            table: "end_user",
            fields: [
                Field("name", .text(maxLength: 255)),
                Field("email", .text(maxLength: 255), nullable: true),
                Field("active", .flag, default: .int(1)),
                Field("is_deleted", .flag, default: .int(0)),
            ],
            aliases: [Alias("isDeleted", for: "is_deleted", conversion: .booleanToFlag)],
            deletedRule: RowRule([("is_deleted", .int(1))]),
            pendingRule: RowRule([("sync_status", .string("pending")), ("is_deleted", .int(0))]),
            defaultConflictStrategy: .lastWriteWins
        ),
        EntityType(
            name: "interactions",
            table: "interactions",
            fields: [
                Field("client_user_id", .uuid, nullable: true, references: "end_user"),
                Field("type", .text(maxLength: 50)),
                Field("title", .text(maxLength: 255), nullable: true),
                Field("description", .text(maxLength: 10_000), nullable: true),
                Field("date", .timestamp, nullable: true),
                Field("status", .oneOf(["pending", "completed", "cancelled"]), default: .string("pending")),
            ],
            deletedRule: RowRule([("status", .string("cancelled"))]),
            pendingRule: RowRule([("status", .string("pending"))]),
            defaultConflictStrategy: .lastWriteWins
        ),
    ])
}

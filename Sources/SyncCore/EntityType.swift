/// The description of one synced entity type. Everything the service does with an entity type
/// (validation, SQL, JSON, the schema check) is derived from this value.
public struct EntityType: Sendable {
    public let name: String
    public let table: String
    /// Every field, the sync fields included, in the order responses list them.
    public let fields: [Field]
    public let aliases: [Alias]
    /// Rows matching this rule are deleted for the client (tombstones).
    public let deletedRule: RowRule
    /// Rows matching this rule are returned by pull-pending.
    public let pendingRule: RowRule
    public let defaultConflictStrategy: ConflictStrategy
    /// A record as a client would push it, for the API's documentation.
    public let example: JSONObject?
    /// Where `last_updated` is among `fields`.
    public let lastUpdatedIndex: Int

    public init(
        name: String, table: String, fields: [Field], aliases: [Alias] = [],
        deletedRule: RowRule, pendingRule: RowRule, defaultConflictStrategy: ConflictStrategy, example: JSONObject? = nil
    ) {
        self.name = name
        self.table = table
        self.fields = [SyncFields.id] + fields + SyncFields.trailing
        lastUpdatedIndex = 1 + fields.count + (SyncFields.trailing.firstIndex { $0.name == SyncFields.lastUpdatedName } ?? 0)
        self.aliases = aliases
        self.deletedRule = deletedRule
        self.pendingRule = pendingRule
        self.defaultConflictStrategy = defaultConflictStrategy
        self.example = example
    }

    /// The name of its schemas in the API's documentation: `end_user` → `EndUser`.
    public var schemaName: String { EntityType.schemaName(of: name) }

    public static func schemaName(of name: String) -> String {
        name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    public func field(named name: String) -> Field? {
        fields.first { $0.name == name }
    }

    public func alias(named name: String) -> Alias? {
        aliases.first { $0.name == name }
    }
}

/// The fields every synced entity type has. Their columns are maintained by the database trigger
/// `sync_track_change` (see sql/), so writers other than this service are tracked too.
public enum SyncFields {
    public static let idName = "id"
    public static let versionName = "version"
    public static let syncStatusName = "sync_status"
    public static let serverSyncedName = "server_synced"
    public static let lastUpdatedName = "last_updated"
    public static let updatedAtName = "updatedAt"

    public static let syncStatuses = ["pending", "synced", "failed", "conflict"]

    static let id = Field(idName, .uuid)
    /// Every one of them, in the order an entity type lists them around its own fields.
    public static var all: [Field] { [id] + trailing }
    static let trailing: [Field] = [
        Field(syncStatusName, .oneOf(syncStatuses), default: .string("pending"), access: .serverManaged),
        Field(serverSyncedName, .flag, default: .int(0), access: .serverManaged),
        Field(lastUpdatedName, .timestamp, access: .databaseManaged),
        Field(versionName, .integer(1...Int64(Int32.max)), default: .int(1)),
        Field(updatedAtName, column: "updated_at", .timestamp, nullable: true),
    ]
}

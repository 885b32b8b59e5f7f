/// One field of an entity type: its JSON name, its column and what a client may send.
public struct Field: Sendable {
    public enum Access: Sendable, Equatable {
        /// The client's value is stored.
        case writable
        /// Accepted on input (and type-checked) but the server decides the stored value.
        case serverManaged
        /// Accepted on input (and type-checked) but maintained by the database trigger; never written by the service.
        case databaseManaged
    }

    public let name: String
    public let column: String
    public let type: FieldType
    public let isNullable: Bool
    /// Stored on create when the client does not send the field.
    public let defaultValue: JSON?
    public let access: Access
    /// The entity type whose `id` this field must name, within the same tenant.
    public let references: String?

    public init(
        _ name: String, column: String? = nil, _ type: FieldType, nullable: Bool = false,
        default defaultValue: JSON? = nil, access: Access = .writable, references: String? = nil
    ) {
        self.name = name
        self.column = column ?? name
        self.type = type
        self.isNullable = nullable
        self.defaultValue = defaultValue
        self.access = access
        self.references = references
    }

    /// A field the client must send when it creates a record.
    public var isRequiredOnCreate: Bool { !isNullable && defaultValue == nil && access == .writable }
}

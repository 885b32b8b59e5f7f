/// Where the next page of pull-pending starts: after the record with change stamp `after` of
/// `entityType` (stamps are unique within a tenant). Sent to clients as `entity_type~stamp`.
public struct PendingCursor: Equatable, Sendable {
    public let entityType: String
    public let after: Timestamp

    public init(entityType: String, after: Timestamp) {
        self.entityType = entityType
        self.after = after
    }

    public var text: String { "\(entityType)~\(after.description)" }

    public init?(text: String, registry: Registry) {
        let parts = text.split(separator: "~", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, registry.entityType(named: String(parts[0])) != nil,
              let after = Timestamp(iso8601: String(parts[1]))
        else { return nil }
        self.init(entityType: String(parts[0]), after: after)
    }
}

/// Where the next page of pull-pending starts: after the record of `entityType` with change stamp
/// `after` and id `id` (two transactions can stamp the same microsecond, so the id breaks the tie).
/// Sent to clients as `entity_type~stamp~id`; a cursor without the id (`entity_type~stamp`, from
/// before stamps could tie) resumes after every record of that stamp.
public struct PendingCursor: Equatable, Sendable {
    public let entityType: String
    public let after: Timestamp
    public let id: String?

    /// The greatest UUID: resuming after it skips every record of the stamp.
    public static let lastID = "ffffffff-ffff-ffff-ffff-ffffffffffff"

    public init(entityType: String, after: Timestamp, id: String?) {
        self.entityType = entityType
        self.after = after
        self.id = id
    }

    public var text: String { "\(entityType)~\(after.description)" + (id.map { "~\($0)" } ?? "") }

    public init?(text: String, registry: Registry) {
        let parts = text.split(separator: "~", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, registry.entityType(named: parts[0]) != nil, let after = Timestamp(iso8601: parts[1]) else { return nil }
        var id: String?
        if parts.count == 3 {
            guard let valid = UUIDText.normalized(parts[2]) else { return nil }
            id = valid
        }
        self.init(entityType: parts[0], after: after, id: id)
    }
}

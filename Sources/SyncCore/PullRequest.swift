/// A validated pull: the caller's records of these types changed after `since`, at most `limit`.
public struct PullRequest: Sendable {
    public let entityTypes: [EntityType]
    /// nil pulls everything.
    public let since: Timestamp?
    public let limit: Int

    /// `whenAbsent`: the types a request without `entityTypes` asks for (default: every registered type).
    public static func parse(_ body: JSON, registry: Registry, limits: PageLimits, whenAbsent: [EntityType]? = nil) throws(RequestError) -> PullRequest {
        guard let root = body.objectValue else { throw .invalid([ValidationIssue("the body must be a JSON object")]) }
        var issues = RequestFields.unknownKeys(in: root, allowed: ["lastSyncTimestamp", "entityTypes", "limit"])
        let since = RequestFields.timestamp(root["lastSyncTimestamp"], name: "lastSyncTimestamp", issues: &issues)
        let types = RequestFields.entityTypes(root["entityTypes"], registry: registry, whenAbsent: whenAbsent, issues: &issues)
        let limit = limits.limitValue(root["limit"], issues: &issues)
        guard issues.isEmpty else { throw .invalid(issues) }
        return PullRequest(entityTypes: types, since: since, limit: limit)
    }
}

/// A validated pull-pending: the caller's pending records of these types, a page at a time.
public struct PendingRequest: Sendable {
    public let entityTypes: [EntityType]
    /// Echoed as the response's `syncTimestamp`: pull-pending does not move the client's position.
    public let lastSyncTimestamp: Timestamp?
    public let limit: Int
    /// Where this page starts; nil for the first page.
    public let cursor: PendingCursor?

    public static func parse(_ body: JSON, registry: Registry, limits: PageLimits, whenAbsent: [EntityType]? = nil) throws(RequestError) -> PendingRequest {
        guard let root = body.objectValue else { throw .invalid([ValidationIssue("the body must be a JSON object")]) }
        var issues = RequestFields.unknownKeys(in: root, allowed: ["lastSyncTimestamp", "entityTypes", "limit", "cursor"])
        let since = RequestFields.timestamp(root["lastSyncTimestamp"], name: "lastSyncTimestamp", issues: &issues)
        let types = RequestFields.entityTypes(root["entityTypes"], registry: registry, whenAbsent: whenAbsent, issues: &issues)
        let limit = limits.limitValue(root["limit"], issues: &issues)
        var cursor: PendingCursor?
        if let value = root["cursor"], !value.isNull {
            cursor = value.stringValue.flatMap { PendingCursor(text: $0, registry: registry) }
            if cursor == nil || !types.contains(where: { $0.name == cursor?.entityType }) {
                issues.append(ValidationIssue(field: "cursor", "is not a nextCursor of this request"))
            }
        }
        guard issues.isEmpty else { throw .invalid(issues) }
        return PendingRequest(entityTypes: types, lastSyncTimestamp: since, limit: limit, cursor: cursor)
    }
}

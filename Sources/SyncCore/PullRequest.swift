/// A validated pull: the caller's records of these types changed after `since`.
public struct PullRequest: Sendable {
    public let entityTypes: [EntityType]
    /// nil pulls everything.
    public let since: Timestamp?

    public static func parse(_ body: JSON, registry: Registry) throws(RequestError) -> PullRequest {
        guard let root = body.objectValue else { throw .invalid([ValidationIssue("the body must be a JSON object")]) }
        var issues = RequestFields.unknownKeys(in: root, allowed: ["lastSyncTimestamp", "entityTypes"])
        let since = RequestFields.timestamp(root["lastSyncTimestamp"], name: "lastSyncTimestamp", issues: &issues)
        let types = RequestFields.entityTypes(root["entityTypes"], registry: registry, issues: &issues)
        guard issues.isEmpty else { throw .invalid(issues) }
        return PullRequest(entityTypes: types, since: since)
    }
}

/// A validated pull-pending: the caller's pending records of these types.
public struct PendingRequest: Sendable {
    public let entityTypes: [EntityType]
    /// Echoed as the response's `syncTimestamp`: pull-pending does not move the client's position.
    public let lastSyncTimestamp: Timestamp?

    public static func parse(_ body: JSON, registry: Registry) throws(RequestError) -> PendingRequest {
        guard let root = body.objectValue else { throw .invalid([ValidationIssue("the body must be a JSON object")]) }
        var issues = RequestFields.unknownKeys(in: root, allowed: ["lastSyncTimestamp", "entityTypes"])
        let since = RequestFields.timestamp(root["lastSyncTimestamp"], name: "lastSyncTimestamp", issues: &issues)
        let types = RequestFields.entityTypes(root["entityTypes"], registry: registry, issues: &issues)
        guard issues.isEmpty else { throw .invalid(issues) }
        return PendingRequest(entityTypes: types, lastSyncTimestamp: since)
    }
}

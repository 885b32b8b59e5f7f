/// Everything a client keeps between runs.
public struct SyncState: Codable, Sendable {
    /// The `syncTimestamp` of the last pull page applied, sent back untouched.
    public var position: String?
    /// The server's copy of every record received, by entity type and id (tombstones removed).
    public var records: [String: [String: SyncRecord]] = [:]
    /// Local changes not yet sent, oldest first.
    public var queue: [PendingChange] = []
    /// The push sent and not yet answered: sent again, with the same key, until it is.
    public var inFlight: PushInFlight?
    /// Changes the server refused for their content; kept for the app to fix or drop.
    public var refused: [RefusedChange] = []

    public init() {}
}

/// One local change to one record: the fields set, and the server version they were made on.
public struct PendingChange: Codable, Sendable, Hashable {
    public var entityType: String
    public var id: String
    public var fields: SyncRecord
    /// The version of the server copy the edit was made on; nil for a record the server has not seen.
    public var baseVersion: Int?
}

public struct PushInFlight: Codable, Sendable {
    public var idempotencyKey: String
    public var changes: [PendingChange]
}

public struct RefusedChange: Codable, Sendable, Hashable {
    public var change: PendingChange
    public var reason: String
}

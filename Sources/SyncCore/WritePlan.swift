/// A conflict the push met, as reported to the client.
public struct ConflictReport: Equatable, Sendable {
    public enum Winner: String, Sendable {
        case server, client, merged
        /// Nobody yet: a `manual` conflict waiting for a decision.
        case open
    }

    public let entityType: String
    public var id: String
    public let strategy: ConflictStrategy
    public let clientVersion: Int64
    public let serverVersion: Int64
    public let winner: Winner
    /// The conflict's row in `sync_conflicts`, once recorded.
    public var conflictID: Int64?

    public init(entityType: String, id: String, strategy: ConflictStrategy, clientVersion: Int64, serverVersion: Int64,
                winner: Winner, conflictID: Int64? = nil) {
        self.entityType = entityType
        self.id = id
        self.strategy = strategy
        self.clientVersion = clientVersion
        self.serverVersion = serverVersion
        self.winner = winner
        self.conflictID = conflictID
    }

    public var json: JSON {
        var object = JSONObject([
            ("entityType", .string(entityType)), ("id", .string(id)), ("strategy", .string(strategy.rawValue)),
            ("clientVersion", .int(clientVersion)), ("serverVersion", .int(serverVersion)),
            ("winner", .string(winner.rawValue)),
        ])
        if let conflictID { object["conflictId"] = .int(conflictID) }
        return .object(object)
    }
}

/// The server's side of edit times: when the push arrived, and how far ahead of that a device's clock
/// may run before its `updatedAt` is not believed. Device clocks drift and are set wrong; an edit stamped
/// years ahead would otherwise win every last-write-wins conflict until then.
public struct EditClock: Sendable {
    /// When the server received the push; nil where it is not known (no clamp, no stand-in time).
    public let receivedAt: Timestamp?
    public let toleranceMicroseconds: Int64

    public init(receivedAt: Timestamp?, toleranceSeconds: Int) {
        self.receivedAt = receivedAt
        self.toleranceMicroseconds = Int64(toleranceSeconds) * 1_000_000
    }

    public static let unknown = EditClock(receivedAt: nil, toleranceSeconds: 60)
}

/// A client `updatedAt` too far ahead of the server's clock, stored as the time the push arrived.
public struct ClockClamp: Equatable, Sendable {
    public let entityType: String
    public var id: String
    public let sent: Timestamp
    public let stored: Timestamp

    public var json: JSON {
        .object(JSONObject([("entityType", .string(entityType)), ("id", .string(id)),
                            ("sentUpdatedAt", .string(sent.description)), ("storedUpdatedAt", .string(stored.description))]))
    }
}

/// What to do with one pushed record, decided from the record and the locked server copy.
public struct WritePlan: Equatable, Sendable {
    public enum Action: Equatable, Sendable {
        /// Store a new record: every stored field by JSON name (database-managed ones excluded).
        case insert(JSONObject)
        /// Replace the stored record's fields with these, where the stored version is still `expectedVersion`.
        case update(JSONObject, expectedVersion: Int64)
        /// Leave the server copy as it is.
        case keep
        /// Leave the server copy as it is and answer it marked `sync_status` `conflict`: a decision is awaited.
        case awaitDecision
    }

    public let action: Action
    public let conflict: ConflictReport?
    /// Set when the client's `updatedAt` was ahead of the server's clock beyond the tolerance.
    public var clamped: ClockClamp? = nil

    /// Decides how a pushed record is applied. `stored` is the server copy (all fields by JSON name),
    /// read under a row lock in the same transaction, or nil when no record has this id.
    public static func decide(
        item: PushItem, id: String, stored: JSONObject?, entityType: EntityType, strategy: ConflictStrategy,
        clock: EditClock = .unknown
    ) -> Result<WritePlan, ValidationIssue> {
        var item = item
        var clamp: ClockClamp?
        if let receivedAt = clock.receivedAt, let sent = item.values[SyncFields.updatedAtName]?.stringValue.flatMap(Timestamp.init(iso8601:)),
           sent.microsecondsSinceEpoch > receivedAt.microsecondsSinceEpoch + clock.toleranceMicroseconds {
            item.values[SyncFields.updatedAtName] = .string(receivedAt.description)
            clamp = ClockClamp(entityType: entityType.name, id: id, sent: sent, stored: receivedAt)
        }
        return decideBelieving(item: item, id: id, stored: stored, entityType: entityType, strategy: strategy, receivedAt: clock.receivedAt)
            .map { plan in
                var plan = plan
                plan.clamped = clamp
                return plan
            }
    }

    private static func decideBelieving(
        item: PushItem, id: String, stored: JSONObject?, entityType: EntityType, strategy: ConflictStrategy, receivedAt: Timestamp?
    ) -> Result<WritePlan, ValidationIssue> {
        guard let stored else {
            return createdRecord(item: item, id: id, entityType: entityType).map {
                WritePlan(action: .insert($0), conflict: nil)
            }
        }
        let serverVersion = stored[SyncFields.versionName]?.intValue ?? 1
        let clientVersion = item.version ?? serverVersion
        if clientVersion == serverVersion {
            let record = synced(overlay(stored, with: item.values, entityType: entityType), version: serverVersion + 1)
            return .success(WritePlan(action: .update(record, expectedVersion: serverVersion), conflict: nil))
        }
        func report(_ winner: ConflictReport.Winner) -> ConflictReport {
            ConflictReport(entityType: entityType.name, id: id, strategy: strategy,
                           clientVersion: clientVersion, serverVersion: serverVersion, winner: winner)
        }
        // Omitted fields keep their stored values under every strategy; only an explicit null clears one.
        let clientCopy = synced(overlay(stored, with: item.values, entityType: entityType), version: serverVersion + 1)
        switch strategy {
        case .serverWins:
            return .success(WritePlan(action: .keep, conflict: report(.server)))
        case .clientWins:
            return .success(WritePlan(action: .update(clientCopy, expectedVersion: serverVersion), conflict: report(.client)))
        case .lastWriteWins:
            if clientEditIsLater(item: item, stored: stored, receivedAt: receivedAt) {
                return .success(WritePlan(action: .update(clientCopy, expectedVersion: serverVersion), conflict: report(.client)))
            }
            return .success(WritePlan(action: .keep, conflict: report(.server)))
        case .merge:
            let merged = synced(overlay(stored, with: item.values, entityType: entityType), version: serverVersion + 1)
            return .success(WritePlan(action: .update(merged, expectedVersion: serverVersion), conflict: report(.merged)))
        case .manual:
            return .success(WritePlan(action: .awaitDecision, conflict: report(.open)))
        }
    }

    /// The record that settles an open conflict: the server copy as it is (re-stamped so that every
    /// device receives the outcome), the client copy, or the server copy overlaid with `merged`.
    public static func resolve(
        _ resolution: ConflictReport.Winner, stored: JSONObject, clientValues: JSONObject, merged: JSONObject?,
        entityType: EntityType
    ) -> JSONObject {
        let serverVersion = stored[SyncFields.versionName]?.intValue ?? 1
        switch resolution {
        case .client:
            return synced(overlay(stored, with: clientValues, entityType: entityType), version: serverVersion + 1)
        case .merged:
            return synced(overlay(stored, with: merged ?? clientValues, entityType: entityType), version: serverVersion + 1)
        case .server, .open:
            return synced(overlay(stored, with: JSONObject(), entityType: entityType), version: serverVersion + 1)
        }
    }

    /// The client's edit time against the server copy's. A client that sent none edited when the push
    /// arrived, as far as anyone can tell (the seed's rule); where that is not known either, it does not win.
    static func clientEditIsLater(item: PushItem, stored: JSONObject, receivedAt: Timestamp?) -> Bool {
        guard let clientTime = item.values[SyncFields.updatedAtName]?.stringValue.flatMap(Timestamp.init(iso8601:)) ?? receivedAt
        else { return false }
        guard let serverText = stored[SyncFields.updatedAtName]?.stringValue,
              let serverTime = Timestamp(iso8601: serverText)
        else { return true }
        return clientTime > serverTime
    }

    static func createdRecord(item: PushItem, id: String, entityType: EntityType) -> Result<JSONObject, ValidationIssue> {
        var record = JSONObject()
        for field in entityType.fields where field.access != .databaseManaged {
            if field.name == SyncFields.idName {
                record[field.name] = .string(id)
            } else if field.name == SyncFields.versionName {
                record[field.name] = .int(item.version ?? 1)
            } else if let value = item.values[field.name] {
                record[field.name] = value
            } else if let value = field.defaultValue {
                record[field.name] = value
            } else if field.isNullable {
                record[field.name] = .null
            } else if field.access == .writable {
                return .failure(ValidationIssue(entityType: entityType.name, index: item.index, field: field.name,
                                                "is required for a new record"))
            }
        }
        return .success(synced(record, version: item.version ?? 1))
    }

    /// The server copy with exactly the fields the client sent replaced.
    static func overlay(_ stored: JSONObject, with values: JSONObject, entityType: EntityType) -> JSONObject {
        var record = JSONObject()
        for field in entityType.fields where field.access != .databaseManaged {
            record[field.name] = values[field.name] ?? stored[field.name] ?? .null
        }
        return record
    }

    /// A record as a push stores it: marked synced, at the given version.
    public static func synced(_ record: JSONObject, version: Int64) -> JSONObject {
        var record = record
        record[SyncFields.syncStatusName] = .string("synced")
        record[SyncFields.serverSyncedName] = .int(1)
        record[SyncFields.versionName] = .int(version)
        return record
    }
}

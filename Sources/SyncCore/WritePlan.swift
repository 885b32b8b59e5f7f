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

    /// Decides how a pushed record is applied. `stored` is the server copy (all fields by JSON name),
    /// read under a row lock in the same transaction, or nil when no record has this id.
    public static func decide(
        item: PushItem, id: String, stored: JSONObject?, entityType: EntityType, strategy: ConflictStrategy
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
        let clientCopy = synced(replacement(stored, with: item.values, entityType: entityType), version: serverVersion + 1)
        switch strategy {
        case .serverWins:
            return .success(WritePlan(action: .keep, conflict: report(.server)))
        case .clientWins:
            return .success(WritePlan(action: .update(clientCopy, expectedVersion: serverVersion), conflict: report(.client)))
        case .lastWriteWins:
            if clientEditIsLater(item: item, stored: stored) {
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
            return synced(replacement(stored, with: clientValues, entityType: entityType), version: serverVersion + 1)
        case .merged:
            return synced(overlay(stored, with: merged ?? clientValues, entityType: entityType), version: serverVersion + 1)
        case .server, .open:
            return synced(overlay(stored, with: JSONObject(), entityType: entityType), version: serverVersion + 1)
        }
    }

    /// The client's edit time against the server copy's; a client that sent none does not win.
    static func clientEditIsLater(item: PushItem, stored: JSONObject) -> Bool {
        guard let clientText = item.values[SyncFields.updatedAtName]?.stringValue,
              let clientTime = Timestamp(iso8601: clientText)
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

    /// The client copy: fields it omits take their defaults (null where there is none), except
    /// required fields, which keep the server's value because they cannot be empty.
    static func replacement(_ stored: JSONObject, with values: JSONObject, entityType: EntityType) -> JSONObject {
        var record = JSONObject()
        for field in entityType.fields where field.access != .databaseManaged {
            if let value = values[field.name] {
                record[field.name] = value
            } else if field.access == .writable, field.name != SyncFields.idName, field.name != SyncFields.versionName {
                record[field.name] = field.defaultValue ?? (field.isNullable ? .null : stored[field.name] ?? .null)
            } else {
                record[field.name] = stored[field.name] ?? .null
            }
        }
        return record
    }

    /// A record as a push stores it: marked synced, at the given version.
    static func synced(_ record: JSONObject, version: Int64) -> JSONObject {
        var record = record
        record[SyncFields.syncStatusName] = .string("synced")
        record[SyncFields.serverSyncedName] = .int(1)
        record[SyncFields.versionName] = .int(version)
        return record
    }
}

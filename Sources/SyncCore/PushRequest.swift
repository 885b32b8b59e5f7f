/// One record of a push, validated and normalised.
public struct PushItem: Equatable, Sendable {
    /// Position in the request's list for its entity type.
    public let index: Int
    /// The record's id, lower-case; nil when the client sent none and the server assigns one.
    public let id: String?
    /// The id as the client spelled it, when that differs from `id` (upper-case hex, say): the response
    /// echoes it, so that a client keying its store by the string finds its record.
    public var spelledID: String? = nil
    /// A client's own id that is not a UUID (`"local-1"`, `42`): the record is created with a new id, and
    /// the response gives this back as `clientId` next to it, so that the client can map one to the other.
    public var clientID: JSON? = nil
    /// The version the client edited; nil for a blind write.
    public let version: Int64?
    /// The client-writable fields the client sent, by JSON name, normalised (id and version excluded).
    public var values: JSONObject
}

/// The records of one entity type in a push.
public struct PushBatch: Sendable {
    public let entityType: EntityType
    public let items: [PushItem]

    public init(entityType: EntityType, items: [PushItem]) {
        self.entityType = entityType
        self.items = items
    }
}

/// A validated push: batches in registry order.
public struct PushRequest: Sendable {
    public let batches: [PushBatch]
    public let lastSyncTimestamp: Timestamp?
    /// What was ignored and the client may want to know: fields of records that no entity type has.
    public var warnings: [ValidationIssue] = []

    public var recordCount: Int { batches.reduce(0) { $0 + $1.items.count } }

    /// Validates a whole push and reports every problem at once.
    public static func parse(_ body: JSON, registry: Registry, maxRecords: Int) throws(RequestError) -> PushRequest {
        guard let root = body.objectValue else {
            throw .invalid([ValidationIssue("the body must be a JSON object")])
        }
        var issues = RequestFields.unknownKeys(in: root, allowed: ["changes", "lastSyncTimestamp"])
        var warnings: [ValidationIssue] = []
        let lastSync = RequestFields.timestamp(root["lastSyncTimestamp"], name: "lastSyncTimestamp", issues: &issues)
        guard let changes = root["changes"]?.objectValue else {
            throw .invalid(issues + [ValidationIssue(field: "changes", "is required and must be an object of entity type to record list")])
        }
        for name in changes.keys where registry.entityType(named: name) == nil {
            issues.append(ValidationIssue(entityType: name, "unknown entity type \(RequestFields.quoted(name)); known: \(registry.names.joined(separator: ", "))"))
        }
        let count = changes.entries.reduce(0) { $0 + ($1.value.arrayValue?.count ?? 0) }
        if count > maxRecords { throw .tooManyRecords(count: count, maximum: maxRecords) }

        var batches: [PushBatch] = []
        for entityType in registry.entityTypes {
            guard let list = changes[entityType.name] else { continue }
            guard let records = list.arrayValue else {
                issues.append(ValidationIssue(entityType: entityType.name, "must be a list of records"))
                continue
            }
            var items: [PushItem] = []
            for (index, record) in records.enumerated() {
                if let item = PushItem.validate(record, index: index, entityType: entityType, issues: &issues, warnings: &warnings) {
                    items.append(item)
                }
            }
            batches.append(PushBatch(entityType: entityType, items: items))
        }
        guard issues.isEmpty else { throw .invalid(issues) }
        return PushRequest(batches: batches, lastSyncTimestamp: lastSync, warnings: warnings)
    }
}

extension PushItem {
    /// Validates one record on its own, e.g. the merged record that resolves a conflict.
    /// Unknown fields are refused here: a merged record is written as it is.
    public static func validated(_ record: JSON, entityType: EntityType) throws(RequestError) -> PushItem {
        var issues: [ValidationIssue] = []
        var unknown: [ValidationIssue] = []
        let item = validate(record, index: 0, entityType: entityType, issues: &issues, warnings: &unknown)
        guard let item, unknown.isEmpty else { throw .invalid(issues + unknown) }
        return item
    }

    /// Problems that refuse the record go to `issues`; fields no entity type has are ignored and go to
    /// `warnings` (the seed ignores them too, and a client should not be stuck on one).
    static func validate(_ record: JSON, index: Int, entityType: EntityType, issues: inout [ValidationIssue],
                         warnings: inout [ValidationIssue]) -> PushItem? {
        let issuesBefore = issues.count
        func report(_ field: String?, _ message: String) {
            issues.append(ValidationIssue(entityType: entityType.name, index: index, field: field, message))
        }
        guard let object = record.objectValue else {
            report(nil, "must be an object")
            return nil
        }
        var id: String?
        var spelledID: String?
        var clientID: JSON?
        var version: Int64?
        var values = JSONObject()
        for (key, raw) in object.entries {
            if key == "tenant_id" {
                report(key, "may not be sent: the tenant comes from the token")
                continue
            }
            var fieldName = key
            var value = raw
            if let alias = entityType.alias(named: key) {
                fieldName = alias.field
                if object.contains(alias.field) {
                    report(key, "conflicts with \(alias.field), which is also present")
                    continue
                }
                if case .booleanToFlag = alias.conversion {
                    guard case .bool(let flag) = raw else {
                        report(key, "must be a boolean")
                        continue
                    }
                    value = .int(flag ? 1 : 0)
                }
            }
            if fieldName == SyncFields.idName, value.isNull { continue }
            guard let field = entityType.field(named: fieldName) else {
                warnings.append(ValidationIssue(entityType: entityType.name, index: index, field: key, "unknown field, ignored"))
                continue
            }
            switch field.normalize(value) {
            case .failure where fieldName == SyncFields.idName:
                switch value {
                case .string, .int, .double: clientID = value
                default: report(key, "must be a string (a UUID, or the client's own id) or a number")
                }
            case .failure(let problem):
                report(key, problem.message)
            case .success(let normalized):
                switch fieldName {
                case SyncFields.idName:
                    id = normalized.stringValue
                    if let sent = value.stringValue, sent != id { spelledID = sent }
                case SyncFields.versionName: version = normalized.intValue
                default: if field.access == .writable { values[fieldName] = normalized }
                }
            }
        }
        guard issues.count == issuesBefore else { return nil }
        // A record under the client's own id is new to the server: its version says nothing here.
        return PushItem(index: index, id: id, spelledID: spelledID, clientID: clientID, version: clientID == nil ? version : nil,
                        values: values)
    }
}

import Foundation

/// Between the client's records (JSON values of any registry type) and the types generated from
/// openapi.yaml: a change that does not fit the contract fails here, before it is sent.
enum Wire {
    static func convert<Output: Decodable>(_ value: some Encodable, to: Output.Type) throws -> Output {
        try JSONDecoder().decode(Output.self, from: JSONEncoder().encode(value))
    }

    /// The push body: changes by entity type, each type's list in queue order (a refused record's
    /// `index` counts in that list).
    static func pushRequest(_ changes: [PendingChange]) throws -> Components.Schemas.PushRequest {
        var byType: [String: [JSONValue]] = [:]
        for change in changes {
            var fields = change.fields
            fields["id"] = .string(change.id)
            if let version = change.baseVersion { fields["version"] = .integer(version) }
            byType[change.entityType, default: []].append(.object(fields))
        }
        let body: JSONValue = .object(["changes": .object(byType.mapValues { .array($0) })])
        return try convert(body, to: Components.Schemas.PushRequest.self)
    }

    /// Where in `changes` the record is that the service names by entity type and index (its position in
    /// that type's list of the push body); nil when there is none.
    static func offset(ofType entityType: String, index: Int, in changes: [PendingChange]) -> Int? {
        guard index >= 0 else { return nil }
        return changes.indices.lazy.filter { changes[$0].entityType == entityType }.dropFirst(index).first
    }

    /// A page's records by entity type.
    static func records(_ data: some Encodable) throws -> [String: [SyncRecord]] {
        try convert(data, to: [String: [SyncRecord]].self)
    }

    static func record(_ value: some Encodable) throws -> SyncRecord {
        try convert(value, to: SyncRecord.self)
    }
}

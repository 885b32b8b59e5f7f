/// A decision on an open conflict.
public struct ResolveRequest: Sendable {
    public let conflictID: Int64
    /// `server` keeps the server copy, `client` takes the client copy, `merged` stores `record`.
    public let resolution: ConflictReport.Winner
    /// The merged record (fields as in a push), required for `merged`; validated once its entity type is known.
    public let record: JSON?

    public static func parse(_ body: JSON) throws(RequestError) -> ResolveRequest {
        guard let root = body.objectValue else { throw .invalid([ValidationIssue("the body must be a JSON object")]) }
        var issues = RequestFields.unknownKeys(in: root, allowed: ["conflictId", "resolution", "record"])
        let id = root["conflictId"].flatMap { value -> Int64? in
            guard let number = value.intValue, number > 0 else { return nil }
            return number
        }
        if id == nil { issues.append(ValidationIssue(field: "conflictId", "is required: the id of an open conflict")) }
        let resolution = root["resolution"]?.stringValue.flatMap(ConflictReport.Winner.init(rawValue:))
        if resolution == nil || resolution == .open {
            issues.append(ValidationIssue(field: "resolution", "must be one of: server, client, merged"))
        }
        let record = root["record"].flatMap { $0.isNull ? nil : $0 }
        if resolution == .merged, record?.objectValue == nil {
            issues.append(ValidationIssue(field: "record", "is required for a merged resolution and must be an object"))
        }
        if resolution != .merged, record != nil {
            issues.append(ValidationIssue(field: "record", "is only for a merged resolution"))
        }
        guard issues.isEmpty, let id, let resolution else { throw .invalid(issues) }
        return ResolveRequest(conflictID: id, resolution: resolution, record: record)
    }
}

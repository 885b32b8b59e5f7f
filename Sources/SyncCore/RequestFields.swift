/// Checks shared by the request parsers.
enum RequestFields {
    static func unknownKeys(in object: JSONObject, allowed: Set<String>) -> [ValidationIssue] {
        object.keys.filter { !allowed.contains($0) }.map { ValidationIssue(field: $0, "unknown field") }
    }

    static func timestamp(_ value: JSON?, name: String, issues: inout [ValidationIssue]) -> Timestamp? {
        guard let value, !value.isNull else { return nil }
        guard let text = value.stringValue, let timestamp = Timestamp(iso8601: text) else {
            issues.append(ValidationIssue(field: name, "must be an ISO-8601 date-time with a time zone"))
            return nil
        }
        return timestamp
    }

    /// The requested entity types; when the field is absent, `whenAbsent` (all registered types, or those
    /// the caller may read).
    static func entityTypes(_ value: JSON?, registry: Registry, whenAbsent: [EntityType]?, issues: inout [ValidationIssue]) -> [EntityType] {
        guard let value, !value.isNull else { return whenAbsent ?? registry.entityTypes }
        guard let list = value.arrayValue, !list.isEmpty else {
            issues.append(ValidationIssue(field: "entityTypes", "must be a non-empty list of entity type names (or absent, for all)"))
            return []
        }
        var types: [EntityType] = []
        for (index, element) in list.enumerated() {
            guard let name = element.stringValue else {
                issues.append(ValidationIssue(index: index, field: "entityTypes", "must be an entity type name, not \(element.typeName)"))
                continue
            }
            guard let type = registry.entityType(named: name) else {
                issues.append(ValidationIssue(index: index, field: "entityTypes",
                                              "unknown entity type \(quoted(name)); known: \(registry.names.joined(separator: ", "))"))
                continue
            }
            if !types.contains(where: { $0.name == type.name }) { types.append(type) }
        }
        return types
    }

    /// A client's value quoted for an error message, cut short so that an error stays small.
    static func quoted(_ text: String) -> String {
        "\"\(ValidationIssue.shortened(text))\""
    }
}

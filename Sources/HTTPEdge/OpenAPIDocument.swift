import Settings
import Store
import SyncCore

/// The API's OpenAPI document for a registry (`syncd openapi`): the template (OpenAPITemplate.swift)
/// with each entity type's schemas, names and rules filled in. The committed openapi.yaml is this for
/// registry/registry.json (a test compares them), so documentation and generated clients follow the
/// registry in force.
public enum OpenAPIDocument {
    public static func render(_ registry: Registry) -> String {
        var text = template + "\n"
        for (name, value) in placeholders(registry) {
            text = text.replacingOccurrences(of: "{{\(name)}}", with: value)
        }
        return text
    }

    static func placeholders(_ registry: Registry) -> [(String, String)] {
        let types = registry.entityTypes
        return [
            ("typeOrder", types.map { "`\($0.name)`" }.joined(separator: ", then ")),
            ("pushExample", types.map(pushExample).joined(separator: "\n")),
            ("deletedRules", types.map { "`\($0.name)` whose \(describe($0.deletedRule, of: $0))" }.joined(separator: "; ")),
            ("pendingRules", types.map { "`\($0.name)` whose \(describe($0.pendingRule, of: $0))" }.joined(separator: "; ")),
            ("allTypesFlow", "[" + types.map { scalar($0.name) }.joined(separator: ", ") + "]"),
            ("firstType", types.first.map { scalar($0.name) } ?? ""),
            ("recordSchemas", (types.map(recordSchema) + [recordUnion(types)]).joined(separator: "\n")),
            ("changeSchemas", types.map(changeSchema).joined(separator: "\n")),
            ("changeProperties", types.map { "            \($0.name): { type: array, items: { $ref: '#/components/schemas/\($0.schemaName)Change' } }" }
                .joined(separator: "\n")),
            ("typeAlternation", types.map(\.name).joined(separator: "|")),
            ("recordProperties", types.map { "            \($0.name): { type: array, items: { $ref: '#/components/schemas/\($0.schemaName)' } }" }
                .joined(separator: "\n")),
        ]
    }

    private static func pushExample(_ entityType: EntityType) -> String {
        let record = entityType.example ?? JSONObject([("id", .null)])
        let members = record.entries.map { "\($0.key): \(value($0.value))" }.joined(separator: ", ")
        return "                \(entityType.name):\n                  - { \(members) }"
    }

    private static func describe(_ rule: RowRule, of entityType: EntityType) -> String {
        rule.conditions.map { condition in
            let shown = condition.value.stringValue.map { "`\($0)`" } ?? condition.value.serialized
            return "`\(condition.field)` is \(shown)"
        }.joined(separator: " and ")
    }

    private static func recordSchema(_ entityType: EntityType) -> String {
        let own = ownFields(entityType)
        var lines = ["    \(entityType.schemaName):", "      allOf:", "        - { $ref: '#/components/schemas/SyncFields' }",
                     "        - type: object"]
        if own.isEmpty {
            lines.append("          properties: {}")
        } else {
            lines.append("          properties:")
            lines += own.map { "            \($0.name): \(schema($0, extra: []))" }
        }
        lines.append("          required: [\(own.map(\.name).joined(separator: ", "))]")
        return lines.joined(separator: "\n")
    }

    private static func recordUnion(_ types: [EntityType]) -> String {
        (["    Record:", "      oneOf:"] + types.map { "        - { $ref: '#/components/schemas/\($0.schemaName)' }" }).joined(separator: "\n")
    }

    private static func changeSchema(_ entityType: EntityType) -> String {
        var description = "A pushed \(entityType.name) record. Unknown fields are ignored and named in the response's `warnings`; "
            + "`sync_status`, `server_synced` and `last_updated` are accepted but set by the server."
        for alias in entityType.aliases {
            description += " `\(alias.name)` and `\(alias.field)` are one field under two names; send one."
        }
        // "Send one" stays in words: swift-openapi-generator drops a whole schema that has `not`.
        var lines = ["    \(entityType.schemaName)Change:", "      type: object", "      description: \(quoted(description))"]
        lines += ["      properties:", "        id: { $ref: '#/components/schemas/ChangeID' }"]
        for field in ownFields(entityType) {
            var extra: [String] = []
            if let value = field.defaultValue { extra.append("default: \(self.value(value))") }
            if let target = field.references {
                extra.append("description: " + quoted("Must be the id of a record of type \(target) in the same tenant (one pushed earlier in the same request counts); "
                    + "a record naming one the server does not have is refused alone and listed in the response's `rejected`."))
            } else if field.isRequiredOnCreate {
                extra.append("description: Required for a new record.")
            }
            lines.append("        \(field.name): \(schema(field, extra: extra))")
            for alias in entityType.aliases where alias.field == field.name {
                switch alias.conversion {
                case .booleanToFlag:
                    lines.append("        \(alias.name): { type: boolean, description: \(quoted("Alias of \(field.name): true becomes 1, false 0.")) }")
                case .none:
                    lines.append("        \(alias.name): \(schema(field, extra: ["description: \(quoted("Alias of \(field.name)."))"]))")
                }
            }
        }
        for field in SyncFields.all where field.name != SyncFields.idName {
            var extra: [String] = []
            switch field.name {
            case SyncFields.versionName:
                extra.append("description: \(quoted("The version the client edited; absent for a blind write. New records default to 1."))")
            case SyncFields.updatedAtName:
                extra.append("description: \(quoted("The client's edit time, used by last-write-wins."))")
            default: break
            }
            lines.append("        \(field.name): \(schema(field, extra: extra, forPush: true))")
        }
        return lines.joined(separator: "\n")
    }

    /// The type's own fields: the sync fields come from the SyncFields schema.
    private static func ownFields(_ entityType: EntityType) -> [Field] {
        let sync = Set(SyncFields.all.map(\.name))
        return entityType.fields.filter { !sync.contains($0.name) }
    }

    /// A field's JSON Schema, in YAML flow style.
    private static func schema(_ field: Field, extra: [String], forPush: Bool = false) -> String {
        let nullable = field.isNullable
        var members: [String]
        switch field.type {
        case .uuid:
            members = [nullable ? "type: [string, 'null']" : "type: string", "format: uuid"]
        case .text(let maxLength):
            members = [nullable ? "type: [string, 'null']" : "type: string", "maxLength: \(maxLength)"]
        case .oneOf(let values):
            members = [nullable ? "type: [string, 'null']" : "type: string",
                       "enum: [\((values.map(scalar) + (nullable ? ["null"] : [])).joined(separator: ", "))]"]
        case .integer(let range):
            members = [nullable ? "type: [integer, 'null']" : "type: integer", "minimum: \(range.lowerBound)", "maximum: \(range.upperBound)"]
        case .flag:
            members = [nullable ? "type: [integer, 'null']" : "type: integer", nullable ? "enum: [0, 1, null]" : "enum: [0, 1]"]
        case .timestamp:
            members = [nullable || forPush && field.name == SyncFields.updatedAtName
                ? "$ref: '#/components/schemas/NullableTimestamp'"
                : "$ref: '#/components/schemas/Timestamp'"]
        }
        return "{ " + (members + extra).joined(separator: ", ") + " }"
    }

    /// A JSON value in YAML flow style.
    private static func value(_ value: JSON) -> String {
        switch value {
        case .string(let text): return scalar(text)
        default: return value.serialized
        }
    }

    /// A string as a plain YAML scalar when that reads back as the same string, else single-quoted.
    static func scalar(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil || " _.@-".unicodeScalars.contains($0) }
        let special: Set<String> = ["null", "true", "false", "yes", "no", "on", "off", "~", ""]
        let startsOK = text.first.map { $0.isLetter } ?? false
        return plain && startsOK && !special.contains(text.lowercased()) && !text.hasSuffix(" ") ? text : quoted(text)
    }

    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

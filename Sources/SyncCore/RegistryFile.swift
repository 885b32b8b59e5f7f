/// The registry as an operator writes it (registry/registry.json, described by registry.schema.json):
/// read, checked and turned into a `Registry`, or refused with every problem found, each with its
/// line and the path of the member it is about. Nothing later depends on the file having been right:
/// what is built here is what the SQL, the JSON coding and the OpenAPI document derive from.
public enum RegistryFile {
    /// At most this many entity types: the metrics' scoreboard keeps a block of this size per counter.
    public static let maximumEntityTypes = 64
    /// Names the service's own tables have, which no entity type's table may take.
    public static let reservedTables: Set<String> = ["tenants", "schema_migrations", "idempotency_keys"]
    /// The columns every entity table has besides its fields, or that the sync fields take.
    static let reservedColumns: Set<String> = Set(["tenant_id"] + SyncFields.all.map(\.column))

    public struct Issue: Error, Equatable, Sendable, CustomStringConvertible {
        /// 1-based; 0 when the problem is about the whole file.
        public let line: Int
        /// `entityTypes[1].fields[0].type`; empty for the whole file.
        public let path: String
        public let message: String

        public var description: String {
            (line > 0 ? "line \(line): " : "") + (path.isEmpty ? "" : "\(path): ") + message
        }
    }

    public struct Problems: Error, CustomStringConvertible {
        public let issues: [Issue]
        public var description: String { issues.map(\.description).joined(separator: "\n") }
    }

    /// The registry the text declares, or every problem in it.
    public static func parse(_ text: String) throws(Problems) -> Registry {
        let parsed: JSON.Positioned
        do {
            parsed = try JSON.parseWithPositions(text)
        } catch {
            throw Problems(issues: [Issue(line: line(of: error.offset, in: text), path: "", message: "not JSON: \(error.message)")])
        }
        var reader = Reader(positions: parsed.positions, text: text)
        let registry = reader.registry(parsed.value)
        guard reader.issues.isEmpty, let registry else { throw Problems(issues: reader.issues) }
        return registry
    }

    static func line(of offset: Int, in text: String) -> Int {
        1 + text.utf8.prefix(offset).reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }

    /// Reads the document member by member, collecting every problem rather than stopping at the first.
    private struct Reader {
        let positions: [String: Int]
        let text: String
        var issues: [Issue] = []

        mutating func problem(_ path: String, _ message: String) {
            var at = path
            while positions[at] == nil, let cut = at.lastIndex(where: { $0 == "." || $0 == "[" }) { at = String(at[..<cut]) }
            issues.append(Issue(line: positions[at].map { RegistryFile.line(of: $0, in: text) } ?? 0, path: path, message: message))
        }

        mutating func object(_ value: JSON?, _ path: String, allowed: [String]) -> JSONObject? {
            guard let object = value?.objectValue else {
                problem(path, "must be an object")
                return nil
            }
            for key in object.keys where !allowed.contains(key) {
                problem(path.isEmpty ? key : "\(path).\(key)", "unknown member (allowed: \(allowed.joined(separator: ", ")))")
            }
            return object
        }

        mutating func identifier(_ value: JSON?, _ path: String, what: String) -> String? {
            guard let text = value?.stringValue else {
                problem(path, "must be a string")
                return nil
            }
            let bytes = Array(text.utf8)
            let valid = (1...63).contains(bytes.count) && bytes.enumerated().allSatisfy { index, byte in
                (97...122).contains(byte) || byte == 95 || (index > 0 && (48...57).contains(byte))
            }
            guard valid else {
                problem(path, "\"\(text.prefix(80))\" is not a valid \(what): 1 to 63 of a-z, 0-9 and _, not starting with a digit")
                return nil
            }
            return text
        }

        mutating func registry(_ document: JSON) -> Registry? {
            guard let root = object(document, "", allowed: ["$schema", "entityTypes"]) else { return nil }
            guard let list = root["entityTypes"]?.arrayValue, !list.isEmpty else {
                problem("entityTypes", "must be a non-empty array of entity types")
                return nil
            }
            if list.count > RegistryFile.maximumEntityTypes {
                problem("entityTypes", "at most \(RegistryFile.maximumEntityTypes) entity types")
            }
            var types: [EntityType] = []
            for (index, value) in list.enumerated() {
                if let entityType = entityType(value, "entityTypes[\(index)]", earlier: types) { types.append(entityType) }
            }
            return issues.isEmpty ? Registry(types) : nil
        }

        mutating func entityType(_ value: JSON, _ path: String, earlier: [EntityType]) -> EntityType? {
            guard let member = object(value, path, allowed: ["name", "table", "fields", "aliases", "deletedWhen", "pendingWhen",
                                                            "conflictStrategy", "example"])
            else { return nil }
            let issuesBefore = issues.count
            let name = identifier(member["name"], "\(path).name", what: "entity type name")
            if let name, earlier.contains(where: { $0.name == name }) { problem("\(path).name", "\"\(name)\" is declared twice") }
            if let name, let other = earlier.first(where: { $0.schemaName == EntityType.schemaName(of: name) && $0.name != name }) {
                problem("\(path).name", "\"\(name)\" and \"\(other.name)\" would share the API's schema name \(other.schemaName)")
            }
            let table = member["table"] == nil ? name : identifier(member["table"], "\(path).table", what: "table name")
            if let table {
                if RegistryFile.reservedTables.contains(table) || table.hasPrefix("sync_") {
                    problem("\(path).table", "\"\(table)\" is a table of the service's own")
                }
                if earlier.contains(where: { $0.table == table }) { problem("\(path).table", "table \"\(table)\" is taken by another type") }
            }
            var fields: [Field] = []
            if let list = member["fields"]?.arrayValue {
                for (index, value) in list.enumerated() {
                    let fieldPath = "\(path).fields[\(index)]"
                    guard let field = field(value, fieldPath, earlier: earlier) else { continue }
                    if fields.contains(where: { $0.name == field.name || $0.column == field.column }) {
                        problem("\(fieldPath).name", "\"\(field.name)\" is declared twice")
                    } else {
                        fields.append(field)
                    }
                }
            } else {
                problem("\(path).fields", "must be an array of fields")
            }
            let all = [SyncFields.id] + fields + SyncFields.trailing
            var aliases: [Alias] = []
            if let list = member["aliases"] {
                for (index, value) in (list.arrayValue ?? []).enumerated() {
                    if let alias = alias(value, "\(path).aliases[\(index)]", fields: all) { aliases.append(alias) }
                }
                if list.arrayValue == nil { problem("\(path).aliases", "must be an array") }
            }
            let deleted = rule(member["deletedWhen"], "\(path).deletedWhen", fields: all)
            if let deleted, deleted.conditions.count != 1 {
                problem("\(path).deletedWhen", "must set exactly one field (the soft delete writes that one column)")
            }
            let pending = rule(member["pendingWhen"], "\(path).pendingWhen", fields: all)
            var strategy = ConflictStrategy.lastWriteWins
            if let value = member["conflictStrategy"] {
                if let text = value.stringValue, let known = ConflictStrategy(rawValue: text) {
                    strategy = known
                } else {
                    problem("\(path).conflictStrategy", "must be one of: \(ConflictStrategy.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            }
            var example: JSONObject?
            if let value = member["example"] {
                example = self.example(value, "\(path).example", fields: all, aliases: aliases)
            }
            guard issues.count == issuesBefore, let name, let table, let deleted, let pending else { return nil }
            return EntityType(name: name, table: table, fields: fields, aliases: aliases, deletedRule: deleted, pendingRule: pending,
                              defaultConflictStrategy: strategy, example: example)
        }

        mutating func field(_ value: JSON, _ path: String, earlier: [EntityType]) -> Field? {
            guard let member = object(value, path, allowed: ["name", "column", "type", "maxLength", "values", "minimum", "maximum",
                                                            "nullable", "default", "references"])
            else { return nil }
            let issuesBefore = issues.count
            let name = identifier(member["name"], "\(path).name", what: "field name")
            let column = member["column"] == nil ? name : identifier(member["column"], "\(path).column", what: "column name")
            if let name, RegistryFile.reservedColumns.contains(name) || SyncFields.all.contains(where: { $0.name == name }) {
                problem("\(path).name", "\"\(name)\" is a field every entity type has already")
            } else if let column, RegistryFile.reservedColumns.contains(column) {
                problem("\(path).column", "\"\(column)\" is a column every entity table has already")
            }
            var type: FieldType?
            func unused(_ keys: [String]) {
                for key in keys where member[key] != nil { problem("\(path).\(key)", "does not apply to this type") }
            }
            switch member["type"]?.stringValue {
            case "uuid":
                type = .uuid
                unused(["maxLength", "values", "minimum", "maximum"])
            case "text":
                if let length = member["maxLength"]?.intValue, (1...10_485_760).contains(length) {
                    type = .text(maxLength: Int(length))
                } else {
                    problem("\(path).maxLength", "a text field needs maxLength, from 1 to 10485760 characters")
                }
                unused(["values", "minimum", "maximum"])
            case "oneOf":
                let values = member["values"]?.arrayValue?.compactMap(\.stringValue) ?? []
                if !values.isEmpty, values.count == member["values"]?.arrayValue?.count, Set(values).count == values.count,
                   values.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 255 }) {
                    type = .oneOf(values)
                } else {
                    problem("\(path).values", "a oneOf field needs values: a non-empty array of distinct, non-empty strings")
                }
                unused(["maxLength", "minimum", "maximum"])
            case "integer":
                let low = member["minimum"]?.intValue ?? Int64(Int32.min), high = member["maximum"]?.intValue ?? Int64(Int32.max)
                if Int64(Int32.min) <= low, low <= high, high <= Int64(Int32.max) {
                    type = .integer(low...high)
                } else {
                    problem(path, "an integer field's minimum and maximum must lie within 32 bits, minimum first")
                }
                unused(["maxLength", "values"])
            case "flag":
                type = .flag
                unused(["maxLength", "values", "minimum", "maximum"])
            case "timestamp":
                type = .timestamp
                unused(["maxLength", "values", "minimum", "maximum"])
            default:
                problem("\(path).type", "must be one of: uuid, text, oneOf, integer, flag, timestamp")
            }
            var nullable = false
            if let value = member["nullable"] {
                if case .bool(let flag) = value { nullable = flag } else { problem("\(path).nullable", "must be true or false") }
            }
            var references: String?
            if let value = member["references"] {
                references = value.stringValue
                if type != .uuid { problem("\(path).references", "only a uuid field can reference another type") }
                if let target = references, !earlier.contains(where: { $0.name == target }) {
                    problem("\(path).references", "\"\(target.prefix(80))\" is not an entity type declared before this one")
                } else if references == nil {
                    problem("\(path).references", "must name an entity type")
                }
            }
            guard issues.count == issuesBefore, let name, let column, let type else { return nil }
            var field = Field(name, column: column, type, nullable: nullable, references: references)
            if let value = member["default"] {
                switch field.normalize(value) {
                case .success(let normalized) where !normalized.isNull:
                    field = Field(name, column: column, type, nullable: nullable, default: normalized, references: references)
                case .success:
                    problem("\(path).default", "leave the default out for null")
                case .failure(let reason):
                    problem("\(path).default", reason.message)
                }
            }
            return field
        }

        mutating func alias(_ value: JSON, _ path: String, fields: [Field]) -> Alias? {
            guard let member = object(value, path, allowed: ["name", "field", "conversion"]) else { return nil }
            guard let name = member["name"]?.stringValue, !name.isEmpty, name.utf8.count <= 63 else {
                problem("\(path).name", "must be a name of 1 to 63 characters")
                return nil
            }
            if fields.contains(where: { $0.name == name }) { problem("\(path).name", "\"\(name)\" is a field's name already") }
            guard let target = member["field"]?.stringValue, let field = fields.first(where: { $0.name == target }) else {
                problem("\(path).field", "must name a field of this type")
                return nil
            }
            var conversion = Alias.Conversion.none
            switch member["conversion"]?.stringValue {
            case nil where member["conversion"] == nil, "none": break
            case "booleanToFlag" where field.type == .flag: conversion = .booleanToFlag
            case "booleanToFlag": problem("\(path).conversion", "booleanToFlag needs a flag field")
            default: problem("\(path).conversion", "must be none or booleanToFlag")
            }
            return Alias(name, for: target, conversion: conversion)
        }

        /// A record as a client would push it: its fields (or aliases) with values that fit them.
        mutating func example(_ value: JSON, _ path: String, fields: [Field], aliases: [Alias]) -> JSONObject? {
            guard let member = value.objectValue else {
                problem(path, "must be an object of field: value")
                return nil
            }
            for (name, value) in member.entries {
                if aliases.contains(where: { $0.name == name }) { continue }
                guard let field = fields.first(where: { $0.name == name }) else {
                    problem("\(path).\(name)", "is not a field of this type")
                    continue
                }
                if name == SyncFields.idName, value.isNull { continue }
                if case .failure(let reason) = field.normalize(value) { problem("\(path).\(name)", reason.message) }
            }
            return member
        }

        mutating func rule(_ value: JSON?, _ path: String, fields: [Field]) -> RowRule? {
            guard let member = value?.objectValue, !member.isEmpty else {
                problem(path, "must be an object of one or more field: value conditions")
                return nil
            }
            var conditions: [(String, JSON)] = []
            for (name, condition) in member.entries {
                guard let field = fields.first(where: { $0.name == name }) else {
                    problem("\(path).\(name)", "is not a field of this type")
                    continue
                }
                guard field.access != .databaseManaged, field.type != .timestamp, field.type != .uuid else {
                    problem("\(path).\(name)", "a rule compares a text, oneOf, integer or flag field with a value")
                    continue
                }
                switch field.normalize(condition) {
                case .success(let normalized) where !normalized.isNull: conditions.append((name, normalized))
                case .success: problem("\(path).\(name)", "a rule compares with a value, not null")
                case .failure(let reason): problem("\(path).\(name)", reason.message)
                }
            }
            return conditions.count == member.count ? RowRule(conditions) : nil
        }
    }
}

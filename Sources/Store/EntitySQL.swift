import SyncCore

/// The statements for one entity type, written once from its registry entry. Identifiers come
/// only from the registry; every value is a bound parameter, `$1` always being the tenant.
public struct EntitySQL: Sendable {
    public let entityType: EntityType
    public let coding: RowCoding
    /// The fields the service writes, in parameter order after the tenant ($2, $3, ...).
    public let writtenFields: [Field]
    /// Every field's column, in registry order: what each statement selects or returns.
    public let columns: String
    public let selectForUpdate: String
    /// Inserts the records given as one array per written field ($2, $3, ...), skipping ids that exist.
    public let insert: String
    /// Updates the records given as one array per written field, then an array of expected versions;
    /// a record whose version moved on is skipped.
    public let update: String
    /// One page of changes after $2 (at most $3), stamped before the safe horizon that the statement
    /// `SyncStore.horizonAhead` left in the session: the tenant's newest stamp in any table
    /// (`latestStamp`) when the page is empty (NULL beside rows), the position last answered to the
    /// device $4 (sql/014), then the row's columns. Always at least one row, so both come back even
    /// when nothing changed.
    /// Statements that return columns are run with binary results, for `RowCoding`.
    public let changedSince: String
    /// Every change stamped $2, in the same shape as `changedSince` (NULL newest and remembered stamps).
    public let changedAt: String
    /// Pending rows after the stamp $2 and id $4 (at most $3), then the pending rule's values: the columns.
    public let pending: String
    public let existingIDs: String

    /// `latestStamp`: an expression of the tenant's ($1) newest stamp in every entity type's table.
    public init(_ entityType: EntityType, latestStamp: String) {
        self.entityType = entityType
        coding = RowCoding(entityType)
        let table = entityType.table
        columns = entityType.fields.map(\.column).joined(separator: ", ")
        writtenFields = entityType.fields.filter { $0.access != .databaseManaged }
        let written = writtenFields.map(\.column)
        let versionParameter = writtenFields.count + 2

        selectForUpdate = "SELECT \(columns) FROM \(table) WHERE tenant_id = $1 AND id = ANY($2::uuid[]) FOR UPDATE"
        let arrays = writtenFields.enumerated().map { "$\($0.offset + 2)::\($0.element.type.sqlType)[]" }
        let qualified = entityType.fields.map { "t.\($0.column)" }.joined(separator: ", ")
        insert = """
            INSERT INTO \(table) AS t (tenant_id, \(written.joined(separator: ", "))) \
            SELECT $1, * FROM unnest(\(arrays.joined(separator: ", "))) RETURNING \(qualified)
            """
        let aliases = written.indices.map { "v\($0)" }
        let assignments = zip(written, aliases).filter { $0.0 != "id" }.map { "\($0.0) = v.\($0.1)" }
        update = """
            UPDATE \(table) AS t SET \(assignments.joined(separator: ", ")) \
            FROM unnest(\(arrays.joined(separator: ", ")), $\(versionParameter)::integer[]) AS v(\(aliases.joined(separator: ", ")), expected) \
            WHERE t.tenant_id = $1 AND t.id = v.v\(written.firstIndex(of: SyncFields.idName) ?? 0) AND t.version = v.expected RETURNING \(qualified)
            """
        // The newest stamp matters only to a page without rows (a page with rows has a stamp after $2),
        // and PostgreSQL runs an uncorrelated subquery only when an expression first needs its value.
        changedSince = """
            SELECT CASE WHEN r.id IS NULL THEN \(latestStamp) END, h.remembered, r.* FROM \
            (SELECT current_setting('sync.horizon')::timestamptz AS horizon, \
            (SELECT position FROM sync_device_positions WHERE tenant_id = $1 AND subject = $4) AS remembered) h \
            LEFT JOIN LATERAL (SELECT \(columns) FROM \(table) \
            WHERE tenant_id = $1 AND last_updated > $2::timestamptz AND last_updated < h.horizon \
            ORDER BY last_updated, id LIMIT $3::integer) r ON true
            """
        changedAt = """
            SELECT NULL::timestamptz, NULL::timestamptz, \(columns) FROM \(table) \
            WHERE tenant_id = $1 AND last_updated = $2::timestamptz ORDER BY id
            """
        let pendingConditions = entityType.pendingRule.conditions.enumerated().map { index, condition in
            // The registry file's check makes every rule name a field of its type.
            let field = entityType.field(named: condition.field)
            return "\(field?.column ?? condition.field) = $\(index + 5)::\(field?.type.sqlType ?? "text")"
        }
        pending = """
            SELECT \(columns) FROM \(table) \
            WHERE tenant_id = $1 AND (last_updated, id) > ($2::timestamptz, $4::uuid) AND \(pendingConditions.joined(separator: " AND ")) \
            ORDER BY last_updated, id LIMIT $3::integer
            """
        existingIDs = "SELECT id::text FROM \(table) WHERE tenant_id = $1 AND id = ANY($2::uuid[])"
    }

    /// The newest stamp of the tenant ($1) in any of `entityTypes`' tables.
    public static func latestStamp(_ entityTypes: [EntityType]) -> String {
        "greatest(" + entityTypes.map { "(SELECT max(last_updated) FROM \($0.table) WHERE tenant_id = $1)" }.joined(separator: ", ") + ")"
    }

    /// The values of the pending rule, bound after the tenant, the position, the limit and the id.
    public var pendingParameters: [String?] {
        entityType.pendingRule.conditions.map { SQLValue.text($0.value) }
    }

    /// Parameters of an insert or update of `records`: the tenant, then one array per written field.
    public func writeParameters(tenant: String, records: [JSONObject]) -> [String?] {
        [tenant] + writtenFields.map { field in SQLValue.array(records.map { SQLValue.text($0[field.name] ?? .null) }) }
    }
}

/// The text form of a JSON value as a libpq parameter.
public enum SQLValue {
    public static func text(_ value: JSON) -> String? {
        switch value {
        case .null: return nil
        case .bool(let flag): return flag ? "1" : "0"
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .string(let text): return text
        case .array, .object: return value.serialized
        }
    }

    /// A PostgreSQL array literal: every element quoted, `"` and `\\` escaped, NULL for nil.
    public static func array(_ elements: [String?]) -> String {
        var literal = ByteWriter(capacity: elements.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        literal.write(UInt8(ascii: "{"))
        for (index, element) in elements.enumerated() {
            if index > 0 { literal.write(UInt8(ascii: ",")) }
            guard var element else {
                literal.write(Array("NULL".utf8))
                continue
            }
            literal.write(UInt8(ascii: "\""))
            element.withUTF8 { bytes in
                var runStart = 0
                for (position, byte) in bytes.enumerated() where byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                    literal.write(UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                    literal.write(UInt8(ascii: "\\"))
                    runStart = position
                }
                literal.write(UnsafeBufferPointer(rebasing: bytes[runStart...]))
            }
            literal.write(UInt8(ascii: "\""))
        }
        literal.write(UInt8(ascii: "}"))
        return String(decoding: literal.bytes, as: UTF8.self)
    }

    /// A PostgreSQL array literal of UUIDs (already validated, so no quoting is needed).
    public static func uuidArray(_ ids: [String]) -> String {
        "{" + ids.joined(separator: ",") + "}"
    }
}

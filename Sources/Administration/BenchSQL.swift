import Store
import SyncCore

/// The pgbench scripts of scripts/bench's "pgbench ... SQL" rows, made from the very statements the
/// service sends (EntitySQL, SyncStore) with their parameters written as pgbench expressions, so that
/// the benchmark's SQL cannot drift from the service's (`syncd bench-sql DIRECTORY`). The floor scripts
/// (bench/pgbench/floor*.sql) are the bare SQL the service is compared with, and stay hand-written.
public enum BenchSQL {
    /// Each script's name and text, for the registry's first type (scripts/bench's tenants hold
    /// `bench-push-N` and `bench-pull-N` records of it).
    /// One pgbench script: its file name (without `.sql`) and its text.
    public struct Script: Sendable {
        public let name: String
        public let text: String
    }

    public static func scripts(registry: Registry) -> [Script] {
        guard let entityType = registry.entityTypes.first else { return [] }
        let statements = EntitySQL(entityType, latestStamp: EntitySQL.latestStamp(registry.entityTypes))
        let header = "-- Made by `syncd bench-sql` from the statements the service sends; scripts/bench writes it anew each run.\n"
            + "\\set n random(1, :tenants)\n"
        // One sample record, stored as a push stores it (marked synced, version 1), repeated.
        var sample = JSONObject()
        for field in statements.writtenFields { sample[field.name] = sampleValue(field) }
        sample = WritePlan.synced(sample, version: 1)
        // In the service's order: the tenant setting (which it sends when a session moves to another
        // tenant: for nearly every request with 16 tenants), then the request's statements. Without it,
        // a write would take the path of a direct write, whose trigger notifies live pokes.
        func entering(_ prefix: String) -> String { inline(SyncStore.tenantEntering, [tenant(prefix)]) + ";\n" }
        func push(_ count: Int) -> String {
            let values = [tenant("bench-push-")] + statements.writtenFields.map { field in
                field.name == SyncFields.idName
                    ? "(SELECT array_agg(gen_random_uuid()) FROM generate_series(1, \(count)))"
                    : "array_fill(\(sample[field.name].map { $0.isNull ? "NULL" : EntityDDL.literal($0) } ?? "NULL")::\(field.type.sqlType), ARRAY[\(count)])"
            }
            // A push without a position (the bench's) looks up the device's remembered one.
            return header + entering("bench-push-") + "BEGIN;\n" + inline(SyncStore.writerNaming, ["'bench'", "''"]) + ";\n"
                + inline(SyncStore.rememberedPositionLookup, [tenant("bench-push-"), "'bench'"]) + ";\n"
                + inline(statements.insert, values) + ";\nCOMMIT;\n"
        }
        let pull = header + entering("bench-pull-") + SyncStore.horizonAhead + ";\n"
            + inline(statements.changedSince, [tenant("bench-pull-"), ":since", ":page_limit", "'bench'"]) + ";\n"
        let rule = entityType.pendingRule.conditions
        let pending = "-- pgbench " + rule.indices.map { "-D pending_\($0 + 1)=\(SQLValue.text(rule[$0].value) ?? "")" }.joined(separator: " ") + "\n"
            + header + entering("bench-pull-")
            + inline(statements.pending, [tenant("bench-pull-"), ":since", ":page_limit", "'\(PendingCursor.lastID)'"]
                + rule.indices.map { ":pending_\($0 + 1)" }) + ";\n"
        return [Script(name: "push10", text: push(10)), Script(name: "push100", text: push(100)), Script(name: "pull100", text: pull),
                Script(name: "pending", text: pending)]
    }

    private static func tenant(_ prefix: String) -> String { "('\(prefix)' || :n)" }

    /// What a client would send for a field: its default, else a value of its type (null where it may be).
    private static func sampleValue(_ field: Field) -> JSON {
        if let value = field.defaultValue { return value }
        switch field.type {
        case .uuid, .timestamp: return .null
        case .text(let maxLength): return .string(String("bench".prefix(maxLength)))
        case .oneOf(let values): return values.first.map(JSON.string) ?? .null
        case .integer(let range): return .int(range.lowerBound)
        case .flag: return .int(0)
        }
    }

    /// `sql` with `$1`, `$2`, ... replaced by `values` (the highest number first, so that `$1` does not
    /// take the front of `$10`).
    public static func inline(_ sql: String, _ values: [String]) -> String {
        var text = sql
        for index in values.indices.reversed() {
            text = text.replacingOccurrences(of: "$\(index + 1)", with: values[index])
        }
        return text
    }
}

/// What a token may do, per entity type: the `scope` claim (OAuth 2.0 style, RFC 6749 §3.3), a
/// space-separated list of `sync:read:TYPE` and `sync:write:TYPE`, where TYPE may be `*` for every
/// type. Entries of other forms belong to other services and are ignored. Writing does not imply
/// reading: a push answers with the records it wrote, nothing else.
public struct Scope: Equatable, Sendable {
    public enum Access: String, Sendable {
        case read, write
    }

    private var readable: Set<String> = []
    private var writable: Set<String> = []

    /// Every type, read and written: a tenant's default when it has none set.
    public static let everything = Scope(parsing: "sync:read:* sync:write:*")

    public init(parsing text: String) {
        for entry in text.split(separator: " ") {
            let parts = entry.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "sync", !parts[2].isEmpty else { continue }
            switch parts[1] {
            case "read": readable.insert(String(parts[2]))
            case "write": writable.insert(String(parts[2]))
            default: continue
            }
        }
    }

    public func allows(_ access: Access, _ entityType: String) -> Bool {
        let granted = access == .read ? readable : writable
        return granted.contains("*") || granted.contains(entityType)
    }

    /// The types among `entityTypes` that `access` is not granted for, in their order.
    public func denied(_ access: Access, _ entityTypes: [String]) -> [String] {
        entityTypes.filter { !allows(access, $0) }
    }

    /// Why `text` is not a scope an administrator may set for `registry`'s types; nil when it is.
    public static func problem(in text: String, registry: Registry) -> String? {
        let entries = text.split(separator: " ")
        guard !entries.isEmpty else { return "a scope lists at least one sync:read:TYPE or sync:write:TYPE" }
        for entry in entries {
            let parts = entry.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "sync", parts[1] == "read" || parts[1] == "write" else {
                return "\(entry) is not sync:read:TYPE or sync:write:TYPE"
            }
            guard parts[2] == "*" || registry.entityType(named: String(parts[2])) != nil else {
                return "\(entry) names no entity type; known: \(registry.names.joined(separator: ", "))"
            }
        }
        return nil
    }
}

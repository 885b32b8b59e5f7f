import SyncCore

/// Who pushes, and how their conflicts are settled.
struct PushContext {
    let tenant: Tenant
    /// The token's `sub`, recorded in the history and with conflicts.
    let subject: String?
    let requestID: String?
    /// Makes the id of a record pushed without one.
    let newID: () -> String
    /// When the push arrived, and how far ahead of it a device's edit time is believed.
    var clock: EditClock = .unknown
}

/// A push's Idempotency-Key, with the body it came with.
struct IdempotencyKey {
    let key: String
    /// The request in canonical form (JSON.canonical), what a retry must match.
    let request: String
    let lifetimeSeconds: Int

    /// A key is 1 to 255 visible ASCII characters.
    static func isValid(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.count <= 255 && key.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}

/// What a push did: applied now, or answered from the response stored for its Idempotency-Key.
enum PushOutcome {
    case applied(String, PushResult)
    case replayed(String)
}

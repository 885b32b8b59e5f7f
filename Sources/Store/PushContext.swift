import SyncCore

/// Who pushes, and how their conflicts are settled.
public struct PushContext {
    public let tenant: Tenant
    /// The token's `sub`, recorded in the history and with conflicts.
    public let subject: String?
    public let requestID: String?
    /// Makes the id of a record pushed without one.
    public let newID: () -> String
    /// When the push arrived, and how far ahead of it a device's edit time is believed.
    public var clock: EditClock = .unknown

    public init(tenant: Tenant, subject: String?, requestID: String?, newID: @escaping () -> String) {
        self.tenant = tenant
        self.subject = subject
        self.requestID = requestID
        self.newID = newID
    }
}

/// A push's Idempotency-Key, with the body it came with.
public struct IdempotencyKey {
    public let key: String
    /// The request in canonical form (JSON.canonical), what a retry must match.
    public let request: String
    public let lifetimeSeconds: Int

    public init(key: String, request: String, lifetimeSeconds: Int) {
        self.key = key
        self.request = request
        self.lifetimeSeconds = lifetimeSeconds
    }

    /// A key is 1 to 255 visible ASCII characters.
    public static func isValid(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.count <= 255 && key.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}

/// What a push did: applied now, or answered from the response stored for its Idempotency-Key.
public enum PushOutcome {
    case applied(String, PushResult)
    case replayed(String)
}

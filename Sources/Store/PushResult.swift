import SyncCore

/// What a push stored: each record's JSON as the database returned it, and the conflicts met.
public struct PushResult {
    /// Row JSON texts, entity types in registry order, items in request order.
    public var records: [String] = []
    public var conflicts: [ConflictReport] = []
    /// Edit times too far ahead of the server's clock, stored as the time the push arrived.
    public var clamps: [ClockClamp] = []
    /// Records refused alone, the rest of the push applied: a reference to a record the server does not
    /// have (one created and deleted offline before it ever synced would otherwise block a queue forever).
    public var rejected: [ValidationIssue] = []
    /// The newest change stamp among the rows written, in the API's text form: what a live poke says.
    public var latestStamp: String?
    /// The position the push answers (`syncTimestamp`): the one it was sent, else the one its device's
    /// pulls were last answered (sql/014), else the epoch.
    public var position = Timestamp.epoch
}

/// The record a conflict's resolution stored: its JSON, and its change stamp for the live poke (nil
/// when the resolution wrote nothing new).
public struct ResolvedRecord {
    public let json: String
    public let stamp: String?
}

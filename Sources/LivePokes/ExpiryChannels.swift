/// A subscription ends before its token expires: nginx adds it to the channel `expires-<minute>` of its
/// token's exp (the minute the service answers), and the master's relay deletes that channel
/// `leadSeconds` before the minute begins, which ends every subscription in it.
public enum ExpiryChannels {
    /// The relay wakes at least once a second, so this lead ends subscriptions before their tokens expire.
    public static let leadSeconds: Int64 = 2

    public static func name(minute: Int64) -> String { "expires-\(minute)" }

    /// The minute whose channel a subscription with this token's exp joins, or nil when that channel is
    /// (about to be) deleted already: the token expires too soon.
    public static func minute(tokenExpiresAt: Int64, now: Int64) -> Int64? {
        let minute = tokenExpiresAt / 60
        return minute * 60 - leadSeconds > now + 1 ? minute : nil
    }

    /// The last minute whose channel is due for deletion at `now`.
    public static func dueMinute(now: Int64) -> Int64 {
        (now + leadSeconds) / 60
    }
}

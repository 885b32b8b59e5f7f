/// How many records one pull or pull-pending may return.
public struct PageLimits: Sendable {
    /// Used when the request gives no `limit`.
    public let defaultLimit: Int
    /// The largest `limit` a request may ask for.
    public let maximumLimit: Int

    public init(defaultLimit: Int, maximumLimit: Int) {
        self.maximumLimit = max(1, maximumLimit)
        self.defaultLimit = min(max(1, defaultLimit), self.maximumLimit)
    }

    public func limitValue(_ value: JSON?, issues: inout [ValidationIssue]) -> Int {
        guard let value, !value.isNull else { return defaultLimit }
        guard let number = value.intValue, number >= 1, number <= Int64(maximumLimit) else {
            issues.append(ValidationIssue(field: "limit", "must be an integer from 1 to \(maximumLimit)"))
            return defaultLimit
        }
        return Int(number)
    }
}

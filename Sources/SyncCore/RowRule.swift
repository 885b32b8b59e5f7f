/// A condition on a stored row: every listed field equals its value. The registry uses it for the
/// soft-delete rule and the pending rule; the store turns it into SQL with bound values.
public struct RowRule: Sendable {
    /// One field and the value it must have.
    public struct Condition: Sendable {
        public let field: String
        public let value: JSON
    }

    public let conditions: [Condition]

    public init(_ conditions: [(String, JSON)]) {
        self.conditions = conditions.map { Condition(field: $0.0, value: $0.1) }
    }

    public func matches(_ record: JSONObject) -> Bool {
        conditions.allSatisfy { record[$0.field] == $0.value }
    }
}

/// The type of a synced field, as the API sees it and as PostgreSQL stores it.
public enum FieldType: Equatable, Sendable {
    case uuid
    case text(maxLength: Int)
    /// One of a fixed set of strings (a `text` column with a CHECK constraint).
    case oneOf([String])
    case integer(ClosedRange<Int64>)
    /// 0 or 1 in the API (a `smallint` column); `true`/`false` are accepted on input.
    case flag
    /// ISO-8601 date-time with a time zone (a `timestamptz` column).
    case timestamp

    /// The PostgreSQL type a parameter is cast to and the column must have.
    public var sqlType: String {
        switch self {
        case .uuid: return "uuid"
        case .text, .oneOf: return "text"
        case .integer: return "integer"
        case .flag: return "smallint"
        case .timestamp: return "timestamptz"
        }
    }
}

/// Why a field's value is refused, in words for the client.
public struct FieldProblem: Error, Equatable, Sendable, ExpressibleByStringInterpolation {
    public let message: String

    public init(stringLiteral message: String) {
        self.message = message
    }
}

extension Field {
    /// The stored form of a value the client sent for this field, or the reason it is refused.
    public func normalize(_ value: JSON) -> Result<JSON, FieldProblem> {
        if value.isNull {
            return isNullable ? .success(.null) : .failure("must not be null")
        }
        switch type {
        case .uuid:
            guard let text = value.stringValue, let uuid = UUIDText.normalized(text) else {
                return .failure("must be a UUID string")
            }
            return .success(.string(uuid))
        case .text(let maxLength):
            guard let text = value.stringValue else { return .failure("must be a string, not \(value.typeName)") }
            guard !text.unicodeScalars.contains("\u{0}") else { return .failure("must not contain NUL characters") }
            guard text.unicodeScalars.count <= maxLength else { return .failure("must be at most \(maxLength) characters (Unicode code points)") }
            return .success(value)
        case .oneOf(let allowed):
            guard let text = value.stringValue, allowed.contains(text) else {
                return .failure("must be one of: \(allowed.joined(separator: ", "))")
            }
            return .success(value)
        case .integer(let range):
            guard let number = value.intValue, range.contains(number) else {
                return .failure("must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return .success(.int(number))
        case .flag:
            switch value {
            case .bool(let flag): return .success(.int(flag ? 1 : 0))
            case .int, .double:
                guard let number = value.intValue, number == 0 || number == 1 else { return .failure("must be 0 or 1") }
                return .success(.int(number))
            default: return .failure("must be 0 or 1")
            }
        case .timestamp:
            guard let text = value.stringValue, let timestamp = Timestamp(iso8601: text) else {
                return .failure("must be an ISO-8601 date-time with a time zone, like 2024-01-01T10:00:00Z")
            }
            return .success(.string(timestamp.description))
        }
    }
}

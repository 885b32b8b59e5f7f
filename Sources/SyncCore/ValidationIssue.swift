/// One thing wrong with a request, located as precisely as the request allows.
public struct ValidationIssue: Error, Equatable, Sendable {
    public let entityType: String?
    public let index: Int?
    public let field: String?
    public let message: String

    public init(entityType: String? = nil, index: Int? = nil, field: String? = nil, _ message: String) {
        self.entityType = entityType.map(ValidationIssue.shortened)
        self.index = index
        self.field = field.map(ValidationIssue.shortened)
        self.message = message
    }

    /// Names echoed from the request are cut to this many characters, so that an error stays small.
    public static let maximumNameScalars = 64

    static func shortened(_ name: String) -> String {
        guard name.utf8.count > maximumNameScalars, name.unicodeScalars.count > maximumNameScalars else { return name }
        var short = String.UnicodeScalarView()
        short.append(contentsOf: name.unicodeScalars.prefix(maximumNameScalars))
        return String(short) + "…"
    }

    public var json: JSON {
        var object = JSONObject()
        if let entityType { object["entityType"] = .string(entityType) }
        if let index { object["index"] = .int(Int64(index)) }
        if let field { object["field"] = .string(field) }
        object["message"] = .string(message)
        return .object(object)
    }
}

/// Why a request body was refused. Each case becomes a 400 at the edge.
public enum RequestError: Error, Equatable, Sendable {
    case malformedJSON(JSONParseError)
    case invalid([ValidationIssue])
    case tooManyRecords(count: Int, maximum: Int)
}

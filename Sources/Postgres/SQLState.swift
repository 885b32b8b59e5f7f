/// A PostgreSQL SQLSTATE code, with names for the ones this service acts on.
public struct SQLState: Hashable, Sendable, CustomStringConvertible {
    public let code: String

    public init(_ code: String) { self.code = code }

    public var description: String { code }

    /// The two-character class, e.g. "08" for connection exceptions.
    public var errorClass: String { String(code.prefix(2)) }

    public static let uniqueViolation = SQLState("23505")
    public static let foreignKeyViolation = SQLState("23503")
    public static let checkViolation = SQLState("23514")
    public static let notNullViolation = SQLState("23502")
    public static let serializationFailure = SQLState("40001")
    public static let deadlockDetected = SQLState("40P01")
    public static let adminShutdown = SQLState("57P01")
    public static let crashShutdown = SQLState("57P02")
    public static let cannotConnectNow = SQLState("57P03")
    public static let undefinedTable = SQLState("42P01")
    public static let insufficientPrivilege = SQLState("42501")

    /// The server or the link to it failed; the same request may succeed later.
    public var meansUnavailable: Bool {
        errorClass == "08" || self == .adminShutdown || self == .crashShutdown || self == .cannotConnectNow
            || errorClass == "53"
    }

    /// The transaction lost a race and can be run again as a whole.
    public var meansRetry: Bool { self == .serializationFailure || self == .deadlockDetected }
}

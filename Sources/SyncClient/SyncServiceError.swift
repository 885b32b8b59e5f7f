/// The service's answer when it is not a success: `{"success": false, "error": {code, message, details}}`.
public struct SyncServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String
    public var details: [JSONValue]

    public var description: String { "\(status) \(code): \(message)" }
}

/// The client's own failures, as distinct from the service's answers.
public enum SyncClientError: Error, Sendable, Hashable {
    /// A record of an entity type the client was not configured with.
    case unknownEntityType(String)
    /// A record id that is not a UUID (the client makes each new record's id itself).
    case invalidID(JSONValue)
    /// The service answered with something the contract does not describe.
    case unexpectedResponse(String)
}

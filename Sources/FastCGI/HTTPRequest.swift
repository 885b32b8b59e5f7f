/// What the worker needs of one request that nginx forwarded over FastCGI.
public struct HTTPRequest: Sendable {
    public let method: String
    public let path: String
    /// The FastCGI parameters the pool was asked to copy, by name (`HTTP_AUTHORIZATION`, `CONTENT_TYPE`, ...).
    public let parameters: [String: String]
    public let body: [UInt8]
    /// True when the body was larger than the worker accepts; `body` is then empty.
    public let bodyTooLarge: Bool

    public init(method: String, path: String, parameters: [String: String], body: [UInt8], bodyTooLarge: Bool = false) {
        self.method = method
        self.path = path
        self.parameters = parameters
        self.body = body
        self.bodyTooLarge = bodyTooLarge
    }

    public func parameter(_ name: String) -> String? { parameters[name] }
}

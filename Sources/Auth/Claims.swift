/// What a verified token says about its bearer.
public struct Claims: Equatable, Sendable {
    public let tenantID: String
    /// The user or device the token was issued to, when the issuer set `sub`.
    public let subject: String?
    public let expiresAt: Int64
    public let notBefore: Int64?
    public let issuedAt: Int64?
    /// The token's `scope` claim (RFC 8693 §4.2: space-separated), when it has one.
    public let scope: String?

    public init(tenantID: String, subject: String?, expiresAt: Int64, notBefore: Int64? = nil, issuedAt: Int64? = nil,
                scope: String? = nil) {
        self.tenantID = tenantID
        self.subject = subject
        self.expiresAt = expiresAt
        self.notBefore = notBefore
        self.issuedAt = issuedAt
        self.scope = scope
    }
}

/// What a verified token says about its bearer.
public struct Claims: Equatable, Sendable {
    public let tenantID: String
    /// The user or device the token was issued to, when the issuer set `sub`.
    public let subject: String?
    public let expiresAt: Int64
    public let notBefore: Int64?
}

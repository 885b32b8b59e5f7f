/// What a valid token must also satisfy beyond its signature and `exp`.
public struct TokenPolicy: Sendable {
    /// How far in the future `iat` may be: the clocks of issuers and of this host differ a little.
    public var clockLeewaySeconds: Int64 = 60
    /// When set, `exp` may be at most this long after `iat` (or after now, for a token without `iat`).
    public var maximumLifetimeSeconds: Int64?
    /// When set, the token's `iss` must be this.
    public var issuer: String?
    /// When set, the token's `aud` (a string, or an array of strings) must include this.
    public var audience: String?

    public init(maximumLifetimeSeconds: Int64? = nil, issuer: String? = nil, audience: String? = nil) {
        self.maximumLifetimeSeconds = maximumLifetimeSeconds
        self.issuer = issuer
        self.audience = audience
    }
}

/// Remembers the tokens one thread has verified, so a device's next request skips libjwt's decoding
/// and the HMAC (together a tenth of the worker's time for a pull). The time claims are checked again on
/// every use; the signature cannot change. One per thread, like the handler that owns it. A new secret
/// comes with new worker processes (SIGHUP), so nothing verified with the old one is remembered.
public final class VerifiedTokens {
    private let verifier: TokenVerifier
    private let capacity: Int
    private var known: [String: Claims] = [:]

    /// At most `capacity` tokens (each at most `TokenVerifier.maximumTokenLength` bytes) are kept.
    public init(verifier: TokenVerifier, capacity: Int = 256) {
        self.verifier = verifier
        self.capacity = capacity
    }

    /// How many tokens are remembered now.
    public var count: Int { known.count }

    public func verify(_ token: String, now: Int64) throws(TokenError) -> Claims {
        if let claims = known[token] {
            if now < claims.expiresAt, now >= claims.notBefore ?? Int64.min { return claims }
            known[token] = nil
        }
        let claims = try verifier.verify(token, now: now)
        if known.count >= capacity { known.removeAll(keepingCapacity: true) }
        known[token] = claims
        return claims
    }
}

@available(*, unavailable, message: "one per thread")
extension VerifiedTokens: Sendable {}

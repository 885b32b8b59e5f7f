/// Why a bearer token was refused. Each case becomes a 401 at the edge; none carries the token.
public enum TokenError: Error, Equatable, Sendable, CustomStringConvertible {
    case missing
    case malformed
    case badSignature
    case algorithmNotAllowed(String)
    case expired
    case notYetValid
    case missingClaim(String)
    case invalidClaim(String)

    public var description: String {
        switch self {
        case .missing: return "a bearer token is required"
        case .malformed: return "the token is not a well-formed JWT"
        case .badSignature: return "the token's signature does not verify"
        case .algorithmNotAllowed(let algorithm): return "the token's algorithm \(algorithm) is not accepted"
        case .expired: return "the token has expired"
        case .notYetValid: return "the token is not valid yet (nbf)"
        case .missingClaim(let name): return "the token has no \(name) claim"
        case .invalidClaim(let name): return "the token's \(name) claim is not valid"
        }
    }
}

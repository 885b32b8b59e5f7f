/// Why a bearer token was refused. Each case becomes a 401 at the edge; none carries the token.
public enum TokenError: Error, Equatable, Sendable, CustomStringConvertible {
    case missing
    case malformed
    case badSignature
    case algorithmNotAllowed(String)
    case unknownKeyID
    case criticalExtension
    case duplicateClaim
    case expired
    case notYetValid
    case issuedInTheFuture
    case lifetimeTooLong(maximum: Int64)
    case missingClaim(String)
    case invalidClaim(String)

    public var description: String {
        switch self {
        case .missing: return "a bearer token is required"
        case .malformed: return "the token is not a well-formed JWT"
        case .badSignature: return "the token's signature does not verify"
        case .algorithmNotAllowed(let algorithm): return "the token's algorithm \(algorithm) is not accepted"
        case .unknownKeyID: return "the token's kid names no key of this service"
        case .criticalExtension: return "the token's header lists critical extensions (crit) this service does not understand"
        case .duplicateClaim: return "the token's header or payload names a member twice"
        case .expired: return "the token has expired"
        case .notYetValid: return "the token is not valid yet (nbf)"
        case .issuedInTheFuture: return "the token's iat is in the future"
        case .lifetimeTooLong(let maximum): return "the token's lifetime is longer than this service accepts (\(maximum) s)"
        case .missingClaim(let name): return "the token has no \(name) claim"
        case .invalidClaim(let name): return "the token's \(name) claim is not valid"
        }
    }
}

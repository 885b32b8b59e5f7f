import CJWT
import SyncCore
#if canImport(Glibc)
import Glibc
#endif

/// Verifies HS256 bearer tokens. The header and the claims are read with the core's strict JSON parser
/// (libjwt's jansson keeps the last of two members of the same name, and ignores `crit`); the signature
/// is checked by libjwt with the secret the header's `kid` selects, and the algorithm is pinned: libjwt
/// verifies whatever algorithm the header names, so it is checked against HS256 before and after.
public struct TokenVerifier: Sendable {
    public static let maximumTokenLength = 8192
    private let keys: TokenKeys
    private let policy: TokenPolicy

    public init(keys: TokenKeys, policy: TokenPolicy = TokenPolicy()) {
        self.keys = keys
        self.policy = policy
    }

    public init(secret: String) {
        self.init(keys: TokenKeys(primary: secret))
    }

    /// Verifies `token` at `now` (seconds since the epoch, passed in so tests control the clock).
    public func verify(_ token: String, now: Int64) throws(TokenError) -> Claims {
        guard !token.isEmpty else { throw .missing }
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard token.utf8.count <= TokenVerifier.maximumTokenLength, parts.count == 3,
              let header = try TokenVerifier.object(Substring(parts[0])), let payload = try TokenVerifier.object(Substring(parts[1]))
        else { throw .malformed }

        guard header["alg"]?.stringValue == "HS256" else {
            throw .algorithmNotAllowed(header["alg"]?.stringValue.map { String($0.prefix(16)) } ?? "none")
        }
        // RFC 7515 §4.1.11: a token whose `crit` lists extensions the recipient does not understand is
        // invalid. This service understands none.
        guard header["crit"] == nil else { throw .criticalExtension }
        var keyID: String?
        if let kid = header["kid"] {
            guard let text = kid.stringValue else { throw .malformed }
            keyID = text
        }
        guard let secret = keys.secret(forKeyID: keyID) else { throw .unknownKeyID }
        try verifySignature(token, secret: secret)
        return try claims(payload, now: now)
    }

    /// A base64url part that holds a JSON object, parsed strictly: a member named twice is refused.
    private static func object(_ part: Substring) throws(TokenError) -> JSONObject? {
        guard let bytes = Base64URL.decode(part) else { return nil }
        var limits = JSONLimits()
        limits.depth = 8
        limits.values = 256
        limits.containers = 64
        do {
            return try JSON.parse(bytes, limits: limits).objectValue
        } catch let error where error.isDuplicateKey {
            throw .duplicateClaim
        } catch {
            return nil
        }
    }

    private func verifySignature(_ token: String, secret: [UInt8]) throws(TokenError) {
        guard !secret.isEmpty else { throw .badSignature }
        var decoded: OpaquePointer?
        let status = secret.withUnsafeBufferPointer { key in
            jwt_decode(&decoded, token, key.baseAddress, Int32(key.count))
        }
        guard status == 0, let jwt = decoded else {
            if let decoded { jwt_free(decoded) }
            throw status == EINVAL ? .badSignature : .malformed
        }
        defer { jwt_free(jwt) }
        let algorithm = jwt_get_alg(jwt)
        guard algorithm == JWT_ALG_HS256 else {
            throw .algorithmNotAllowed(jwt_alg_str(algorithm).map { String(cString: $0) } ?? "unknown")
        }
    }

    private func claims(_ payload: JSONObject, now: Int64) throws(TokenError) -> Claims {
        func string(_ name: String) throws(TokenError) -> String? {
            guard let value = payload[name] else { return nil }
            guard let text = value.stringValue else { throw .invalidClaim(name) }
            return text
        }
        func integer(_ name: String) throws(TokenError) -> Int64? {
            guard let value = payload[name] else { return nil }
            guard case .int(let number) = value else { throw .invalidClaim(name) }
            return number
        }
        guard let tenantID = try string("tenant_id") else { throw .missingClaim("tenant_id") }
        guard !tenantID.isEmpty, tenantID.utf8.count <= 64 else { throw .invalidClaim("tenant_id") }
        guard let expiresAt = try integer("exp") else { throw .missingClaim("exp") }
        guard now < expiresAt else { throw .expired }
        let notBefore = try integer("nbf")
        if let notBefore, now < notBefore { throw .notYetValid }
        let issuedAt = try integer("iat")
        if let issuedAt, issuedAt > now + policy.clockLeewaySeconds { throw .issuedInTheFuture }
        if let maximum = policy.maximumLifetimeSeconds, expiresAt - (issuedAt ?? now) > maximum {
            throw .lifetimeTooLong(maximum: maximum)
        }
        if let issuer = policy.issuer, try string("iss") != issuer { throw .invalidClaim("iss") }
        if let audience = policy.audience {
            let audiences = payload["aud"]?.arrayValue?.compactMap(\.stringValue) ?? payload["aud"]?.stringValue.map { [$0] } ?? []
            guard audiences.contains(audience) else { throw .invalidClaim("aud") }
        }
        let scope = try string("scope")
        return Claims(tenantID: tenantID, subject: try string("sub"), expiresAt: expiresAt, notBefore: notBefore,
                      issuedAt: issuedAt, scope: scope)
    }
}

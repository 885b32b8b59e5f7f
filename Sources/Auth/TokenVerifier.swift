import CJWT
#if canImport(Glibc)
import Glibc
#endif

/// Verifies HS256 bearer tokens with libjwt. The algorithm is pinned: libjwt verifies whatever
/// algorithm the header names, so the header is checked against HS256 after decoding.
public struct TokenVerifier: Sendable {
    public static let maximumTokenLength = 8192
    private let secret: [UInt8]

    public init(secret: String) {
        self.secret = Array(secret.utf8)
    }

    /// Verifies `token` at `now` (seconds since the epoch, passed in so tests control the clock).
    public func verify(_ token: String, now: Int64) throws(TokenError) -> Claims {
        guard !token.isEmpty else { throw .missing }
        guard token.utf8.count <= TokenVerifier.maximumTokenLength, token.utf8.filter({ $0 == UInt8(ascii: ".") }).count == 2 else {
            throw .malformed
        }
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
        guard let tenantID = stringClaim(jwt, "tenant_id") else {
            throw claimIsPresent(jwt, "tenant_id") ? .invalidClaim("tenant_id") : .missingClaim("tenant_id")
        }
        guard !tenantID.isEmpty, tenantID.utf8.count <= 64 else { throw .invalidClaim("tenant_id") }
        guard let expiresAt = integerClaim(jwt, "exp") else {
            throw claimIsPresent(jwt, "exp") ? .invalidClaim("exp") : .missingClaim("exp")
        }
        guard now < expiresAt else { throw .expired }
        let notBefore = integerClaim(jwt, "nbf")
        if notBefore == nil, claimIsPresent(jwt, "nbf") { throw .invalidClaim("nbf") }
        if let notBefore, now < notBefore { throw .notYetValid }
        let subject = stringClaim(jwt, "sub")
        if subject == nil, claimIsPresent(jwt, "sub") { throw .invalidClaim("sub") }
        return Claims(tenantID: tenantID, subject: subject, expiresAt: expiresAt, notBefore: notBefore)
    }

    private func stringClaim(_ jwt: OpaquePointer, _ name: String) -> String? {
        jwt_get_grant(jwt, name).map { String(cString: $0) }
    }

    private func integerClaim(_ jwt: OpaquePointer, _ name: String) -> Int64? {
        // jwt_get_grant_int cannot tell 0 from "not an integer"; read the claim's JSON instead.
        guard let json = jwt_get_grants_json(jwt, name) else { return nil }
        defer { free(json) }
        return Int64(String(cString: json))
    }

    private func claimIsPresent(_ jwt: OpaquePointer, _ name: String) -> Bool {
        guard let json = jwt_get_grants_json(jwt, name) else { return false }
        free(json)
        return true
    }
}

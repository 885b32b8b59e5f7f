import CJWT
#if canImport(Glibc)
import Glibc
#endif

/// Signs HS256 tokens, for the CLI's `token` command and for tests.
public struct TokenSigner: Sendable {
    private let secret: [UInt8]

    public init(secret: String) {
        self.secret = Array(secret.utf8)
    }

    public struct SigningError: Error, CustomStringConvertible {
        public let description: String
    }

    /// A token with `tenant_id`, `sub`, `iat` and `exp`, plus `nbf` when given.
    public func sign(tenantID: String, subject: String, issuedAt: Int64, expiresAt: Int64, notBefore: Int64? = nil) throws -> String {
        var created: OpaquePointer?
        guard jwt_new(&created) == 0, let jwt = created else { throw SigningError(description: "jwt_new failed") }
        defer { jwt_free(jwt) }
        let status = secret.withUnsafeBufferPointer { key in
            jwt_set_alg(jwt, JWT_ALG_HS256, key.baseAddress, Int32(key.count))
        }
        guard status == 0 else { throw SigningError(description: "the secret cannot sign HS256 tokens") }
        guard jwt_add_grant(jwt, "tenant_id", tenantID) == 0,
              jwt_add_grant(jwt, "sub", subject) == 0,
              jwt_add_grant_int(jwt, "iat", Int(issuedAt)) == 0,
              jwt_add_grant_int(jwt, "exp", Int(expiresAt)) == 0,
              notBefore.map({ jwt_add_grant_int(jwt, "nbf", Int($0)) == 0 }) ?? true
        else { throw SigningError(description: "cannot add the claims") }
        guard let encoded = jwt_encode_str(jwt) else { throw SigningError(description: "jwt_encode_str failed") }
        defer { free(encoded) }
        return String(cString: encoded)
    }
}

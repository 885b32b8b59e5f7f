import CJWT
#if canImport(Glibc)
import Glibc
#endif

/// Signs HS256 tokens with the primary key, for the CLI's `token` command and for tests.
public struct TokenSigner: Sendable {
    private let key: TokenKeys.Key

    public init(keys: TokenKeys) {
        key = keys.primary
    }

    public init(secret: String, keyID: String? = nil) {
        self.init(keys: TokenKeys(primary: secret, keyID: keyID))
    }

    public struct SigningError: Error, CustomStringConvertible {
        public let description: String
    }

    /// A token with `tenant_id`, `sub`, `iat` and `exp`, plus `nbf` and `scope` when given, and the
    /// key's id as the header's `kid` when it has one.
    public func sign(tenantID: String, subject: String, issuedAt: Int64, expiresAt: Int64, notBefore: Int64? = nil,
                     scope: String? = nil) throws -> String {
        var created: OpaquePointer?
        guard jwt_new(&created) == 0, let jwt = created else { throw SigningError(description: "jwt_new failed") }
        defer { jwt_free(jwt) }
        let status = key.secret.withUnsafeBufferPointer { secret in
            jwt_set_alg(jwt, JWT_ALG_HS256, secret.baseAddress, Int32(secret.count))
        }
        guard status == 0 else { throw SigningError(description: "the secret cannot sign HS256 tokens") }
        guard key.id.map({ jwt_add_header(jwt, "kid", $0) == 0 }) ?? true,
              jwt_add_grant(jwt, "tenant_id", tenantID) == 0,
              jwt_add_grant(jwt, "sub", subject) == 0,
              jwt_add_grant_int(jwt, "iat", Int(issuedAt)) == 0,
              jwt_add_grant_int(jwt, "exp", Int(expiresAt)) == 0,
              notBefore.map({ jwt_add_grant_int(jwt, "nbf", Int($0)) == 0 }) ?? true,
              scope.map({ jwt_add_grant(jwt, "scope", $0) == 0 }) ?? true
        else { throw SigningError(description: "cannot add the claims") }
        guard let encoded = jwt_encode_str(jwt) else { throw SigningError(description: "jwt_encode_str failed") }
        defer { free(encoded) }
        return String(cString: encoded)
    }
}

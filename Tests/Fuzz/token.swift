// libFuzzer harness: bearer token parsing and verification, compiled into one module with Auth's sources
// against SyncCore and libjwt (scripts/fuzz). Any input is a token or a refusal, never a crash; a token
// this service signs always verifies to the claims it was signed with.

private let keys = TokenKeys(primary: "fuzzing-secret-fuzzing-secret-0123456789", keyID: "k1",
                             others: ["k0": "older-secret-older-secret-older-secret-0123"])
private let verifier = TokenVerifier(keys: keys, policy: TokenPolicy(maximumLifetimeSeconds: 86_400, issuer: nil, audience: nil))
private let now: Int64 = 1_800_000_000

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzToken(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? verifier.verify(text, now: now)
    // The same bytes as a tenant and subject of a token signed here: it must verify, to the same claims.
    if !text.isEmpty, text.utf8.count <= 64, !text.utf8.contains(0) {
        guard let token = try? TokenSigner(keys: keys).sign(tenantID: text, subject: text, issuedAt: now, expiresAt: now + 60, scope: text)
        else { return 0 }
        let claims: Claims
        do {
            claims = try verifier.verify(token, now: now)
        } catch {
            fatalError("a token signed here does not verify: \(error)")
        }
        precondition(claims.tenantID == text && claims.subject == text && claims.scope == text, "claims changed in a round trip")
    }
    return 0
}

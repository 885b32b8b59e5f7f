@testable import Auth
import XCTest

/// The secrets and the strict decoding of a token's parts.
final class TokenKeysTests: XCTestCase {
    func testWeakSecretsAreNamed() {
        XCTAssertEqual(TokenKeys(primary: "").weaknesses(setting: "S"), ["S is not set"])
        XCTAssertTrue(TokenKeys(primary: "change-me-to-a-long-random-secret").weaknesses(setting: "S")[0].contains("placeholder"))
        XCTAssertTrue(TokenKeys(primary: "a").weaknesses(setting: "S")[0].contains("at least 32"))
        XCTAssertEqual(TokenKeys(primary: String(repeating: "x", count: 32)).weaknesses(setting: "S"), [])
        let keys = TokenKeys(primary: String(repeating: "x", count: 32), others: ["old": "short"])
        XCTAssertEqual(keys.weaknesses(setting: "S").count, 1)
        XCTAssertTrue(keys.weaknesses(setting: "S")[0].contains("the key old"))
    }

    func testTheKeyListParses() throws {
        XCTAssertEqual(try TokenKeys.parseOthers(" k1=abc=def\n k2=xyz "), ["k1": "abc=def", "k2": "xyz"])
        XCTAssertEqual(try TokenKeys.parseOthers(""), [:])
        XCTAssertThrowsError(try TokenKeys.parseOthers("=secret"))
        XCTAssertThrowsError(try TokenKeys.parseOthers("k1"))
        XCTAssertThrowsError(try TokenKeys.parseOthers("k 1=x"))
        XCTAssertThrowsError(try TokenKeys.parseOthers("k/1=x"))
        XCTAssertThrowsError(try TokenKeys.parseOthers("k1=a k1=b"))
    }

    func testAKeyIDSelectsItsSecretOnly() {
        let keys = TokenKeys(primary: "p", keyID: "new", others: ["old": "o"])
        XCTAssertEqual(keys.secret(forKeyID: nil), Array("p".utf8))
        XCTAssertEqual(keys.secret(forKeyID: "new"), Array("p".utf8))
        XCTAssertEqual(keys.secret(forKeyID: "old"), Array("o".utf8))
        XCTAssertNil(keys.secret(forKeyID: "other"))
    }

    func testBase64URLIsStrict() {
        XCTAssertEqual(Base64URL.decode("eyJhIjoxfQ"), Array(#"{"a":1}"#.utf8))
        XCTAssertEqual(Base64URL.decode(""), [])
        XCTAssertNil(Base64URL.decode("eyJhIjoxfQ=="), "no padding")
        XCTAssertNil(Base64URL.decode("eyJhIjoxfQ+"), "not the URL alphabet")
        XCTAssertNil(Base64URL.decode("eyJhIjoxfR"), "non-zero leftover bits")
        XCTAssertNil(Base64URL.decode("a"), "a lone sixth of a byte")
    }

    func testSignedScopeAndKeyIDRoundTrip() throws {
        let secret = String(repeating: "s", count: 32)
        let keys = TokenKeys(primary: secret, keyID: "k1")
        let token = try TokenSigner(keys: keys).sign(tenantID: "t", subject: "s", issuedAt: 100, expiresAt: 200, scope: "sync:read:*")
        let claims = try TokenVerifier(keys: keys).verify(token, now: 150)
        XCTAssertEqual(claims.scope, "sync:read:*")
        XCTAssertEqual(claims.issuedAt, 100)
        XCTAssertThrowsError(try TokenVerifier(keys: TokenKeys(primary: secret, keyID: "k2")).verify(token, now: 150)) {
            XCTAssertEqual($0 as? TokenError, .unknownKeyID)
        }
    }
}

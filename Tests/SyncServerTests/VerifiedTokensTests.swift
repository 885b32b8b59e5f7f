import Auth
import XCTest

/// The per-thread memory of verified tokens must not outlive what the token allows.
final class VerifiedTokensTests: XCTestCase {
    let signer = TokenSigner(secret: "secret")
    let now: Int64 = 1_800_000_000

    func testARememberedTokenStillExpires() throws {
        let tokens = VerifiedTokens(verifier: TokenVerifier(secret: "secret"))
        let token = try signer.sign(tenantID: "t", subject: "s", issuedAt: now, expiresAt: now + 60)
        XCTAssertEqual(try tokens.verify(token, now: now).tenantID, "t")
        XCTAssertEqual(try tokens.verify(token, now: now + 59).tenantID, "t")
        XCTAssertThrowsError(try tokens.verify(token, now: now + 60)) { XCTAssertEqual($0 as? TokenError, .expired) }
    }

    func testANotYetValidTokenIsNotRemembered() throws {
        let tokens = VerifiedTokens(verifier: TokenVerifier(secret: "secret"))
        let token = try signer.sign(tenantID: "t", subject: "s", issuedAt: now, expiresAt: now + 60, notBefore: now + 10)
        XCTAssertThrowsError(try tokens.verify(token, now: now)) { XCTAssertEqual($0 as? TokenError, .notYetValid) }
        XCTAssertEqual(try tokens.verify(token, now: now + 10).tenantID, "t")
    }

    func testATokenOfAnotherSecretIsRefusedEveryTime() throws {
        let tokens = VerifiedTokens(verifier: TokenVerifier(secret: "secret"))
        let forged = try TokenSigner(secret: "other").sign(tenantID: "t", subject: "s", issuedAt: now, expiresAt: now + 60)
        for _ in 0..<2 {
            XCTAssertThrowsError(try tokens.verify(forged, now: now)) { XCTAssertEqual($0 as? TokenError, .badSignature) }
        }
    }

    func testStaysWithinItsCapacity() throws {
        let tokens = VerifiedTokens(verifier: TokenVerifier(secret: "secret"), capacity: 4)
        for index in 0..<10 {
            let token = try signer.sign(tenantID: "t\(index)", subject: "s", issuedAt: now, expiresAt: now + 60)
            XCTAssertEqual(try tokens.verify(token, now: now).tenantID, "t\(index)")
            XCTAssertLessThanOrEqual(tokens.count, 4)
        }
    }
}

import XCTest
@testable import SyncCore

final class JSONTests: XCTestCase {
    func testParsesAndSerializesRoundTrip() throws {
        let text = #"{"a":1,"b":[true,false,null],"c":"x\"y\\z\n","d":-2.5,"e":{}}"#
        XCTAssertEqual(try JSON.parse(text).serialized, text)
    }

    func testKeepsKeyOrder() throws {
        XCTAssertEqual(try JSON.parse(#"{"z":1,"a":2}"#).objectValue?.keys, ["z", "a"])
    }

    func testUnicodeEscapesAndSurrogatePairs() throws {
        XCTAssertEqual(try JSON.parse(#""\u00e9\ud83d\ude00""#), .string("é😀"))
    }

    func testIntegersStayExact() throws {
        XCTAssertEqual(try JSON.parse("9007199254740993"), .int(9_007_199_254_740_993))
        XCTAssertEqual(try JSON.parse("1.0"), .double(1))
    }

    func testRejectsMalformedDocuments() {
        for text in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "tru", "\"\\x\"", "{\"a\":1}x", "\"\u{01}\"", "\"\\ud800\"", "NaN"] {
            XCTAssertThrowsError(try JSON.parse(text), "accepted \(text)")
        }
    }

    func testRejectsDuplicateKeys() {
        XCTAssertThrowsError(try JSON.parse(#"{"id":1,"id":2}"#))
    }

    func testRejectsInvalidUTF8() {
        XCTAssertThrowsError(try JSON.parse([0x22, 0xFF, 0x22]))
    }

    func testLimitsNesting() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        XCTAssertThrowsError(try JSON.parse(deep))
    }

    func testEscapesControlCharactersOnOutput() {
        XCTAssertEqual(JSON.string("a\u{1}b").serialized, #""a\u0001b""#)
    }
}

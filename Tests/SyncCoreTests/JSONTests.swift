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

    func testLimitsValuesAndContainers() {
        var limits = JSONLimits()
        limits.values = 10
        limits.containers = 3
        XCTAssertNoThrow(try JSON.parse(Array("[1,2,3,4,5,6,7,8,9]".utf8), limits: limits))
        XCTAssertThrowsError(try JSON.parse(Array("[1,2,3,4,5,6,7,8,9,10]".utf8), limits: limits)) { error in
            XCTAssertEqual((error as? JSONParseError)?.isOverLimit, true)
        }
        XCTAssertThrowsError(try JSON.parse(Array("[[],[],[]]".utf8), limits: limits))
    }

    func testLargeObjectsKeepOrderFindKeysAndRefuseDuplicates() throws {
        let keys = (0..<5_000).map { "k\($0)" }
        let text = "{" + keys.map { "\"\($0)\":1" }.joined(separator: ",") + "}"
        let object = try XCTUnwrap(JSON.parse(text).objectValue)
        XCTAssertEqual(object.keys, keys)
        XCTAssertEqual(object["k4999"], .int(1))
        XCTAssertNil(object["k5000"])
        XCTAssertThrowsError(try JSON.parse(String(text.dropLast()) + ",\"k17\":2}"))
        var edited = object
        edited["k0"] = nil
        XCTAssertEqual(edited.count, 4_999)
        XCTAssertEqual(edited["k4999"], .int(1), "the index follows a removal")
    }

    func testIntegersAtTheEdgesOfInt64() throws {
        XCTAssertEqual(try JSON.parse("-9223372036854775808"), .int(.min))
        XCTAssertEqual(try JSON.parse("9223372036854775807"), .int(.max))
        XCTAssertEqual(try JSON.parse("-0"), .int(0))
        XCTAssertEqual(try JSON.parse("999999999999999999"), .int(999_999_999_999_999_999))
        XCTAssertEqual(try JSON.parse("9223372036854775808"), .double(9223372036854775808))
    }

    func testEscapesControlCharactersOnOutput() {
        XCTAssertEqual(JSON.string("a\u{1}b").serialized, #""a\u0001b""#)
    }
}

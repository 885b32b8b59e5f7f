import XCTest
@testable import SyncCore

final class TimestampTests: XCTestCase {
    func testParsesUTCAndOffsets() {
        XCTAssertEqual(Timestamp(iso8601: "1970-01-01T00:00:00Z"), .epoch)
        XCTAssertEqual(Timestamp(iso8601: "1970-01-01T01:00:00+01:00"), .epoch)
        XCTAssertEqual(Timestamp(iso8601: "2024-01-01T12:00:00.000Z")?.description, "2024-01-01T12:00:00.000000Z")
        XCTAssertEqual(Timestamp(iso8601: "2024-02-29T23:59:59.123456789-05:30")?.description, "2024-03-01T05:29:59.123456Z")
    }

    func testFormatsWithMicroseconds() {
        XCTAssertEqual(Timestamp(microsecondsSinceEpoch: 1_704_110_400_123_456).description, "2024-01-01T12:00:00.123456Z")
        XCTAssertEqual(Timestamp(microsecondsSinceEpoch: -1).description, "1969-12-31T23:59:59.999999Z")
    }

    func testRoundTrips() {
        for text in ["0001-01-01T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z", "2000-02-29T10:20:30.000001Z"] {
            XCTAssertEqual(Timestamp(iso8601: text)?.description, text)
        }
    }

    func testRejectsWhatIsNotAnRFC3339Instant() {
        for text in ["2024-01-01", "2024-01-01T10:00:00", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
                     "2024-01-01T24:00:00Z", "2024-01-01T10:00:00.Z", "2024-01-01 10:00:00Z", "yesterday", ""] {
            XCTAssertNil(Timestamp(iso8601: text), text)
        }
    }

    func testOrdersByInstant() throws {
        let a = try XCTUnwrap(Timestamp(iso8601: "2024-01-01T10:00:00+02:00"))
        let b = try XCTUnwrap(Timestamp(iso8601: "2024-01-01T09:00:00Z"))
        XCTAssertLessThan(a, b)
    }
}

final class ByteWriterTests: XCTestCase {
    func text(_ body: (inout ByteWriter) -> Void) -> String {
        var writer = ByteWriter(capacity: 1)
        body(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    func testWritesDecimals() {
        for value: Int64 in [0, 7, -7, 10, 1_000_000, Int64.max, Int64.min] {
            XCTAssertEqual(text { $0.write(decimal: value) }, String(value))
        }
    }

    func testWritesFixedWidthDigits() {
        XCTAssertEqual(text { $0.write(digits: 7, width: 2) }, "07")
        XCTAssertEqual(text { $0.write(digits: 123, width: 6) }, "000123")
    }

    func testGrowsPastItsCapacity() {
        let long = Array(repeating: UInt8(ascii: "x"), count: 10_000)
        XCTAssertEqual(text { writer in
            for _ in 0..<3 { writer.write(long) }
            writer.write(UInt8(ascii: "!"))
        }, String(repeating: "x", count: 30_000) + "!")
    }
}

extension ByteWriterTests {
    func testWritesTwoDigitsAndHex() {
        XCTAssertEqual(text { $0.write(twoDigits: 5); $0.write(twoDigits: 42) }, "0542")
        XCTAssertEqual(text { for byte: UInt8 in [0, 9, 10, 0xAB, 0xFF] { $0.write(hex: byte) } }, "00090aabff")
    }
}

final class UUIDTextTests: XCTestCase {
    func testRandomUUIDsAreVersion4InLowerCase() {
        var generator = SystemRandomNumberGenerator()
        let first = UUIDText.random(using: &generator)
        let second = UUIDText.random(using: &generator)
        XCTAssertEqual(UUIDText.normalized(first), first)
        XCTAssertNotEqual(first, second)
        let characters = Array(first)
        XCTAssertEqual(characters[14], "4")
        XCTAssertTrue("89ab".contains(characters[19]))
    }

    func testOffsetsCannotCarryAnInstantOutOfYearsOneTo9999() {
        XCTAssertNil(Timestamp(iso8601: "0001-01-01T00:00:00+14:00"))
        XCTAssertNil(Timestamp(iso8601: "9999-12-31T23:00:00-01:00"))
        XCTAssertEqual(Timestamp(iso8601: "0001-01-01T00:00:00-01:00")?.description, "0001-01-01T01:00:00.000000Z")
        XCTAssertEqual(Timestamp(iso8601: "9999-12-31T23:59:59.999999Z")?.description, "9999-12-31T23:59:59.999999Z")
    }
}

import XCTest
@testable import SyncCore

/// A page ends after a stamp, and the next pull resumes after it: a page must never end inside a run of
/// equal stamps (two transactions that stamped the same microsecond), or the rest of the run is lost.
final class PullPageTests: XCTestCase {
    private func t(_ micros: Int64) -> Timestamp { Timestamp(microsecondsSinceEpoch: micros) }

    func testTakesTheOldestAcrossTypes() {
        let page = PullPage(stamps: [[t(1), t(4), t(6)], [t(2), t(3)]], limit: 3)
        XCTAssertEqual(page.order, [0, 1, 1])
        XCTAssertEqual(page.stamps, [t(1), t(2), t(3)])
        XCTAssertTrue(page.hasMore)
        XCTAssertNil(page.tiedStamp)
    }

    func testDoesNotEndInsideARun() {
        // The limit falls between the two changes stamped 3: the page stops before them.
        let page = PullPage(stamps: [[t(1), t(3), t(5)], [t(2), t(3)]], limit: 3)
        XCTAssertEqual(page.stamps, [t(1), t(2)])
        XCTAssertTrue(page.hasMore)
        XCTAssertNil(page.tiedStamp)
    }

    func testARunThatFillsThePageAsksForTheWholeRun() {
        let page = PullPage(stamps: [[t(7), t(7)], [t(7)]], limit: 2)
        XCTAssertEqual(page.tiedStamp, t(7))
        let whole = PullPage(wholeRun: [[t(7), t(7), t(7)], [t(7)]])
        XCTAssertEqual(whole.order, [0, 0, 0, 1])
        XCTAssertTrue(whole.hasMore)
    }

    func testARunThatEndsWithThePageIsKept() {
        let page = PullPage(stamps: [[t(1), t(2), t(2)]], limit: 3)
        XCTAssertEqual(page.stamps, [t(1), t(2), t(2)])
        XCTAssertFalse(page.hasMore)
    }

    func testABudgetCutMayNotSplitARun() {
        let page = PullPage(stamps: [[t(1), t(2), t(2), t(3)]], limit: 10)
        XCTAssertFalse(page.splitsRun(at: 1))
        XCTAssertTrue(page.splitsRun(at: 2))
        XCTAssertFalse(page.splitsRun(at: 3))
        XCTAssertFalse(page.splitsRun(at: 4))
    }
}

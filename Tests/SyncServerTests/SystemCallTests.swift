#if canImport(Glibc)
import Glibc
#endif
import SystemCalls
import XCTest

/// A call a signal interrupts is made again; any other failure comes back as it is.
final class SystemCallTests: XCTestCase {
    func testACallInterruptedBySignalsIsMadeAgain() {
        var calls = 0
        let result = SystemCall.retrying { () -> Int32 in
            calls += 1
            guard calls > 2 else {
                errno = EINTR
                return -1
            }
            return 7
        }
        XCTAssertEqual(result, 7)
        XCTAssertEqual(calls, 3)
    }

    func testOtherFailuresAreReturnedAsTheyAre() {
        var calls = 0
        let result = SystemCall.retrying { () -> Int in
            calls += 1
            errno = EBADF
            return -1
        }
        XCTAssertEqual(result, -1)
        XCTAssertEqual(errno, EBADF)
        XCTAssertEqual(calls, 1)
    }
}

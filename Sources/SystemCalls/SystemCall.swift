#if canImport(Glibc)
import Glibc
#endif

// SystemCalls: the one place the service's modules make a raw system call that a signal can interrupt,
// as swift-nio's System.swift is for NIO. A call that fails with EINTR is made again; any other failure
// is returned as it is (-1, with errno), for the caller to name.
// May import: the C library only.

public enum SystemCall {
    /// Makes the call, again while a signal interrupts it (EINTR); returns what the last one returned.
    @inlinable
    public static func retrying<Result: FixedWidthInteger & SignedInteger>(_ call: () -> Result) -> Result {
        while true {
            let result = call()
            guard result == -1, errno == EINTR else { return result }
        }
    }
}

import Glibc

/// The system's monotonic clock: the same in every process of the machine, never set back, so it is
/// what durations, cache ages, backoffs and rate-limit refills are measured with.
public enum MonotonicClock {
    public static var nanoseconds: UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    public static var seconds: Double { Double(nanoseconds) / 1e9 }
}

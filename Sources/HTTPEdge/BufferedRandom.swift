#if canImport(Glibc)
import Glibc
#endif

/// Random bits, fetched 4 KB at a time from glibc's `arc4random_buf` (the kernel's generator). A push of
/// 100 new records needs 200 words for their ids, and `SystemRandomNumberGenerator` makes one getrandom()
/// system call per word. One per thread, like the handler that owns it.
struct BufferedRandom: RandomNumberGenerator {
    private var words = [UInt64](repeating: 0, count: 512)
    private var position = 512

    mutating func next() -> UInt64 {
        if position == words.count { refill() }
        defer { position += 1 }
        return words[position]
    }

    private mutating func refill() {
        words.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
        position = 0
    }
}

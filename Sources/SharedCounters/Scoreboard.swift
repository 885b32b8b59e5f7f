import Glibc
import Synchronization

/// A file of 64-bit atomic slots mapped into every process of the service (as Apache's scoreboard is),
/// so that metrics and rate limits count for the whole service whichever worker process serves a
/// request, and survive a worker that dies. The master creates it; workers map the same file.
public final class Scoreboard: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// How many slots the file has.
    public let count: Int
    // Safe to share: the pointer never changes, the mapping lives as long as this object, and every
    // access to the memory behind it is an atomic operation (across threads and processes alike).
    nonisolated(unsafe) private let base: UnsafeMutablePointer<Atomic<UInt64>>

    /// Maps `path`, creating it (zeroed) when `create` is true.
    public init(path: String, slots: Int, create: Bool) throws {
        // Never through a link: the file is created in a shared directory such as /dev/shm.
        let flags = (create ? O_RDWR | O_CREAT | O_TRUNC : O_RDWR) | O_NOFOLLOW | O_CLOEXEC
        let descriptor = open(path, flags, 0o600)
        guard descriptor >= 0 else { throw Failure(description: "cannot open the scoreboard \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let bytes = slots * MemoryLayout<UInt64>.stride
        if create, ftruncate(descriptor, off_t(bytes)) != 0 {
            throw Failure(description: "cannot size the scoreboard \(path): \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, Int(status.st_size) >= bytes else {
            throw Failure(description: "the scoreboard \(path) is smaller than this build expects")
        }
        guard let mapped = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), mapped != MAP_FAILED else {
            throw Failure(description: "cannot map the scoreboard \(path): \(String(cString: strerror(errno)))")
        }
        count = slots
        base = mapped.bindMemory(to: Atomic<UInt64>.self, capacity: slots)
    }

    deinit {
        munmap(UnsafeMutableRawPointer(base), count * MemoryLayout<UInt64>.stride)
    }

    public func add(_ slot: Int, _ amount: UInt64 = 1) {
        base[slot].wrappingAdd(amount, ordering: .relaxed)
    }

    public func subtract(_ slot: Int, _ amount: UInt64 = 1) {
        base[slot].wrappingSubtract(amount, ordering: .relaxed)
    }

    public func load(_ slot: Int) -> UInt64 {
        base[slot].load(ordering: .relaxed)
    }

    public func store(_ slot: Int, _ value: UInt64) {
        base[slot].store(value, ordering: .relaxed)
    }

    /// Sets `slot` to `desired` if it holds `expected`; returns whether it did.
    public func compareExchange(_ slot: Int, expected: UInt64, desired: UInt64) -> Bool {
        base[slot].compareExchange(expected: expected, desired: desired, ordering: .acquiringAndReleasing).exchanged
    }
}

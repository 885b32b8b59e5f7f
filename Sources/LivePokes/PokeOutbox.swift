#if canImport(Glibc)
import Glibc
#endif
import SystemCalls

/// The workers' side of live pokes: a push that changed something hands "tenant stamp" to the master's
/// relay (PokeRelay) as one datagram on a socket pair the master made, so that the pokes of every worker
/// meet in one place, where a burst of pushes becomes one poke per tenant. Never waits: when the relay
/// is behind and the socket's buffer is full, the poke is dropped and counted (the devices then hear of
/// the change with the next poke, or at their next pull).
public struct PokeOutbox: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The descriptor a worker finds its end on (ProcessSpawner).
    public static let inheritedDescriptor: Int32 = 5
    /// What asks the relay to poke every subscriber of every tenant (a worker died mid-push).
    public static let everyone = "*"

    public let descriptor: Int32

    public init(descriptor: Int32) { self.descriptor = descriptor }

    /// A connected pair of datagram sockets: the relay reads one end, workers write the other.
    public struct Ends: Sendable {
        public let relay: Int32
        public let workers: Int32
    }

    public static func pair() throws -> Ends {
        var ends: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw Failure(description: "socketpair: \(String(cString: strerror(errno)))")
        }
        // Above 10, so that dup2 onto descriptor 5 in a worker always clears close-on-exec (ProcessSpawner).
        let relay = fcntl(ends[0], F_DUPFD_CLOEXEC, 10), workers = fcntl(ends[1], F_DUPFD_CLOEXEC, 10)
        close(ends[0])
        close(ends[1])
        return Ends(relay: relay, workers: workers)
    }

    /// Hands the relay a poke for `tenant` at `stamp`; false when it was dropped.
    @discardableResult
    public func poke(tenant: String, stamp: String) -> Bool {
        send(tenant + " " + stamp)
    }

    /// Asks the relay to poke everyone (see `everyone`).
    @discardableResult
    public func pokeEveryone() -> Bool {
        send(PokeOutbox.everyone)
    }

    private func send(_ message: String) -> Bool {
        var message = message
        return message.withUTF8 { bytes in
            SystemCall.retrying { Glibc.send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL)) } == bytes.count
        }
    }
}

import Glibc
import HTTPEdge
import LivePokes
import SystemCalls

/// Starts worker processes: this same executable, run anew (fork() of a multi-threaded Swift process
/// is not safe), with the listening socket as descriptor 3, a readiness pipe as descriptor 4 and the
/// poke relay's socket as descriptor 5 (PokeOutbox).
struct ProcessSpawner {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let socketDescriptor: Int32 = 3
    static let readyDescriptor: Int32 = 4

    /// The executable's path, read once at start so that a reload after an upgrade runs the new binary.
    let executable: String

    init() throws {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { throw Failure(description: "cannot find this executable: \(String(cString: strerror(errno)))") }
        executable = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Spawns `arguments` with `environment`; returns the child's pid and the read end of its readiness pipe.
    func spawn(arguments: [String], environment: [String: String], socket: Int32, pokes: Int32) throws -> (pid: pid_t, ready: Int32) {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        // Descriptors above 10 can never be the targets 3 and 4 themselves, so dup2 always clears close-on-exec.
        let readEnd = fcntl(pipeEnds[0], F_DUPFD_CLOEXEC, 10)
        let writeEnd = fcntl(pipeEnds[1], F_DUPFD_CLOEXEC, 10)
        close(pipeEnds[0])
        close(pipeEnds[1])
        defer { close(writeEnd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, socket, ProcessSpawner.socketDescriptor)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, ProcessSpawner.readyDescriptor)
        posix_spawn_file_actions_adddup2(&actions, pokes, PokeOutbox.inheritedDescriptor)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
            close(readEnd)
            throw Failure(description: "posix_spawn \(executable): \(String(cString: strerror(status)))")
        }
        return (pid, readEnd)
    }

    /// Waits up to `seconds` for a child to report that it serves; false if it did not (or died).
    static func waitReady(_ descriptor: Int32, seconds: Double) -> Bool {
        defer { close(descriptor) }
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard SystemCall.retrying({ poll(&poller, 1, Int32(seconds * 1000)) }) == 1 else { return false }
        var byte: UInt8 = 0
        return SystemCall.retrying { read(descriptor, &byte, 1) } == 1
    }
}

#if canImport(Glibc)
import Glibc
#endif
import SyncCore
import Synchronization
import SystemCalls

/// JSON lines on standard error (file descriptor 2), which systemd's journal keeps.
/// Callers pass only safe values: never a token, a secret or record contents.
public enum Log {
    public enum Level: Int, Sendable {
        case info = 0, error = 1

        public init?(name: String) {
            switch name.lowercased() {
            case "info": self = .info
            case "error": self = .error
            default: return nil
            }
        }
    }

    private static let minimum = Atomic<Int>(Level.info.rawValue)

    /// Lines below `level` are dropped (`SYNC_LOG_LEVEL`: info, or error for errors only).
    public static func setLevel(_ level: Level) {
        minimum.store(level.rawValue, ordering: .relaxed)
    }

    /// One line: `time`, `level`, `msg`, then `fields` in order (callers use other names than those three).
    public static func write(_ level: String, _ message: String, _ fields: [(String, JSON)] = []) {
        let rank = Level(name: level)?.rawValue ?? Level.error.rawValue
        guard rank >= minimum.load(ordering: .relaxed) else { return }
        var line = "{\"time\":\"" + now() + "\",\"level\":"
        line.reserveCapacity(256)
        JSON.writeString(level, to: &line)
        line += ",\"msg\":"
        JSON.writeString(message, to: &line)
        for (key, value) in fields {
            line += ","
            JSON.writeString(key, to: &line)
            line += ":"
            line += value.serialized
        }
        line += "}\n"
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = SystemCall.retrying { Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset) }
                if written <= 0 { return }
                offset += written
            }
        }
    }

    public static func info(_ message: String, _ fields: [(String, JSON)] = []) { write("info", message, fields) }
    public static func error(_ message: String, _ fields: [(String, JSON)] = []) { write("error", message, fields) }

    private static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microsecondsSinceEpoch: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000).description
    }
}

/// What this program is, for `/metrics` (`sync_build_info`). `syncd` sets both once, before any thread
/// or worker starts, and nothing writes them again.
public enum Build {
    nonisolated(unsafe) public static var version = "unknown"
    nonisolated(unsafe) public static var commit = "unknown"
}

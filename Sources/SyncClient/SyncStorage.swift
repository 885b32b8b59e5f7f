import Foundation

/// Where a client keeps its state between runs: the server's copies, the queue of local changes, the
/// push in flight and the position. `save` must replace the whole state atomically (all of it or
/// none of it), which is what lets a client killed between any two steps lose and repeat nothing.
public protocol SyncStorage: Sendable {
    func load() async throws -> SyncState?
    func save(_ state: SyncState) async throws
}

/// State held in memory: for tests, and for apps that keep nothing between launches.
public actor MemoryStorage: SyncStorage {
    private var state: SyncState?
    public init() {}
    public func load() -> SyncState? { state }
    public func save(_ state: SyncState) { self.state = state }
}

/// State in one JSON file, replaced by a rename (atomic on POSIX file systems). Each save writes the
/// whole state: fine for thousands of records; an app with far more implements SyncStorage over its
/// own database.
public struct FileStorage: SyncStorage {
    public let url: URL
    public init(url: URL) { self.url = url }

    public func load() throws -> SyncState? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try JSONDecoder().decode(SyncState.self, from: Data(contentsOf: url))
    }

    public func save(_ state: SyncState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(state).write(to: url, options: .atomic)
    }
}

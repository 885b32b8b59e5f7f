import Foundation
import OpenAPIRuntime
import OpenAPIURLSession

/// An offline-first client of the sync service: it records local changes in a queue, and `sync()` runs
/// one round (push the queue in batches, apply the server's versions, pull every page, keep the new
/// position), saving its state after every step, so that a client stopped between any two steps
/// loses nothing and applies nothing twice when it runs again.
///
/// ```swift
/// let client = try await SyncClient(baseURL: URL(string: "https://sync.example.com")!,
///                                   storage: FileStorage(url: stateFile)) { _ in try await login() }
/// let id = try await client.put("end_user", ["name": "Ada"])
/// let round = try await client.sync()
/// let users = await client.records("end_user")
/// ```
public actor SyncClient {
    /// Steps after which the state is saved; `onStep` hears each (for progress, and for tests that stop a
    /// client between steps).
    public enum Step: Sendable, Hashable {
        case pushed(changes: Int)
        case pulledPage(records: Int)
    }

    public let entityTypes: [EntityTypeRule]
    /// Most changes in one push (the service takes 1,000 by default).
    public let batchSize: Int
    /// Most records in one pull page.
    public let pageSize: Int
    let onStep: (@Sendable (Step) async -> Void)?
    let storage: any SyncStorage
    let api: Client
    var state: SyncState

    /// - Parameters:
    ///   - getToken: answers the bearer token; called again with `refresh: true` once when the service
    ///     answers 401 (an expired token), so it should then fetch a new one.
    public init(
        baseURL: URL, entityTypes: [EntityTypeRule] = EntityTypeRule.standard, storage: any SyncStorage,
        batchSize: Int = 200, pageSize: Int = 1000, retry: RetryPolicy = RetryPolicy(),
        transport: (any ClientTransport)? = nil, onStep: (@Sendable (Step) async -> Void)? = nil,
        getToken: @escaping @Sendable (_ refresh: Bool) async throws -> String
    ) async throws {
        self.entityTypes = entityTypes
        self.batchSize = max(1, batchSize)
        self.pageSize = max(1, pageSize)
        self.onStep = onStep
        self.storage = storage
        self.api = Client(
            serverURL: baseURL, transport: transport ?? URLSessionTransport(),
            middlewares: [ServiceMiddleware(tokens: TokenSource(getToken: getToken), policy: retry)])
        self.state = try await storage.load() ?? SyncState()
    }

    // MARK: Local changes

    /// Records a local change (a new record when `fields` has no `id`) and answers the record's id.
    /// Throws, queueing nothing, for an unknown type, an id that is not a UUID, or a field of the wrong type.
    @discardableResult
    public func put(_ entityType: String, _ fields: SyncRecord) async throws -> String {
        _ = try rule(entityType)
        var fields = fields
        var id = UUID().uuidString.lowercased()
        if let given = fields.removeValue(forKey: "id") {
            // Ids are made on the device, so that a push sent twice can never create a record twice.
            guard let text = given.stringValue, UUID(uuidString: text) != nil else { throw SyncClientError.invalidID(given) }
            id = text.lowercased()
        }
        fields["updatedAt"] = .string(Self.now())
        for key in ["version", "sync_status", "server_synced", "last_updated"] { fields.removeValue(forKey: key) }
        var change: PendingChange
        let queued = state.queue.firstIndex { $0.entityType == entityType && $0.id == id }
        if let queued {
            change = state.queue[queued]
            change.fields.merge(fields) { _, new in new }
        } else {
            // A record whose newest version is the one a push in flight will make gets its base when
            // that push is answered (rebase in the round).
            let base = state.records[entityType]?[id]?["version"]?.intValue
            change = PendingChange(entityType: entityType, id: id, fields: fields, baseVersion: base)
        }
        // A change that does not fit the contract (a field of the wrong type) is refused here, not queued.
        _ = try Wire.pushRequest([change])
        if let queued { state.queue[queued] = change } else { state.queue.append(change) }
        try await storage.save(state)
        return id
    }

    /// Deletes a record the registry's way: sets its type's deleted field, which the server keeps as a
    /// tombstone that every device receives.
    public func delete(_ entityType: String, id: String) async throws {
        let rule = try rule(entityType)
        try await put(entityType, ["id": .string(id), rule.deletedField: rule.deletedValue])
    }

    /// A record as this device sees it: the server's copy with the local changes not yet acknowledged
    /// laid over it; nil when unknown or deleted.
    public func record(_ entityType: String, id: String) -> SyncRecord? {
        let id = id.lowercased()
        var record = state.records[entityType]?[id]
        for change in localChanges where change.entityType == entityType && change.id == id {
            record = (record ?? ["id": .string(id)]).merging(change.fields) { _, new in new }
        }
        guard let record, let rule = entityTypes.first(where: { $0.name == entityType }), !rule.isTombstone(record)
        else { return nil }
        return record
    }

    /// Every record of a type as this device sees it, by id.
    public func records(_ entityType: String) -> [String: SyncRecord] {
        var ids = Set(state.records[entityType].map { Array($0.keys) } ?? [])
        for change in localChanges where change.entityType == entityType { ids.insert(change.id) }
        var result: [String: SyncRecord] = [:]
        for id in ids { result[id] = record(entityType, id: id) }
        return result
    }

    /// Local changes not yet acknowledged by the service (in flight first, then queued).
    public var pendingChanges: [PendingChange] { localChanges }
    public var refusedChanges: [RefusedChange] { state.refused }

    /// Forgets refused changes (those of the given record ids, or all): the app has fixed and put them
    /// again, or dropped them.
    public func discardRefused(ids: Set<String>? = nil) async throws {
        let drop = ids.map { Set($0.map { $0.lowercased() }) }
        state.refused.removeAll { refused in drop.map { $0.contains(refused.change.id) } ?? true }
        try await storage.save(state)
    }
    public var position: String? { state.position }

    private var localChanges: [PendingChange] { (state.inFlight?.changes ?? []) + state.queue }

    func rule(_ entityType: String) throws -> EntityTypeRule {
        guard let rule = entityTypes.first(where: { $0.name == entityType }) else {
            throw SyncClientError.unknownEntityType(entityType)
        }
        return rule
    }

    /// The names as the contract's entity types (those of the openapi.yaml the client was built from).
    func contractTypes(_ names: [String]) throws -> [Components.Schemas.EntityType] {
        try names.map {
            guard let type = Components.Schemas.EntityType(rawValue: $0) else { throw SyncClientError.unknownEntityType($0) }
            return type
        }
    }

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}

import OpenAPIRuntime

/// A conflict the service met: in a push's answer, or (with the payloads) an open one of the
/// `manual` strategy waiting for a decision.
public struct SyncConflict: Codable, Sendable, Hashable {
    public var conflictId: Int
    public var entityType: String
    public var id: String
    public var strategy: String
    public var clientVersion: Int
    public var serverVersion: Int
    /// server, client, merged, or open (manual: waiting for `resolve`); nil for an open conflict listed.
    public var winner: String?
    public var clientPayload: SyncRecord?
    public var serverPayload: SyncRecord?
}

public enum ConflictResolution: String, Sendable {
    case server, client, merged
}

extension SyncClient {
    /// The tenant's open conflicts (manual strategy), oldest first.
    public func openConflicts(limit: Int? = nil) async throws -> [SyncConflict] {
        let answer = try await call { try await self.api.listConflicts(body: .json(.init(limit: limit))).ok.body.json }
        return try answer.data.map { try Wire.convert($0, to: SyncConflict.self) }
    }

    /// Settles an open conflict; the record the service stores replaces this device's copy (every
    /// device receives it on its next pull).
    @discardableResult
    public func resolve(_ conflict: SyncConflict, as resolution: ConflictResolution, record: SyncRecord? = nil)
        async throws -> SyncRecord
    {
        let request = Components.Schemas.ResolveRequest(
            conflictId: Int64(conflict.conflictId),
            resolution: .init(rawValue: resolution.rawValue)!,
            record: try record.map { try Wire.convert($0, to: OpenAPIObjectContainer.self) })
        let answer = try await call { try await self.api.resolveConflict(body: .json(request)).ok.body.json }
        let stored = try Wire.record(answer.data)
        try await receive(conflict.entityType, stored)
        return stored
    }
}

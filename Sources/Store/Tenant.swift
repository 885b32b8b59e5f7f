import SyncCore

/// A tenant as the service needs it on every request.
public struct Tenant: Sendable {
    public let id: String
    public let isActive: Bool
    /// The tenant's strategy for every entity type; nil uses each type's registry default.
    public let conflictStrategy: ConflictStrategy?
    /// Requests per second (burst the same); nil takes the service's default, 0 is unlimited.
    public let rateLimit: Int?
    /// What a token without a `scope` claim may do.
    public var defaultScope: Scope = .everything
    /// Positions lost to restores from backups: a device holding one must reset.
    public var lostPositions: LostPositions = .none

    public func strategy(for entityType: EntityType) -> ConflictStrategy {
        conflictStrategy ?? entityType.defaultConflictStrategy
    }
}

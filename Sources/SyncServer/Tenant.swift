import SyncCore

/// A tenant as the service needs it on every request.
struct Tenant: Sendable {
    let id: String
    let isActive: Bool
    /// The tenant's strategy for every entity type; nil uses each type's registry default.
    let conflictStrategy: ConflictStrategy?
    /// Requests per second (burst the same); nil takes the service's default, 0 is unlimited.
    let rateLimit: Int?
    /// What a token without a `scope` claim may do.
    var defaultScope: Scope = .everything
    /// Positions lost to restores from backups: a device holding one must reset.
    var lostPositions: LostPositions = .none

    func strategy(for entityType: EntityType) -> ConflictStrategy {
        conflictStrategy ?? entityType.defaultConflictStrategy
    }
}

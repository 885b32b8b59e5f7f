/// Failures of the store that are not invalid request bodies.
public enum StoreError: Error {
    /// Another transaction created the same record first; the whole push is run again.
    case lostInsertRace
    /// The Idempotency-Key was used before with a different request body.
    case idempotencyKeyReused
    /// No open conflict with this id in the caller's tenant.
    case conflictNotFound
    /// The conflict was resolved already.
    case conflictAlreadyResolved
    /// The record moved past the version the conflict saw: resolving with the client's copy would undo
    /// a newer edit. Carries the record as it is now (its JSON).
    case recordChangedSinceConflict(current: String)
    /// The device's position is one the server cannot continue from: after everything the server holds
    /// (a restore from a backup, not yet marked), or in a range a marked restore lost.
    case resetRequired
}

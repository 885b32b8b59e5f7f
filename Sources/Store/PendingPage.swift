import SyncCore

/// One page of pull-pending: the records by type, and the cursor of the next page when there is one.
public struct PendingPage {
    public let records: [EntityRows]
    public let next: PendingCursor?
}

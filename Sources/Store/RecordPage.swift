import SyncCore

/// Records of one entity type on a page, already written as comma-separated JSON objects.
public struct EntityRows {
    public let entityType: EntityType
    public var json: [UInt8] = []
    public var count = 0
}

/// One page of a pull: the records of each requested type and the position after them.
public struct RecordPage {
    public let records: [EntityRows]
    public let hasMore: Bool
    public let syncTimestamp: String
}

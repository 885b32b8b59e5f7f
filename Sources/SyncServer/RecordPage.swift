import SyncCore

/// Records of one entity type on a page, already written as comma-separated JSON objects.
struct EntityRows {
    let entityType: EntityType
    var json: [UInt8] = []
    var count = 0
}

/// One page of a pull: the records of each requested type and the position after them.
struct RecordPage {
    let records: [EntityRows]
    let hasMore: Bool
    let syncTimestamp: String
}

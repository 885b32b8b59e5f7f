extension SyncClient {
    /// The records the server marked pending (each type's pending rule), every page of them, by entity
    /// type. They change nothing held locally: the pull brings every record anyway.
    public func pending(_ entityTypes: [String]? = nil) async throws -> [String: [SyncRecord]] {
        let types = try contractTypes(entityTypes ?? self.entityTypes.map(\.name))
        var found: [String: [SyncRecord]] = [:]
        var cursor: String?
        repeat {
            let request = Components.Schemas.PendingRequest(entityTypes: types, limit: pageSize, cursor: cursor)
            let page = try await call { try await self.api.pullPending(body: .json(request)).ok.body.json }
            for (entityType, records) in try Wire.records(page.data) { found[entityType, default: []] += records }
            cursor = page.hasMore ? page.nextCursor : nil
        } while cursor != nil
        return found
    }
}

import Postgres
import SyncCore

extension SyncStore {
    /// The tenant's open conflicts (those of the `manual` strategy), oldest first.
    public func openConflicts(tenant: String, entityTypes: [String], limit: Int) throws -> [String] {
        let rows = try connection.execute(prepared: "conflict.open", """
            SELECT json_build_object('conflictId', id, 'entityType', entity_type, 'id', record_id, 'strategy', strategy, \
                'clientVersion', client_version, 'serverVersion', server_version, 'clientPayload', client_payload, \
                'serverPayload', server_payload, 'pushedBy', pushed_by, 'createdAt', sync_iso(created_at))::text \
            FROM sync_conflicts WHERE tenant_id = $1 AND outcome = 'open' AND entity_type = ANY($3::text[])             ORDER BY id LIMIT $2::integer
            """, [tenant, String(limit), SQLValue.array(entityTypes)])
        return (0..<rows.rowCount).compactMap { rows.string(row: $0, column: 0) }
    }

    /// Settles an open conflict and writes the outcome as a new version of the record, so that every
    /// device receives it with its next pull. Returns the record as stored.
    /// `permit` is asked, before anything is written, whether the caller may write the conflict's type.
    public func resolveConflict(
        _ request: ResolveRequest, registry: Registry, context: PushContext, permit: (EntityType) throws -> Void
    ) throws -> ResolvedRecord {
        try writeTransaction(naming: context) {
            let tenant = context.tenant.id
            let conflict = try connection.execute(prepared: "conflict.lock", """
                SELECT entity_type, record_id::text, client_payload::text, outcome, server_version FROM sync_conflicts \
                WHERE tenant_id = $1 AND id = $2::bigint FOR UPDATE
                """, [tenant, String(request.conflictID)])
            guard conflict.rowCount == 1, let typeName = conflict.string(row: 0, column: 0),
                  let entityType = registry.entityType(named: typeName), let recordID = conflict.string(row: 0, column: 1)
            else { throw StoreError.conflictNotFound }
            try permit(entityType)
            guard conflict.string(row: 0, column: 3) == "open" else { throw StoreError.conflictAlreadyResolved }
            let clientValues = conflict.string(row: 0, column: 2).flatMap { try? JSON.parse($0).objectValue } ?? JSONObject()
            let merged = try request.record.map { try PushItem.validated($0, entityType: entityType).values }

            let statements = sql(entityType)
            let locked = try connection.execute(prepared: "\(typeName).lock", statements.selectForUpdate,
                                                [tenant, SQLValue.uuidArray([recordID])], binaryResults: true)
            guard locked.rowCount == 1 else { throw StoreError.conflictNotFound }
            let stored = try statements.coding.record(locked, row: 0)
            if request.resolution != .server, stored[SyncFields.versionName]?.intValue != conflict.int(row: 0, column: 4) {
                throw StoreError.recordChangedSinceConflict(current: try statements.coding.json(locked, row: 0))
            }
            let record = WritePlan.resolve(request.resolution, stored: stored, clientValues: clientValues, merged: merged, entityType: entityType)
            let version = stored[SyncFields.versionName]?.intValue ?? 1
            let written = try connection.execute(prepared: "\(typeName).update", statements.update,
                                                 statements.writeParameters(tenant: tenant, records: [record]) + [SQLValue.array([String(version)])],
                                                 binaryResults: true)
            guard written.rowCount == 1 else { throw StoreError.lostInsertRace }
            let row = try statements.coding.json(written, row: 0)
            let stamp = try statements.coding.record(written, row: 0)[SyncFields.lastUpdatedName]?.stringValue
            try connection.execute(prepared: "conflict.resolve", """
                UPDATE sync_conflicts SET outcome = $3, resolution = $3, resolved_at = clock_timestamp(), resolved_by = $4 \
                WHERE tenant_id = $1 AND id = $2::bigint
                """, [tenant, String(request.conflictID), request.resolution.rawValue, context.subject])
            return ResolvedRecord(json: row, stamp: stamp)
        }
    }
}

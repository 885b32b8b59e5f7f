import Foundation
import OpenAPIRuntime

/// What one round did.
public struct SyncRoundResult: Sendable {
    public var pushed = 0
    public var pulled = 0
    /// The conflicts the pushes met; the server's outcome is already applied locally.
    public var conflicts: [SyncConflict] = []
    /// Changes refused for their content this round (also kept in `refusedChanges`).
    public var refused: [RefusedChange] = []
}

extension SyncClient {
    /// One round: push the queue in batches (a push in flight from an earlier run first, with its own
    /// key), then pull every page from the stored position. Throws when the service cannot be reached
    /// after the retry policy; nothing is lost then, and the next round carries on.
    public func sync() async throws -> SyncRoundResult {
        var result = SyncRoundResult()
        try await pushQueue(into: &result)
        try await pullPages(into: &result)
        return result
    }

    private func pushQueue(into result: inout SyncRoundResult) async throws {
        while true {
            if state.inFlight == nil {
                guard !state.queue.isEmpty else { return }
                let batch = Array(state.queue.prefix(batchSize))
                state.queue.removeFirst(batch.count)
                state.inFlight = PushInFlight(idempotencyKey: UUID().uuidString.lowercased(), changes: batch)
                try await storage.save(state)
            }
            try await pushInFlight(into: &result)
        }
    }

    /// Sends the push in flight until it is answered, and applies the answer.
    private func pushInFlight(into result: inout SyncRoundResult) async throws {
        guard let inFlight = state.inFlight, let answer = try await send(inFlight, into: &result) else { return }
        for stored in answer.data {
            let record = try Wire.record(stored)
            guard let id = record["id"]?.stringValue,
                  let change = inFlight.changes.first(where: { $0.id == id }) else { continue }
            try await receive(change.entityType, record, save: false)
            if let version = record["version"]?.intValue {
                for index in state.queue.indices where state.queue[index].entityType == change.entityType
                    && state.queue[index].id == id {
                    state.queue[index].baseVersion = version
                }
            }
        }
        result.conflicts += try answer.conflicts.map { try Wire.convert($0, to: SyncConflict.self) }
        for issue in answer.rejected ?? [] {
            guard let offset = Wire.offset(ofType: issue.entityType.rawValue, index: issue.index, in: inFlight.changes)
            else { continue }
            refuse(inFlight.changes[offset], reason: issue.message, into: &result)
        }
        state.inFlight = nil
        try await storage.save(state)
        result.pushed += inFlight.changes.count
        await onStep?(.pushed(changes: inFlight.changes.count))
    }

    /// The service's answer to a push; nil when it refused the push for its content (its records at
    /// fault are then set aside, and the rest is the push in flight).
    private func send(_ inFlight: PushInFlight, into result: inout SyncRoundResult) async throws
        -> Components.Schemas.PushResponse?
    {
        let request = try Wire.pushRequest(inFlight.changes)
        var racesLost = 0
        while true {
            do {
                return try await call {
                    try await self.api.push(headers: .init(Idempotency_hyphen_Key: inFlight.idempotencyKey), body: .json(request))
                        .ok.body.json
                }
            } catch let error as SyncServiceError where error.status == 409 && error.code == "concurrent_write" && racesLost < 3 {
                racesLost += 1
            } catch let error as SyncServiceError where [400, 413].contains(error.status) {
                try await setAside(inFlight, after: error, into: &result)
                return nil
            }
        }
    }

    /// A push refused as a whole for its content (nothing was written): the records the service names
    /// are set aside, and the rest go again under a new key; when it names none, the batch is halved
    /// until the one record at fault is alone.
    private func setAside(_ inFlight: PushInFlight, after error: SyncServiceError,
                          into result: inout SyncRoundResult) async throws {
        var faulty: [Int: String] = [:]
        for case .object(let detail) in error.details {
            guard let type = detail["entityType"]?.stringValue, let index = detail["index"]?.intValue,
                  let offset = Wire.offset(ofType: type, index: index, in: inFlight.changes) else { continue }
            faulty[offset] = [detail["field"]?.stringValue, detail["message"]?.stringValue].compactMap { $0 }.joined(separator: ": ")
        }
        var keep = inFlight.changes
        if faulty.isEmpty && inFlight.changes.count > 1 {
            keep = Array(inFlight.changes.prefix(inFlight.changes.count / 2))
            state.queue.insert(contentsOf: inFlight.changes.dropFirst(keep.count), at: 0)
        } else {
            if faulty.isEmpty { faulty[0] = error.message }
            for (offset, reason) in faulty.sorted(by: { $0.key < $1.key }) {
                refuse(inFlight.changes[offset], reason: reason, into: &result)
            }
            keep = inFlight.changes.enumerated().filter { faulty[$0.offset] == nil }.map(\.element)
        }
        state.inFlight = keep.isEmpty ? nil : PushInFlight(idempotencyKey: UUID().uuidString.lowercased(), changes: keep)
        try await storage.save(state)
    }

    /// Sets a change aside for the app, with the service's reason.
    private func refuse(_ change: PendingChange, reason: String, into result: inout SyncRoundResult) {
        let refused = RefusedChange(change: change, reason: reason)
        state.refused.append(refused)
        result.refused.append(refused)
    }

    private func pullPages(into result: inout SyncRoundResult) async throws {
        let types = try contractTypes(entityTypes.map(\.name))
        while true {
            let request = Components.Schemas.PullRequest(lastSyncTimestamp: state.position, entityTypes: types, limit: pageSize)
            let page: Components.Schemas.RecordsResponse
            do {
                page = try await call { try await self.api.pull(body: .json(request)).ok.body.json }
            } catch let error as SyncServiceError where error.status == 410 && state.position != nil {
                // The server was restored from a backup: keep the local changes, start the walk again.
                state.position = nil
                state.records = [:]
                try await storage.save(state)
                continue
            }
            var count = 0
            for (entityType, records) in try Wire.records(page.data) {
                for record in records { try await receive(entityType, record, save: false) }
                count += records.count
            }
            state.position = page.syncTimestamp
            try await storage.save(state)
            result.pulled += count
            await onStep?(.pulledPage(records: count))
            if !page.hasMore { return }
        }
    }

    /// Takes the server's copy of a record unless this device holds a newer one; a tombstone removes it.
    func receive(_ entityType: String, _ record: SyncRecord, save: Bool = true) async throws {
        guard let id = record["id"]?.stringValue?.lowercased() else { return }
        if let held = state.records[entityType]?[id]?["version"]?.intValue,
           let incoming = record["version"]?.intValue, incoming < held { return }
        if try rule(entityType).isTombstone(record) {
            state.records[entityType]?[id] = nil
        } else {
            state.records[entityType, default: [:]][id] = record
        }
        if save { try await storage.save(state) }
    }

    /// Runs a call of the generated client, answering the service's error (or the network's) rather
    /// than the generated client's wrapper of it.
    func call<Output: Sendable>(_ body: @Sendable () async throws -> Output) async throws -> Output {
        do {
            return try await body()
        } catch let error as ClientError {
            throw error.underlyingError
        }
    }
}

// The Swift client under the shared client scenarios (Tests/e2e/test_clients.py): one JSON command per
// line on standard input, one JSON answer per line on standard output. The JavaScript client has the same
// driver (clients/js/test/driver.mjs), so that both run the same scenarios.
import Foundation
import SyncClient

struct Command: Decodable {
    var op: String
    var baseUrl: String?
    var state: String?
    var tokens: [String]?
    var batchSize: Int?
    var attempts: Int?
    var pageSize: Int?
    var stopAfter: String?
    var stopCount: Int?
    var type: String?
    var id: String?
    var fields: SyncRecord?
    var conflict: SyncConflict?
    var resolution: String?
    var types: [String]?
    var ids: [String]?
}

/// Hands out the scenario's tokens: the first, then the next one each time the client asks for a refresh.
actor Tokens {
    private var tokens: [String]
    private(set) var refreshes = 0
    init(_ tokens: [String]) { self.tokens = tokens }
    func get(refresh: Bool) -> String {
        if refresh && tokens.count > 1 { tokens.removeFirst(); refreshes += 1 }
        return tokens[0]
    }
}

/// Stops the process, as a kill would, right after the named step has been saved for the n-th time.
actor Stopper {
    let step: String?
    var remaining: Int
    init(step: String?, count: Int) { self.step = step; remaining = count }
    func reached(_ reached: SyncClient.Step) {
        let name = switch reached { case .pushed: "pushed"; case .pulledPage: "pulledPage" }
        guard name == step else { return }
        remaining -= 1
        if remaining == 0 { _exit(137) }
    }
}

func answer(_ value: JSONValue) {
    let data = try! JSONEncoder().encode(value)
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

func json(_ value: some Encodable) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
}

func errorAnswer(_ error: any Error) -> JSONValue {
    if let error = error as? SyncServiceError {
        return ["error": ["status": .integer(error.status), "code": .string(error.code), "message": .string(error.message)]]
    }
    return ["error": ["status": 0, "code": "client_error", "message": .string(String(describing: error))]]
}

var client: SyncClient?
var tokens = Tokens([])
while let line = readLine() {
    do {
        let command = try JSONDecoder().decode(Command.self, from: Data(line.utf8))
        switch command.op {
        case "open":
            tokens = Tokens(command.tokens ?? [])
            let source = tokens
            let stopper = Stopper(step: command.stopAfter, count: command.stopCount ?? 1)
            client = try await SyncClient(
                baseURL: URL(string: command.baseUrl!)!, storage: FileStorage(url: URL(fileURLWithPath: command.state!)),
                batchSize: command.batchSize ?? 200, pageSize: command.pageSize ?? 1000,
                retry: RetryPolicy(attempts: command.attempts ?? 5, maximumWait: .seconds(5)),
                onStep: { step in await stopper.reached(step) }
            ) { refresh in await source.get(refresh: refresh) }
            answer(["ok": true])
        case "put":
            answer(["id": .string(try await client!.put(command.type!, command.fields ?? [:]))])
        case "delete":
            try await client!.delete(command.type!, id: command.id!)
            answer(["ok": true])
        case "sync":
            let round = try await client!.sync()
            answer(["pushed": .integer(round.pushed), "pulled": .integer(round.pulled),
                    "conflicts": try json(round.conflicts), "refused": try json(round.refused),
                    "tokenRefreshes": .integer(await tokens.refreshes)])
        case "records":
            answer(["records": try json(await client!.records(command.type!))])
        case "state":
            let pending = await client!.pendingChanges.count
            answer(["pending": .integer(pending), "refused": try json(await client!.refusedChanges),
                    "position": await client!.position.map { .string($0) } ?? .null])
        case "pending":
            answer(["pending": try json(try await client!.pending(command.types))])
        case "discardRefused":
            try await client!.discardRefused(ids: command.ids.map(Set.init))
            answer(["ok": true])
        case "conflicts":
            answer(["conflicts": try json(try await client!.openConflicts())])
        case "resolve":
            let stored = try await client!.resolve(
                command.conflict!, as: ConflictResolution(rawValue: command.resolution!)!, record: command.fields)
            answer(["record": .object(stored)])
        default:
            answer(["error": ["status": 0, "code": "unknown_op", "message": .string(command.op)]])
        }
    } catch {
        answer(errorAnswer(error))
    }
}

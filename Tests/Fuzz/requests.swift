// libFuzzer harness: the request decoders (push, pull, pull-pending, resolve), compiled into one module
// with SyncCore's sources (scripts/fuzz). The first byte picks the decoder; the rest is the body. Any
// input is decoded or refused with issues; nothing crashes, and an error stays within its bounds.

#if canImport(Glibc)
import Glibc
#endif

/// The registry the service ships; scripts/fuzz runs from the repository's top.
let standardRegistry: Registry = {
    guard let file = fopen("registry/registry.json", "r") else { fatalError("run from the repository's top: registry/registry.json") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        guard count > 0 else { break }
        bytes += chunk[..<count]
    }
    return try! RegistryFile.parse(String(decoding: bytes, as: UTF8.self))
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequests(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let body = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    guard let json = try? JSON.parse(body) else { return 0 }
    let registry = standardRegistry
    let limits = PageLimits(defaultLimit: 100, maximumLimit: 500)
    do {
        switch data[0] % 4 {
        case 0:
            let request = try PushRequest.parse(json, registry: registry, maxRecords: 1000)
            for batch in request.batches {
                for item in batch.items { precondition(item.id.map { UUIDText.normalized($0) == $0 } ?? true, "ids are normalised") }
            }
        case 1: _ = try PullRequest.parse(json, registry: registry, limits: limits)
        case 2: _ = try PendingRequest.parse(json, registry: registry, limits: limits)
        default: _ = try ResolveRequest.parse(json)
        }
    } catch {
        if case .invalid(let issues) = error {
            for issue in issues {
                precondition(issue.field.map { $0.unicodeScalars.count <= ValidationIssue.maximumNameScalars + 1 } ?? true)
                _ = issue.json.serialized
            }
        }
    }
    return 0
}

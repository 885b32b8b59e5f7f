import Store
import SyncCore

/// A success answer as a value: `{"success":true, ...}` with its members in the order the API documents
/// them, encoded once. Records arrive as the JSON the store wrote for them (RowCoding) and go in as they
/// are; every other member is a JSON value.
struct SuccessBody {
    enum Member {
        case value(JSON)
        /// Records the store wrote, as one array.
        case records([String])
        /// One record the store wrote.
        case record(String)
        /// A page's records: an object of arrays by entity type.
        case page([EntityRows])
    }

    private var members: [(name: String, member: Member)]

    init(_ members: KeyValuePairs<String, Member>) {
        self.members = members.map { (name: $0.key, member: $0.value) }
    }

    mutating func add(_ name: String, _ member: Member) {
        members.append((name: name, member: member))
    }

    var bytes: [UInt8] {
        var writer = ByteWriter(capacity: estimatedSize)
        writer.write(Array("{\"success\":true".utf8))
        for (name, member) in members {
            writer.write(UInt8(ascii: ","))
            writer.writeJSONString(name)
            writer.write(UInt8(ascii: ":"))
            switch member {
            case .value(let json):
                json.write(to: &writer)
            case .record(let text):
                writer.write(Array(text.utf8))
            case .records(let texts):
                writer.write(UInt8(ascii: "["))
                for (index, text) in texts.enumerated() {
                    if index > 0 { writer.write(UInt8(ascii: ",")) }
                    writer.write(Array(text.utf8))
                }
                writer.write(UInt8(ascii: "]"))
            case .page(let rows):
                writer.write(UInt8(ascii: "{"))
                for (index, ofType) in rows.enumerated() {
                    if index > 0 { writer.write(UInt8(ascii: ",")) }
                    writer.writeJSONString(ofType.entityType.name)
                    writer.write(Array(":[".utf8))
                    writer.write(ofType.json)
                    writer.write(UInt8(ascii: "]"))
                }
                writer.write(UInt8(ascii: "}"))
            }
        }
        writer.write(UInt8(ascii: "}"))
        return writer.bytes
    }

    /// The body as text: what an idempotent push stores, to answer its retries with.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Enough for a page in one allocation.
    private var estimatedSize: Int {
        members.reduce(256) { size, entry in
            switch entry.member {
            case .page(let rows): size + rows.reduce(0) { $0 + $1.json.count + 32 }
            case .records(let texts): size + texts.reduce(0) { $0 + $1.utf8.count + 1 }
            case .record(let text): size + text.utf8.count
            case .value: size + 64
            }
        }
    }
}

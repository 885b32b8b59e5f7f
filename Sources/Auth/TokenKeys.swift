/// The HS256 secrets tokens may be signed with. The primary one signs `syncd token`'s tokens and
/// verifies tokens without a `kid` header (and with the primary's key id, when it has one); the
/// others verify tokens whose `kid` names them, so that a secret can be rotated without logging
/// every device out.
public struct TokenKeys: Sendable {
    public struct Key: Sendable, Equatable {
        public let id: String?
        public let secret: [UInt8]
    }

    public let primary: Key
    public let others: [String: [UInt8]]

    /// The least a secret may be: as long as HS256's output (RFC 7518 §3.2).
    public static let minimumSecretBytes = 32
    /// Secrets that were published as examples, and so are known to everyone.
    public static let knownPlaceholders: Set<String> = [
        "change-me-to-a-long-random-secret", "change-me", "secret", "your-256-bit-secret",
    ]

    public init(primary secret: String, keyID: String? = nil, others: [String: String] = [:]) {
        primary = Key(id: keyID, secret: Array(secret.utf8))
        self.others = others.mapValues { Array($0.utf8) }
    }

    /// The secret a token's `kid` selects; nil when it names no key.
    func secret(forKeyID keyID: String?) -> [UInt8]? {
        guard let keyID else { return primary.secret }
        if keyID == primary.id { return primary.secret }
        return others[keyID]
    }

    /// What is wrong with these secrets, one line each, naming `setting` (the primary) or the key id.
    public func weaknesses(setting: String) -> [String] {
        var problems = TokenKeys.weaknesses(of: primary.secret, name: setting)
        for (id, secret) in others.sorted(by: { $0.key < $1.key }) {
            problems += TokenKeys.weaknesses(of: secret, name: "the key \(id)")
        }
        return problems
    }

    static func weaknesses(of secret: [UInt8], name: String) -> [String] {
        if secret.isEmpty { return ["\(name) is not set"] }
        if knownPlaceholders.contains(String(decoding: secret, as: UTF8.self)) {
            return ["\(name) is the example's placeholder: generate one, for example with `openssl rand -hex 32`"]
        }
        if secret.count < minimumSecretBytes {
            return ["\(name) is \(secret.count) bytes; it must be at least \(minimumSecretBytes) (`openssl rand -hex 32` makes 64)"]
        }
        return []
    }

    /// Parses `kid=secret` pairs separated by spaces or newlines (key ids: letters, digits, `._-`).
    public static func parseOthers(_ text: String) throws(TokenKeyListError) -> [String: String] {
        var keys: [String: String] = [:]
        for pair in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw TokenKeyListError(description: "expected kid=secret, got an entry without a key id")
            }
            let id = String(pair[..<equals])
            guard id.utf8.count <= 64, id.utf8.allSatisfy(isKeyIDCharacter) else {
                throw TokenKeyListError(description: "the key id \(id.prefix(64)) may hold only letters, digits, '.', '_' and '-'")
            }
            guard keys[id] == nil else { throw TokenKeyListError(description: "the key id \(id) appears twice") }
            keys[id] = String(pair[pair.index(after: equals)...])
        }
        return keys
    }

    public static func isKeyIDCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}

public struct TokenKeyListError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

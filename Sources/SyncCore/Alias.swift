/// Another name a client may use for a field, with the conversion to the field's value.
public struct Alias: Sendable {
    public enum Conversion: Sendable {
        case none
        /// `true`/`false` become 1/0.
        case booleanToFlag
    }

    public let name: String
    public let field: String
    public let conversion: Conversion

    public init(_ name: String, for field: String, conversion: Conversion = .none) {
        self.name = name
        self.field = field
        self.conversion = conversion
    }
}

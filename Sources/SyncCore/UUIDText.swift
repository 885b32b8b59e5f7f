/// Checks and normalises the textual form of a UUID (8-4-4-4-12 hexadecimal digits).
public enum UUIDText {
    /// The lower-case form, or nil when the text is not a UUID.
    public static func normalized(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return nil }
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
            } else {
                let isHex = (48...57).contains(byte) || (65...70).contains(byte) || (97...102).contains(byte)
                guard isHex else { return nil }
            }
        }
        return text.lowercased()
    }
}

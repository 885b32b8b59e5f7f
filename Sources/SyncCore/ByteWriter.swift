/// An output buffer for the hot path of a pull page: it checks capacity once per write instead of
/// paying an array's uniqueness check, reference counting and capacity check on every appended byte.
public struct ByteWriter: ~Copyable {
    // Inlinable (with its storage usable from inlined code): these calls sit in per-value loops.
    @usableFromInline var start: UnsafeMutablePointer<UInt8>
    @usableFromInline var count = 0
    @usableFromInline var capacity: Int

    public init(capacity: Int) {
        self.capacity = max(capacity, 64)
        start = .allocate(capacity: self.capacity)
    }

    deinit { start.deallocate() }

    /// How many bytes have been written.
    public var byteCount: Int { count }

    /// What has been written, copied out.
    public var bytes: [UInt8] {
        Array(UnsafeBufferPointer(start: start, count: count))
    }

    @inlinable public mutating func write(_ byte: UInt8) {
        reserve(1)
        start[count] = byte
        count += 1
    }

    @inlinable public mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        reserve(bytes.count)
        (start + count).update(from: base, count: bytes.count)
        count += bytes.count
    }

    @inlinable public mutating func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { write($0) }
    }

    /// A decimal integer.
    @inlinable public mutating func write(decimal value: Int64) {
        reserve(20)
        if value < 0 {
            start[count] = UInt8(ascii: "-")
            count += 1
        }
        var magnitude = value.magnitude
        var length = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            length += 1
        }
        for index in stride(from: length - 1, through: 0, by: -1) {
            start[count + index] = UInt8(truncatingIfNeeded: 48 + magnitude % 10)
            magnitude /= 10
        }
        count += length
    }

    /// `value` in exactly `width` decimal digits (zero-padded; `value` must fit).
    @inlinable public mutating func write(digits value: Int64, width: Int) {
        reserve(width)
        var rest = value
        var index = width
        while index > 0 {
            index -= 1
            start[count + index] = UInt8(truncatingIfNeeded: 48 + rest % 10)
            rest /= 10
        }
        count += width
    }

    /// `value` (0 to 99) in two decimal digits.
    @inlinable public mutating func write(twoDigits value: Int64) {
        reserve(2)
        let tens = value / 10
        start[count] = UInt8(truncatingIfNeeded: 48 + tens)
        start[count + 1] = UInt8(truncatingIfNeeded: 48 + value - tens * 10)
        count += 2
    }

    /// A byte as two lower-case hexadecimal digits.
    @inlinable public mutating func write(hex byte: UInt8) {
        reserve(2)
        let high = byte >> 4, low = byte & 0xF
        start[count] = high < 10 ? 48 + high : 87 + high
        start[count + 1] = low < 10 ? 48 + low : 87 + low
        count += 2
    }

    @inlinable mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    @usableFromInline mutating func grow(to needed: Int) {
        let grown = max(capacity * 2, needed)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        moved.update(from: start, count: count)
        start.deallocate()
        start = moved
        capacity = grown
    }
}

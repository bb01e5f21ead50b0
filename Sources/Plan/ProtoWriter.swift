/// A minimal protobuf wire-format encoder for the messages of `formats/plan.proto`.
///
/// Plans are encoded from Swift values directly rather than through protobuf-c: building protobuf-c's
/// C structs would mean allocating C strings and pointer arrays for every node and tensor, while the
/// wire format of a few scalar, string, packed and nested fields is simple. Decoding goes through the
/// generated protobuf-c code (`PlanDecoding.swift`), which validates hostile bytes against the schema;
/// the round-trip tests and `examples/read_plan.py` check that both sides agree with the .proto.
package struct ProtoWriter {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    package mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private mutating func tag(_ field: Int, _ wireType: UInt64) { varint(UInt64(field) << 3 | wireType) }

    /// uint32/uint64 fields; defaults (0) are omitted, as proto3 encoders do.
    package mutating func uint(_ field: Int, _ value: Int) {
        guard value != 0 else { return }
        tag(field, 0)
        varint(UInt64(truncatingIfNeeded: value))
    }

    /// Enum fields, written even when 0 would be the default (ours never use 0).
    package mutating func enumValue(_ field: Int, _ value: Int) { tag(field, 0); varint(UInt64(value)) }

    package mutating func bool(_ field: Int, _ value: Bool) {
        guard value else { return }
        tag(field, 0)
        varint(1)
    }

    package mutating func double(_ field: Int, _ value: Double) {
        guard value.bitPattern != 0 else { return }
        tag(field, 1)
        appendLittleEndian(value.bitPattern)
    }

    package mutating func float(_ field: Int, _ value: Float) {
        guard value.bitPattern != 0 else { return }
        tag(field, 5)
        appendLittleEndian(value.bitPattern)
    }

    package mutating func string(_ field: Int, _ value: String) {
        let utf8 = Array(value.utf8)
        lengthDelimited(field, utf8)
    }

    package mutating func string(alwaysAt field: Int, _ value: String) { lengthDelimited(field, Array(value.utf8)) }

    package mutating func lengthDelimited(_ field: Int, _ payload: [UInt8]) {
        tag(field, 2)
        varint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
    }

    package mutating func message(_ field: Int, _ build: (inout ProtoWriter) -> Void) {
        var inner = ProtoWriter()
        build(&inner)
        lengthDelimited(field, inner.bytes)
    }

    /// Packed repeated int64 (two's complement varints, as protobuf encodes negative int64).
    package mutating func packedInts(_ field: Int, _ values: [Int]) {
        guard !values.isEmpty else { return }
        var inner = ProtoWriter(capacity: values.count)
        for v in values { inner.varint(UInt64(bitPattern: Int64(v))) }
        lengthDelimited(field, inner.bytes)
    }

    /// Packed repeated float, little-endian float32; the hot path of tile records.
    package mutating func packedFloats(_ field: Int, _ values: [Float]) {
        guard !values.isEmpty else { return }
        tag(field, 2)
        varint(UInt64(values.count) * 4)
        bytes.reserveCapacity(bytes.count + values.count * 4)
        for v in values { appendLittleEndian(v.bitPattern) }
    }

    private mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
    }

    /// The varint length prefix of a delimited record.
    package static func lengthPrefix(_ count: Int) -> [UInt8] {
        var w = ProtoWriter()
        w.varint(UInt64(count))
        return w.bytes
    }
}

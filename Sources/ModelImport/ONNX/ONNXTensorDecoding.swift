import Foundation
import NetworkModel

/// Turns TensorProtos into constants, checking every size claim before anything is allocated.
struct ONNXTensorDecoder {
    /// The model file, for messages and to resolve external data.
    let file: URL

    func decode(_ t: ONNXTensorProto, role: String) throws(ImportError) -> ONNXValue {
        let what = "\(role) '\(t.name)'"
        var shape = [Int]()
        for d in t.dims {
            guard d >= 0, d <= Int64(Int.max) else { throw malformed("\(what) has a negative dimension in \(t.dims)") }
            shape.append(Int(d))
        }
        guard let count = Tensor.elementCount(shape) else {
            throw malformed("\(what) claims dims \(t.dims), whose element count overflows")
        }
        guard let size = ONNXDataType.size(t.dataType) else {
            throw ImportError(.unsupported, file: file.path,
                              "\(what) has data type \(ONNXDataType.name(t.dataType)); Imprint reads FLOAT, FLOAT16, DOUBLE and (for shapes) INT32/INT64")
        }
        if t.hasSegment { throw ImportError(.unsupported, file: file.path, "\(what) is a segment of a tensor, which is not supported") }
        let bytes: [UInt8]?
        if t.isExternal {
            let external = ONNXExternalData(modelFile: file)
            bytes = try external.read(t.externalData, tensor: what, expectedBytes: count.multipliedReportingOverflow(by: size))
        } else {
            bytes = t.rawData.flatMap { $0.isEmpty && count > 0 && hasTypedData(t) ? nil : $0 }
        }
        if let bytes {
            let (expected, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, bytes.count == expected else {
                throw malformed("\(what) has \(bytes.count) bytes of data, but dims \(t.dims) of \(ONNXDataType.name(t.dataType)) need \(overflow ? "more than Int.max" : String(expected))")
            }
            return try fromBytes(bytes, type: t.dataType, shape: shape, count: count, what: what)
        }
        return try fromTypedFields(t, shape: shape, count: count, what: what)
    }

    private func hasTypedData(_ t: ONNXTensorProto) -> Bool {
        !t.floatData.isEmpty || !t.int32Data.isEmpty || !t.int64Data.isEmpty || !t.doubleData.isEmpty
    }

    private func malformed(_ message: String) -> ImportError { ImportError(.malformed, file: file.path, message) }

    /// Little-endian raw bytes, as ONNX stores them.
    private func fromBytes(_ bytes: [UInt8], type: Int32, shape: [Int], count: Int, what: String) throws(ImportError) -> ONNXValue {
        func load<T: FixedWidthInteger>(_: T.Type) -> [T] {
            bytes.withUnsafeBytes { raw in
                (0..<count).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)) }
            }
        }
        switch type {
        case ONNXDataType.float: return try float(shape, load(UInt32.self).map { Float(bitPattern: $0) }, what)
        case ONNXDataType.double: return try float(shape, load(UInt64.self).map { Float(Double(bitPattern: $0)) }, what)
        case ONNXDataType.float16: return try float(shape, load(UInt16.self).map(halfToFloat), what)
        case ONNXDataType.int32: return .int(IntTensor(shape: shape, values: load(Int32.self).map { .known(Int($0)) }))
        default: return .int(IntTensor(shape: shape, values: load(Int64.self).map { .known(Int($0)) }))
        }
    }

    private func fromTypedFields(_ t: ONNXTensorProto, shape: [Int], count: Int, what: String) throws(ImportError) -> ONNXValue {
        func check(_ n: Int, _ field: String) throws(ImportError) {
            guard n == count else {
                throw malformed("\(what) has \(n) values in \(field), but dims \(t.dims) need \(count)")
            }
        }
        switch t.dataType {
        case ONNXDataType.float:
            try check(t.floatData.count, "float_data")
            return try float(shape, t.floatData, what)
        case ONNXDataType.double:
            try check(t.doubleData.count, "double_data")
            return try float(shape, t.doubleData.map { Float($0) }, what)
        case ONNXDataType.float16:
            // FLOAT16 without raw_data keeps each value's bit pattern in int32_data.
            try check(t.int32Data.count, "int32_data")
            return try float(shape, t.int32Data.map { halfToFloat(UInt16(truncatingIfNeeded: $0)) }, what)
        case ONNXDataType.int32:
            try check(t.int32Data.count, "int32_data")
            return .int(IntTensor(shape: shape, values: t.int32Data.map { .known(Int($0)) }))
        default:
            try check(t.int64Data.count, "int64_data")
            return .int(IntTensor(shape: shape, values: t.int64Data.map { .known(Int($0)) }))
        }
    }

    private func float(_ shape: [Int], _ data: [Float], _ what: String) throws(ImportError) -> ONNXValue {
        do {
            return .float(try Tensor(shape: shape, data: data))
        } catch {
            throw malformed("\(what): \(error)")
        }
    }
}

/// IEEE 754 binary16 to binary32, written out so it does not depend on the platform's Float16 support.
func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h >> 15) << 31
    let exponent = Int(h >> 10) & 0x1F
    let fraction = UInt32(h & 0x3FF)
    if exponent == 0x1F {
        return Float(bitPattern: sign | 0x7F80_0000 | (fraction << 13))
    }
    if exponent == 0 {
        // Zero or subnormal: fraction · 2^-24.
        let magnitude = Float(fraction) * Float(sign: .plus, exponent: -24, significand: 1)
        return sign != 0 ? -magnitude : magnitude
    }
    return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (fraction << 13))
}

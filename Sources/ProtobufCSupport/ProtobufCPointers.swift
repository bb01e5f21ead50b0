package import CProtobufC

// Reading protobuf-c's unpacked C structs from Swift, shared by the ONNX importer and the plan reader.
// Both read untrusted files: a nil pointer with a non-zero count reads as empty and is never dereferenced.

/// A C string field ("" for nil).
package func cString(_ p: UnsafeMutablePointer<CChar>?) -> String {
    guard let p else { return "" }
    return String(cString: p)
}

/// A repeated string field.
package func cStrings(_ p: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ n: Int) -> [String] {
    guard let p, n > 0 else { return [] }
    return UnsafeBufferPointer(start: p, count: n).map { cString($0) }
}

/// A repeated scalar field.
package func cBuffer<T>(_ p: UnsafeMutablePointer<T>?, _ n: Int) -> [T] {
    guard let p, n > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: p, count: n))
}

/// The messages behind a repeated message field, skipping null entries.
package func cMessages<T>(_ p: UnsafeMutablePointer<UnsafeMutablePointer<T>?>?, _ n: Int) -> [T] {
    guard let p, n > 0 else { return [] }
    return UnsafeBufferPointer(start: p, count: n).compactMap { $0?.pointee }
}

/// A bytes field.
package func cBytes(_ b: ProtobufCBinaryData) -> [UInt8] {
    guard let data = b.data, b.len > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: b.len))
}

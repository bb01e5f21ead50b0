import Foundation

/// A structural check of the file's global heap collections, run when a file is opened, before
/// libhdf5 reads anything from them (variable-length strings, fill values, virtual-dataset maps).
///
/// libhdf5 1.10 trusts the sizes it finds there: a free-space entry of size 0 makes its collection
/// parser loop forever, an object size past the collection's end makes it walk or copy far outside
/// its buffer (found by Fuzz/, see docs/known-limits.md). HDF5 has no API to ask which collection an
/// object uses, so every collection in the file is walked exactly as libhdf5 walks it (one pass
/// over the mapped file), and a damaged one is refused.
enum HDF5GlobalHeap {
    /// "GCOL", version 1, three reserved zero bytes: the start of every collection.
    static let collectionStart: [UInt8] = Array("GCOL".utf8) + [1, 0, 0, 0]
    /// Collection header (start, 8-byte size) and object header (index, references, reserved, size).
    static let headerBytes = 16

    /// The first problem found, or nil when every collection is sound (or the file does not store
    /// lengths in 8 bytes, the only layout this check knows; every h5py/Keras file does).
    static func problem(in bytes: UnsafeRawBufferPointer) -> String? {
        guard lengthSize(bytes) == 8 else { return nil }
        var from = 0
        while let start = find(collectionStart, in: bytes, from: from) {
            if let problem = check(bytes, collectionAt: start) { return problem }
            from = start + 1
        }
        return nil
    }

    /// "Size of lengths" from the superblock (at 0, 512, 1024, … like the signature search).
    static func lengthSize(_ b: UnsafeRawBufferPointer) -> Int? {
        var offset = 0
        while offset + 16 <= b.count {
            if Array(b[offset..<(offset + 8)]) == HDF5File.signature {
                switch b[offset + 8] {
                case 0, 1: return offset + 14 < b.count ? Int(b[offset + 14]) : nil
                default: return Int(b[offset + 10])
                }
            }
            offset = offset == 0 ? 512 : offset * 2
        }
        return nil
    }

    /// Checks the collection starting at `start`.
    static func check(_ b: UnsafeRawBufferPointer, collectionAt start: Int) -> String? {
        let place = "the global heap collection at byte \(start)"
        guard start + headerBytes <= b.count else { return "\(place) is cut off by the end of the file" }
        let size = u64(b, start + 8)
        guard size >= UInt64(headerBytes), size <= UInt64(b.count - start) else {
            return "\(place) claims \(size) bytes; the file holds \(b.count - start) from there"
        }
        let end = start + Int(size)
        var p = start + headerBytes
        // libhdf5's walk: a tail too short for an object header is free space; index 0 is free space
        // whose size counts its own header; any other object is a header plus its size rounded up to 8.
        while p + headerBytes <= end {
            let index = UInt16(b[p]) | UInt16(b[p + 1]) << 8
            let objectSize = u64(b, p + 8)
            let room = UInt64(end - p)
            let step: UInt64
            if index == 0 {
                step = objectSize
            } else if objectSize > room {
                step = objectSize
            } else {
                step = UInt64(headerBytes) + (objectSize + 7) / 8 * 8
            }
            guard step > 0, step <= room else {
                return "\(place): object \(index) at byte \(p) claims \(objectSize) bytes, \(step == 0 ? "none" : "more than the collection holds")"
            }
            p += Int(step)
        }
        return nil
    }

    private static func u64(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        UInt64(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    private static func find(_ pattern: [UInt8], in b: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = b.baseAddress, from + pattern.count <= b.count else { return nil }
        var i = from
        while i + pattern.count <= b.count {
            guard let hit = memchr(base + i, Int32(pattern[0]), b.count - pattern.count + 1 - i) else { return nil }
            let at = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + at, pattern, pattern.count) == 0 { return at }
            i = at + 1
        }
        return nil
    }
}

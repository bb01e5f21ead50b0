import Foundation
@testable import HDF5Support
import ModelImport
import Testing
import TestSupport

/// Model files the fuzzers (Fuzz/) turned up: each must end in a clean error naming the file, not a
/// crash or a hang inside libhdf5.
@Suite struct ModelFuzzRegressionTests {
    static func corpus(_ name: String) -> URL { Fixtures.fuzzCorpus.appendingPathComponent(name) }

    /// A global heap free-space entry of size 0 made libhdf5 1.10's collection parser loop forever
    /// while reading the `model_config` attribute (a variable-length string).
    @Test(.timeLimit(.minutes(1)))
    func globalHeapFreeSpaceOfSizeZeroIsRefused() {
        let file = Self.corpus("keras-h5/regress-gheap-free-space-loop.h5")
        #expect { try KerasHDF5Importer.load(file) } throws: { error in
            "\(error)".contains(file.path) && "\(error)".contains("global heap")
        }
    }

    /// A global heap object claiming 7·10^16 bytes made libhdf5 copy far past its buffer (an
    /// address-sanitizer report; a segmentation fault without it) while reading layer names.
    @Test(.timeLimit(.minutes(1)))
    func globalHeapObjectLargerThanItsCollectionIsRefused() {
        let file = Self.corpus("keras-archive/regress-gheap-object-size.keras")
        #expect { try KerasArchiveImporter.load(file) } throws: { error in
            // The archive's member name follows the path ("….keras!model.weights.h5").
            error is ImportError && "\(error)".contains(file.path)
        }
    }

    /// The walk mirrors libhdf5's: a sound collection passes, and each way to break it is named.
    @Test func globalHeapWalkAcceptsSoundAndRefusesDamagedCollections() {
        func collection(_ objects: [(index: UInt16, size: UInt64)], size: UInt64 = 4096) -> [UInt8] {
            var b = HDF5GlobalHeap.collectionStart + le(size)
            for o in objects {
                b += le16(o.index) + [1, 0] + [0, 0, 0, 0] + le(o.size)
                if o.index != 0 { b += [UInt8](repeating: 0x61, count: Int(min(o.size, 64) + 7) / 8 * 8) }
            }
            // Up to 4096 bytes: a collection claiming more is cut off by the end of the "file".
            return b + [UInt8](repeating: 0, count: max(0, Int(min(size, 4096)) - b.count))
        }
        func le(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func problem(_ bytes: [UInt8]) -> String? {
            bytes.withUnsafeBytes { HDF5GlobalHeap.check($0, collectionAt: 0) }
        }
        // Two strings, then free space covering the rest (16 + 16 + 8 + 16 + 16 bytes used before it).
        #expect(problem(collection([(1, 5), (2, 11), (0, 4096 - 72)])) == nil)
        #expect(problem(collection([(1, 5), (0, 0)]))?.contains("claims 0 bytes") == true)
        #expect(problem(collection([(1, 1 << 56)]))?.contains("more than the collection holds") == true)
        #expect(problem(collection([(1, 5)], size: 1 << 40))?.contains("the file holds") == true)
    }
}

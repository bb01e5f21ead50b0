import Foundation
import Testing
import TestSupport
@testable import Datasets

/// Inputs the fuzzers (Fuzz/) turned up, fed to the reader as `--data` would: each must end in a
/// clean error naming the file, not a crash.
@Suite struct DatasetFuzzRegressionTests {
    /// A zero-length first axis made the element count 0, so the size checks passed, and the other
    /// axes' product then overflowed where samples are sized (a trap in `elementsPerSample`).
    @Test(arguments: ["npy/regress-zero-axis-overflow.npy", "idx/regress-zero-axis-overflow-idx3-ubyte"])
    func zeroLengthAxisBesideHugeOnesIsRefused(input: String) throws {
        let source = Fixtures.fuzzCorpus.appendingPathComponent(input)
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent(source.lastPathComponent)
        try FileManager.default.copyItem(at: source, to: file)
        #expect { try DatasetLoader.load(file.path) } throws: { error in
            let text = "\(error)"
            return text.contains(file.path) && text.contains("too large")
        }
    }

    @Test func datasetRefusesAShapeWhoseSampleSizeOverflows() {
        let empty = NumericArray(shape: [0, 1 << 32, 1 << 32], storage: .float32([]))
        #expect(throws: DatasetError.self) { try Dataset(source: "t.h5:/x", samples: empty) }
        let fine = NumericArray(shape: [0, 1 << 20, 3], storage: .float32([]))
        #expect((try? Dataset(source: "t", samples: fine))?.elementsPerSample == 3 << 20)
    }

    /// A damaged object header claimed 2.5·10^16 bytes: libhdf5 asks malloc for it, gets NULL and
    /// must report an error (under the address sanitizer the request itself is the finding).
    @Test func hdf5MetadataClaimingPetabytesIsACleanError() throws {
        let source = Fixtures.fuzzCorpus.appendingPathComponent("hdf5-dataset/regress-huge-metadata-size.h5")
        #expect { try DatasetLoader.load(source.path + ":/x") } throws: { error in
            "\(error)".contains(source.path)
        }
    }

    /// A global heap free-space entry of size 0 reached through a dataset's layout message (not a
    /// string): libhdf5 1.10 looped forever opening the dataset. The heap walk now runs at open.
    @Test(.timeLimit(.minutes(1)))
    func globalHeapLoopReachedThroughADatasetIsRefused() {
        let source = Fixtures.fuzzCorpus.appendingPathComponent("hdf5-dataset/regress-gheap-loop-via-layout.h5")
        #expect { try DatasetLoader.load(source.path + ":/x") } throws: { error in
            "\(error)".contains(source.path) && "\(error)".contains("global heap")
        }
    }
}

import Foundation
import Testing
import TestSupport
import HDF5Support
@testable import Datasets

@Suite struct NPYTests {
    func npy(descr: String, shape: String, payload: [UInt8], version: UInt8 = 1) -> [UInt8] {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        let n = header.utf8.count
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(header.utf8) + payload
    }

    @Test func writerOutputReadsBackExactly() throws {
        let dir = try Fixtures.temporaryDirectory()
        let url = dir.appendingPathComponent("out.npy")
        let values: [Float] = [0, 1.5, -2.25, .greatestFiniteMagnitude, 1e-30, 3]
        let w = try NPYFormat.Writer(destination: url, shape: [2, 3])
        try w.append(Array(values[0..<3]))
        try w.append(Array(values[3...]))
        try w.commit()
        let a = try NPYFormat.read(url)
        #expect(a.shape == [2, 3])
        #expect(a.storage == .float32(values))
        let raw = try Data(contentsOf: url)
        #expect((Int(raw[8]) + 10) % 64 == 0, "data must start 64-byte aligned")
    }

    @Test func writerLeavesNothingWhenIncomplete() throws {
        let dir = try Fixtures.temporaryDirectory()
        let url = dir.appendingPathComponent("out.npy")
        do {
            let w = try NPYFormat.Writer(destination: url, shape: [4])
            try w.append([1, 2])
            #expect(throws: FileWriteErrorMatcher.self) { try w.commit() }
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func decodesIntegerFloat64AndBigEndian() throws {
        let f8 = npy(descr: "<f8", shape: "(2,)", payload: [0, 0, 0, 0, 0, 0, 0xF0, 0x3F] + [0, 0, 0, 0, 0, 0, 0, 0xC0])
        #expect(try NPYFormat.parse(f8, file: "t").storage == .float32([1, -2]))
        let be = npy(descr: ">f4", shape: "(1,)", payload: [0x3F, 0x80, 0, 0])
        #expect(try NPYFormat.parse(be, file: "t").storage == .float32([1]))
        let i8 = npy(descr: "<i8", shape: "(2, 1)", payload: [7, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        let a = try NPYFormat.parse(i8, file: "t")
        #expect(a.shape == [2, 1])
        #expect(a.integers() == [7, -1])
        let u1 = npy(descr: "|u1", shape: "(3,)", payload: [0, 128, 255])
        #expect(try NPYFormat.parse(u1, file: "t").storage == .uint8([0, 128, 255]))
    }

    @Test func rejectsWrongMagicEmptyAndHugeClaims() {
        let huge = npy(descr: "<f4", shape: "(4611686018427387904, 4)", payload: [0, 0, 0, 0])
        for bytes in [[UInt8](repeating: 1, count: 64), [], huge] {
            #expect(throws: DatasetError.self) { try NPYFormat.parse(bytes, file: "bad.npy") }
        }
    }

    @Test func rejectsTruncatedPayloadAndFortranOrder() {
        let short = npy(descr: "<f4", shape: "(3,)", payload: [0, 0, 0, 0])
        #expect { try NPYFormat.parse(short, file: "s.npy") } throws: { error in
            (error as? DatasetError)?.description.contains("s.npy") == true
        }
        var fortran = npy(descr: "<f4", shape: "(1,)", payload: [0, 0, 0, 0])
        let s = String(decoding: fortran, as: UTF8.self).replacingOccurrences(of: "False", with: "True ")
        fortran = Array(s.utf8)
        #expect(throws: DatasetError.self) { try NPYFormat.parse(fortran, file: "f.npy") }
        #expect(throws: DatasetError.self) { try NPYFormat.parse(npy(descr: "<c8", shape: "(1,)", payload: [UInt8](repeating: 0, count: 8)), file: "c.npy") }
    }
}

/// Matches any FileWriteError (the FileSupport type) in `#expect(throws:)`.
import FileSupport
typealias FileWriteErrorMatcher = FileWriteError

@Suite struct IDXTests {
    @Test func fashionMNISTTestSplitMatchesThePackage() throws {
        let set = try DatasetLoader.load("fashion-mnist")
        #expect(set.samples.shape == [10000, 28, 28])
        #expect(set.labels?.count == 10000)
        // First labels of the t10k split (ankle boot, pullover, trouser, trouser, shirt, …).
        #expect(Array(set.labels![0..<10]) == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
        guard case .uint8(let px) = set.samples.storage else { Issue.record("pixels should stay uint8"); return }
        #expect(px[0..<784].reduce(0) { $0 + Int($1) } == 33456)
        #expect(px.reduce(0) { $0 + Int($1) } == 573_469_082)
        let batch = set.batch(0..<2, inputShape: [1, 28, 28], channelsLast: true, pixelScale: nil)
        #expect(batch.count == 2 * 784)
        #expect(batch.allSatisfy { $0 >= 0 && $0 <= 1 })
        let firstSum: Float = batch[0..<784].reduce(0, +)
        #expect(abs(firstSum - Float(33456) / 255) < 1e-2)
    }

    @Test func parsesHandMadeFilesAndRejectsBadOnes() throws {
        let ok: [UInt8] = [0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]
        let a = try IDXFormat.parse(ok, file: "t")
        #expect(a.shape == [2, 3])
        #expect(a.storage == .uint8([1, 2, 3, 4, 5, 6]))
        let huge: [UInt8] = [0, 0, 0x0D, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]
        #expect(throws: DatasetError.self) { try IDXFormat.parse(huge, file: "huge") }
        #expect(throws: DatasetError.self) { try IDXFormat.parse(Array(ok.dropLast()), file: "short") }
        #expect(throws: DatasetError.self) { try IDXFormat.parse([0, 0, 0x42, 1, 0, 0, 0, 0], file: "type") }
        #expect(throws: DatasetError.self) { try IDXFormat.parse([1, 2, 3], file: "magic") }
    }

    @Test func gzipTruncatedOrCorruptedIsAnError() throws {
        let good = try Data(contentsOf: Fixtures.fashionMNIST.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
        let bytes = [UInt8](good)
        #expect(throws: DatasetError.self) { try FileBytes.gunzip(Array(bytes[0..<(bytes.count / 2)]), file: "t.gz") }
        var corrupt = bytes
        for i in 20..<60 { corrupt[i] ^= 0x5A }
        #expect(throws: DatasetError.self) { try FileBytes.gunzip(corrupt, file: "c.gz") }
        #expect(try FileBytes.gunzip(bytes, file: "ok.gz").count == 8 + 10000)
    }

    /// Gzip files are inflated as they are read, 64 KiB of compressed bytes at a time: a whole file
    /// gives the in-memory result; a truncated, a corrupted and a magic-only file are errors naming
    /// the file and the problem.
    @Test func gzipFilesInflateAsTheyAreRead() throws {
        let source = Fixtures.fashionMNIST.appendingPathComponent("t10k-images-idx3-ubyte.gz")
        let bytes = [UInt8](try Data(contentsOf: source))
        #expect(bytes.count > 1 << 16)
        let dir = try Fixtures.temporaryDirectory()
        func file(_ name: String, _ content: [UInt8]) throws -> URL {
            let url = dir.appendingPathComponent(name)
            try Data(content).write(to: url)
            return url
        }
        #expect(try FileBytes.read(source) == (try FileBytes.gunzip(bytes, file: "memory")))
        var corrupt = bytes
        for i in 100_000..<100_200 { corrupt[i] ^= 0x5A }
        for (name, content, words) in [("truncated.gz", Array(bytes[0..<(bytes.count / 2)]), "truncated"),
                                       ("corrupt.gz", corrupt, "corrupted"), ("magic.gz", [0x1F, 0x8B], "truncated")] {
            let url = try file(name, content)
            #expect { try FileBytes.read(url) } throws: { error in
                let text = "\(error)"
                return text.contains(name) && text.contains(words)
            }
        }
        // Not gzip: the bytes as they are.
        #expect(try FileBytes.read(try file("plain", [1, 2, 3])) == [1, 2, 3])
    }

    /// A pipe (`--data /dev/stdin`, `--data <(zcat …)`) is read once, front to back: gzip or not, it
    /// gives the file's bytes and is recognised by its content; a truncated gzip stream and an empty
    /// pipe are errors naming it. (Every case reads the pipe to its end, so the writer never meets a
    /// closed pipe.)
    @Test func pipesAreReadOnceFrontToBack() throws {
        let source = Fixtures.fashionMNIST.appendingPathComponent("t10k-images-idx3-ubyte.gz")
        let bytes = [UInt8](try Data(contentsOf: source))
        // An anonymous pipe named by /dev/fd, as a shell's `<(…)` names it (FileManager reads a named
        // FIFO but not this); the read ends stay open for the test's life: a reader that stopped early
        // leaves its writer blocked, not killed by SIGPIPE with the test process.
        func pipe(_ content: [UInt8]) -> URL {
            var ends: [Int32] = [-1, -1]
            #expect(Glibc.pipe(&ends) == 0)
            let writeEnd = ends[1]
            let writer = Thread {
                let handle = FileHandle(fileDescriptor: writeEnd, closeOnDealloc: true)
                handle.write(Data(content))
                try? handle.close()
            }
            writer.start()
            return URL(fileURLWithPath: "/dev/fd/\(ends[0])")
        }
        let inflated = try FileBytes.gunzip(bytes, file: "memory")
        #expect(try FileBytes.read(pipe(bytes)) == inflated)
        #expect(try FileBytes.read(pipe(inflated)) == inflated)
        #expect(try FileBytes.read(pipe([7])) == [7])
        #expect(try FileBytes.read(pipe([])) == [])
        let half = pipe(Array(bytes[0..<(bytes.count / 2)]))
        #expect { try FileBytes.read(half) } throws: { error in
            "\(error)".contains(half.path) && "\(error)".contains("truncated")
        }
        let images = try DatasetLoader.readArray(pipe(bytes).path)
        #expect(images.shape == [10000, 28, 28])
        let nothing = pipe([])
        #expect { try DatasetLoader.readArray(nothing.path) } throws: { error in
            "\(error)".contains(nothing.path) && "\(error)".contains("unknown data format")
        }
    }

    /// The capacity reserved before inflating believes gzip's size trailer only up to 16 × the
    /// compressed size: exact for a real file, bounded for a forged one, which still inflates to
    /// its true content.
    @Test func reservedCapacityBelievesTheTrailerOnlySoFar() throws {
        let bytes = [UInt8](try Data(contentsOf: Fixtures.fashionMNIST.appendingPathComponent("t10k-labels-idx1-ubyte.gz")))
        #expect(FileBytes.reservedCapacity(bytes) == 8 + 10000)
        var forged = bytes
        for i in (forged.count - 4)..<forged.count { forged[i] = 0xFF }
        #expect(FileBytes.reservedCapacity(forged) == 16 * forged.count)
        #expect(FileBytes.reservedCapacity([0x1F, 0x8B, 0, 0xFF]) == 0)
        // zlib checks the trailer's size: a forged one is corrupt data, reported, after a bounded reservation.
        #expect(throws: DatasetError.self) { try FileBytes.gunzip(forged, file: "forged.gz") }
    }
}

@Suite struct DatasetTests {
    @Test func channelsLastSamplesAreTransposedToCHW() throws {
        // One 2×2 image with 3 channels stored H, W, C: value = 100·c + 10·y + x.
        var hwc = [Float]()
        for y in 0..<2 { for x in 0..<2 { for c in 0..<3 { hwc.append(Float(100 * c + 10 * y + x)) } } }
        let set = try Dataset(source: "t", samples: NumericArray(shape: [1, 2, 2, 3], storage: .float32(hwc)))
        let chw = set.batch(0..<1, inputShape: [3, 2, 2], channelsLast: true, pixelScale: nil)
        var expected = [Float]()
        for c in 0..<3 { for y in 0..<2 { for x in 0..<2 { expected.append(Float(100 * c + 10 * y + x)) } } }
        #expect(chw == expected)
        #expect(set.batch(0..<1, inputShape: [3, 2, 2], channelsLast: false, pixelScale: nil) == hwc)
    }

    @Test func labelsMustMatchAndFitChecksCounts() throws {
        let x = NumericArray(shape: [3, 4], storage: .uint8([UInt8](repeating: 255, count: 12)))
        #expect(throws: DatasetError.self) { try Dataset(source: "t", samples: x, labels: [1, 2]) }
        let set = try Dataset(source: "t", samples: x, labels: [0, 1, 2])
        #expect(throws: DatasetError.self) { try set.checkFits(inputShape: [5], inputName: "in") }
        try set.checkFits(inputShape: [2, 2], inputName: "in")
        #expect(set.batch(1..<2, inputShape: [4], channelsLast: false, pixelScale: 2) == [510, 510, 510, 510])
        #expect(set.prefix(2).labels == [0, 1])
    }

    @Test func unknownFilesAndMissingFilesAreClearErrors() throws {
        #expect { try DatasetLoader.load("/nonexistent/x.npy") } throws: { e in
            (e as? DatasetError)?.description == "/nonexistent/x.npy: no such file"
        }
        let dir = try Fixtures.temporaryDirectory()
        let f = dir.appendingPathComponent("x.bin")
        try Data("hello world".utf8).write(to: f)
        #expect(throws: DatasetError.self) { try DatasetLoader.load(f.path) }
        #expect(throws: DatasetError.self) { try DatasetLoader.loadLabels("fashion-mnist-typo") }
    }
}

@Suite struct HDF5DataTests {
    @Test func readsNamedDatasetsAndRefusesMissingOnes() throws {
        let dir = try Fixtures.temporaryDirectory()
        let url = dir.appendingPathComponent("d.h5")
        let w = try HDF5Writer()
        try w.createGroup("/test")
        try w.write([UInt8](arrayLiteral: 0, 51, 255), dataset: "/test/pixels")
        try w.write([Int64](arrayLiteral: 2, 0, 1), dataset: "/test/labels")
        try w.write([Float](arrayLiteral: 0.5, -1, 2.5), dataset: "/test/values")
        try Data(try w.fileImage()).write(to: url)

        let pixels = try DatasetLoader.load("\(url.path):/test/pixels")
        #expect(pixels.samples.storage == .uint8([0, 51, 255]))
        #expect(pixels.batch(0..<3, inputShape: [1], channelsLast: false, pixelScale: nil) == [0, Float(51) / 255, 1])
        #expect(try DatasetLoader.loadLabels("\(url.path):/test/labels") == [2, 0, 1])
        #expect(try DatasetLoader.load("\(url.path):/test/values").samples.storage == .float32([0.5, -1, 2.5]))
        #expect { try DatasetLoader.loadLabels("\(url.path):/test/values") } throws: { e in
            (e as? DatasetError)?.message.contains("whole numbers") == true
        }
        #expect { try DatasetLoader.load("\(url.path):/test/missing") } throws: { e in
            (e as? DatasetError)?.description == "\(url.path): has no dataset '/test/missing'"
        }
        #expect(throws: DatasetError.self) { try DatasetLoader.load(url.path) }
        #expect(throws: DatasetError.self) { try DatasetLoader.load("\(dir.path)/absent.h5:/x") }
    }
}

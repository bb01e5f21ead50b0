import Foundation
import HDF5Support
import Testing
import TestSupport

/// HDF5Support on the committed edge-case files in examples/fixtures/keras/hdf5.
@Suite struct HDF5SupportTests {
    static let dir = Fixtures.examples.appendingPathComponent("fixtures/keras/hdf5")
    static var types: URL { dir.appendingPathComponent("types.h5") }
    static var links: URL { dir.appendingPathComponent("links.h5") }

    /// Values written by the generator: arange(24).reshape(2, 3, 4) / 4 − 1.
    static let expected: [Float] = (0..<24).map { Float($0) / 4 - 1 }

    @Test(arguments: ["f16", "f32", "f64"])
    func floatDatasetsConvertToFloat(_ name: String) throws {
        let f = try HDF5File(reading: Self.types)
        let r = try f.readArray(path: "/" + name)
        #expect(r.shape == [2, 3, 4])
        #expect(r.values == Self.expected)
    }

    @Test func integerDatasetsConvertToFloat() throws {
        let f = try HDF5File(reading: Self.types)
        let r = try f.readArray(path: "i32")
        #expect(r.values == Self.expected.map { $0 * 4 })
        #expect(try f.datasetInfo("i32").elementType == .signedInteger(bytes: 4))
    }

    @Test func bytesStayBytes() throws {
        let f = try HDF5File(reading: Self.types)
        let r = try f.readBytes(path: "u8")
        #expect(r.shape == [3, 4])
        #expect(r.values == Array(0..<12))
        #expect(try f.readNumeric(path: "u8") == .uint8(shape: [3, 4], values: Array(0..<12)))
        #expect(throws: HDF5Error.self) { try f.readBytes(path: "f32") }
    }

    @Test func scalarsEmptyAndText() throws {
        let f = try HDF5File(reading: Self.types)
        let s = try f.readArray(path: "scalar")
        #expect(s.shape == [] && s.values == [2.5])
        let e = try f.readArray(path: "empty")
        #expect(e.shape == [0, 3] && e.values.isEmpty)
        let error = #expect(throws: HDF5Error.self) { try f.readArray(path: "text") }
        #expect(error?.kind == .unsupported)
    }

    @Test func elementLimitIsCheckedBeforeReading() throws {
        let f = try HDF5File(reading: Self.types)
        let error = #expect(throws: HDF5Error.self) { try f.readArray(path: "f32", maxElements: 10) }
        #expect(error?.kind == .tooLarge)
        #expect(error?.description.contains("f32") == true)
    }

    @Test(arguments: [
        ("vlen_scalar", HDF5AttributeValue.strings(["hello"])),
        ("fixed_scalar", .strings(["fixed"])),
        ("fixed_array", .strings(["a", "bc", "def"])),
        ("vlen_array", .strings(["x", "yz"])),
        ("bytes", .bytes(Array("{\"k\": 1}".utf8))),
        ("numbers", .numbers([1.5, 2, 3])),
        ("empty_list", .numbers([])),
    ])
    func attributes(_ name: String, _ value: HDF5AttributeValue) throws {
        let f = try HDF5File(reading: Self.types)
        #expect(try f.attribute(name) == value)
        #expect(try f.hasAttribute(name))
    }

    @Test func stringListsFromAnyEncoding() throws {
        let f = try HDF5File(reading: Self.types)
        #expect(try f.attribute("bytes")?.stringList == ["{\"k\": 1}"])
        #expect(try f.attribute("empty_list")?.stringList == [])
        #expect(try f.attribute("numbers")?.stringList == nil)
        #expect(try f.attribute("absent") == nil)
    }

    @Test func groupsAndSoftLinks() throws {
        let f = try HDF5File(reading: Self.types)
        #expect(try f.members(ofGroup: "/group") == ["inner", "soft"])
        #expect(try f.kind(of: "group/soft") == .group)
        #expect(try f.kind(of: "f32") == .dataset)
        #expect(try f.kind(of: "nothing/here") == nil)
        #expect(try f.readArray(path: "/group/soft/data").values == [1, 1, 1])
    }

    @Test func externalLinkInsideTheFolderIsFollowed() throws {
        let f = try HDF5File(reading: Self.links)
        #expect(try f.readArray(path: "inside").values == Self.expected)
        #expect(try f.readArray(path: "ext_storage_inside").values == [0, 1, 2, 3])
    }

    @Test(arguments: [
        ("outside", HDF5Error.Kind.unsafePath),
        ("absolute", .unsafePath),
        ("soft_to_outside", .unsafePath),
        ("soft_to_outside/fc", .unsafePath),
        ("ext_storage_outside", .unsafePath),
        ("virtual", .unsupported),
        ("loop_a", .malformed),
        ("missing", .missing),
    ])
    func unsafeOrUnsupportedObjects(_ path: String, _ kind: HDF5Error.Kind) throws {
        let f = try HDF5File(reading: Self.links)
        let error = #expect(throws: HDF5Error.self) { try f.readArray(path: path) }
        #expect(error?.kind == kind)
        #expect(error?.description.contains("links.h5") == true)
    }

    /// The error of opening `url` and reading everything in it, nil if all of it worked.
    static func openAndReadAll(_ url: URL) -> HDF5Error? {
        do throws(HDF5Error) {
            let f = try HDF5File(reading: url)
            for name in ["f16", "f32", "f64", "i32", "u8"] { _ = try? f.readArray(path: name) }
            _ = try? f.attribute("vlen_array")
            return nil
        } catch {
            return error
        }
    }

    @Test func notHDF5EmptyAndTruncatedFiles() throws {
        let tmp = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let text = tmp.appendingPathComponent("text.h5")
        try Data("hello, not hdf5 at all".utf8).write(to: text)
        #expect(Self.openAndReadAll(text)?.kind == .notHDF5)
        let empty = tmp.appendingPathComponent("empty.h5")
        try Data().write(to: empty)
        let e = Self.openAndReadAll(empty)
        #expect(e?.kind == .notHDF5 && e?.description.contains("empty") == true)
        #expect(Self.openAndReadAll(tmp.appendingPathComponent("missing.h5"))?.kind == .unreadable)

        let whole = try Data(contentsOf: Self.types)
        for fraction in [0.1, 0.5, 0.9] {
            let cut = tmp.appendingPathComponent("cut\(fraction).h5")
            try whole.prefix(Int(Double(whole.count) * fraction)).write(to: cut)
            // Opening or reading must fail cleanly; never crash.
            if let error = Self.openAndReadAll(cut) { #expect([.malformed, .notHDF5].contains(error.kind)) }
        }
    }
}

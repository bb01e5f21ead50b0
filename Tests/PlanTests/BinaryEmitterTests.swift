import CHDF5
import Foundation
import Testing
@testable import Plan

/// Reads varint-delimited protobuf messages into field → values maps (enough to check the stream).
struct MiniProto {
    var bytes: [UInt8]
    var position = 0

    mutating func varint() -> UInt64 {
        var v: UInt64 = 0, shift: UInt64 = 0
        while true {
            let b = bytes[position]; position += 1
            v |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
        }
    }

    /// Field number → raw values (varints as UInt64, fixed32/64 as bit patterns, bytes as lengths).
    static func fields(_ message: ArraySlice<UInt8>) -> [Int: [UInt64]] {
        var p = MiniProto(bytes: Array(message)), out = [Int: [UInt64]]()
        while p.position < p.bytes.count {
            let key = p.varint()
            let field = Int(key >> 3)
            switch key & 7 {
            case 0: out[field, default: []].append(p.varint())
            case 1: out[field, default: []].append(p.bytes[p.position..<(p.position + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) }); p.position += 8
            case 5: out[field, default: []].append(p.bytes[p.position..<(p.position + 4)].reversed().reduce(0) { $0 << 8 | UInt64($1) }); p.position += 4
            default: let n = Int(p.varint()); out[field, default: []].append(UInt64(n)); p.position += n
            }
        }
        return out
    }
}

@Suite struct BinaryEmitterTests {
    @Test(arguments: PlanFixtures.cases)
    func protoStreamMatchesTheCSV(_ c: PlanFixtures.Case) throws {
        let plan = PlanFixtures.plan(c)
        let dir = try PlanFixtures.temporaryDirectory()
        try PlanEmitter.emit(plan, format: .csv, to: dir.appendingPathComponent("p.csv"))
        try PlanEmitter.emit(plan, format: .proto, to: dir.appendingPathComponent("p.bin"))
        let csv = try parseCSV(dir.appendingPathComponent("p.csv")).rows
        let bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent("p.bin")))
        #expect(Array(bytes.prefix(8)) == Array("IMPRDEVS".utf8))
        var stream = MiniProto(bytes: bytes, position: 8)
        let headerLength = Int(stream.varint())
        let header = MiniProto.fields(bytes[stream.position..<(stream.position + headerLength)])
        stream.position += headerLength
        #expect(header[1] == [1] && header[5]?.count == plan.layers.count)
        var records = [[Int: [UInt64]]]()
        while stream.position < bytes.count {
            let n = Int(stream.varint())
            records.append(MiniProto.fields(bytes[stream.position..<(stream.position + n)]))
            stream.position += n
        }
        #expect(records.count == csv.count)
        let roles = ["pos": UInt64(1), "neg": 2, "single": 3]
        for (r, row) in zip(records, csv) {
            #expect((r[1]?.first ?? 0) == UInt64(row["array"]!)! && (r[2]?.first ?? 0) == UInt64(row["row"]!)!)
            #expect((r[3]?.first ?? 0) == UInt64(row["col"]!)! && (r[15]?.first ?? 0) == UInt64(row["order"]!)!)
            #expect(r[7]?.first == roles[row["role"]!])
            #expect(Float(bitPattern: UInt32(r[9]?.first ?? 0)) == Float(row["target_uS"]!)!)
            #expect(plan.layers[Int(r[4]?.first ?? 0)].node == row["layer"])
        }
    }

    /// Reads a 1-D dataset through the HDF5 C API.
    static func read<T: Numeric>(_ file: hid_t, _ path: String, _ type: hid_t, as: T.Type) -> [T] {
        let d = H5Dopen2(file, path, imprint_h5p_default())
        defer { H5Dclose(d) }
        let space = H5Dget_space(d)
        defer { H5Sclose(space) }
        var out = [T](repeating: 0, count: Int(H5Sget_simple_extent_npoints(space)))
        _ = out.withUnsafeMutableBytes { H5Dread(d, type, imprint_h5s_all(), imprint_h5s_all(), imprint_h5p_default(), $0.baseAddress) }
        return out
    }

    @Test(arguments: PlanFixtures.cases)
    func hdf5GroupsHoldTheCSVDevices(_ c: PlanFixtures.Case) throws {
        let plan = PlanFixtures.plan(c)
        let dir = try PlanFixtures.temporaryDirectory()
        try PlanEmitter.emit(plan, format: .csv, to: dir.appendingPathComponent("p.csv"))
        try PlanEmitter.emit(plan, format: .hdf5, to: dir.appendingPathComponent("p.h5"), arrays: try ArraySelection(parsing: "0-1,3"))
        let csv = try parseCSV(dir.appendingPathComponent("p.csv")).rows
        _ = H5open()
        let file = H5Fopen(dir.appendingPathComponent("p.h5").path, imprint_h5f_acc_rdonly(), imprint_h5p_default())
        #expect(file >= 0)
        defer { H5Fclose(file) }
        #expect(H5Lexists(file, "/array_0002", imprint_h5p_default()) == 0)
        for a in [0, 1, 3] {
            let g = String(format: "/array_%04d", a)
            let mine = csv.filter { $0["array"] == String(a) }
            let targets = Self.read(file, g + "/target_uS", imprint_h5t_native_float(), as: Float.self)
            let rows = Self.read(file, g + "/row", imprint_h5t_native_int64(), as: Int64.self)
            let cols = Self.read(file, g + "/col", imprint_h5t_native_int64(), as: Int64.self)
            let order = Self.read(file, g + "/order", imprint_h5t_native_int64(), as: Int64.self)
            let wpu = Self.read(file, g + "/weight_per_uS", imprint_h5t_native_float(), as: Float.self)
            #expect(targets.count == mine.count && !mine.isEmpty)
            for (i, r) in mine.enumerated() where i < targets.count {
                #expect(targets[i] == Float(r["target_uS"]!)! && wpu[i] == Float(r["weight_per_uS"]!)!)
                #expect(rows[i] == Int64(r["row"]!)! && cols[i] == Int64(r["col"]!)! && order[i] == Int64(r["order"]!)!)
            }
        }
        #expect(H5Aexists(file, "device_spec_json") > 0 && H5Aexists(file, "units") > 0)
    }
}

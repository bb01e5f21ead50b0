import HDF5Support
import Foundation
import Testing
@testable import Plan
@testable import TesterFiles

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
        let roles = ["pos": UInt64(1), "neg": 2, "single": 3, "ref": 4]
        for (r, row) in zip(records, csv) {
            #expect((r[1]?.first ?? 0) == UInt64(row["array"]!)! && (r[2]?.first ?? 0) == UInt64(row["row"]!)!)
            #expect((r[3]?.first ?? 0) == UInt64(row["col"]!)! && (r[15]?.first ?? 0) == UInt64(row["order"]!)!)
            #expect(r[7]?.first == roles[row["role"]!])
            #expect(Float(bitPattern: UInt32(r[9]?.first ?? 0)) == Float(row["target_uS"]!)!)
            #expect(plan.layers[Int(r[4]?.first ?? 0)].node == row["layer"])
        }
    }

    @Test(arguments: PlanFixtures.cases)
    func hdf5GroupsHoldTheCSVDevices(_ c: PlanFixtures.Case) throws {
        let plan = PlanFixtures.plan(c)
        let dir = try PlanFixtures.temporaryDirectory()
        try PlanEmitter.emit(plan, format: .csv, to: dir.appendingPathComponent("p.csv"))
        try PlanEmitter.emit(plan, format: .hdf5, to: dir.appendingPathComponent("p.h5"), arrays: try ArraySelection(parsing: "0-1,3"))
        let csv = try parseCSV(dir.appendingPathComponent("p.csv")).rows
        // Read back through HDF5Support, which serialises HDF5 calls with the rest of the process.
        let file = try HDF5File(reading: dir.appendingPathComponent("p.h5"))
        #expect(try file.kind(of: "/array_0002") == nil)
        for a in [0, 1, 3] {
            let g = String(format: "/array_%04d", a)
            let mine = csv.filter { $0["array"] == String(a) }
            let targets = try file.readArray(path: g + "/target_uS").values
            let rows = try file.readArray(path: g + "/row").values
            let cols = try file.readArray(path: g + "/col").values
            let order = try file.readArray(path: g + "/order").values
            let wpu = try file.readArray(path: g + "/weight_per_uS").values
            #expect(targets.count == mine.count && !mine.isEmpty)
            for (i, r) in mine.enumerated() where i < targets.count {
                #expect(targets[i] == Float(r["target_uS"]!)! && wpu[i] == Float(r["weight_per_uS"]!)!)
                #expect(rows[i] == Float(r["row"]!)! && cols[i] == Float(r["col"]!)! && order[i] == Float(r["order"]!)!)
            }
        }
        #expect(try file.hasAttribute("device_spec_json") && file.hasAttribute("units"))
    }
}

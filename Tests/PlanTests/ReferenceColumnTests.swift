import Foundation
import HDF5Support
import Testing
@testable import Plan
@testable import TesterFiles

/// Reference columns in the plan file and every tester format (issue 14), on the hand-built
/// fixture whose tiles share word lines two by two and carry two reference lines each.
@Suite struct ReferenceColumnTests {
    static let referenceCase = PlanFixtures.cases.first { $0.referenceColumns > 0 }!

    /// weight = weight_per_uS × Σ_devices (target_uS − G_ref), G_ref the mean target of the role=ref
    /// records with the same tile and row (formats/tester-plan.md), from CSV rows alone. Numbers are
    /// read as float32, as the format prescribes (the shortest text that reads back as the float).
    static func rebuild(_ rows: [Row]) -> [String: Double] {
        func number(_ r: Row, _ key: String) -> Double { Double(Float(r[key]!)!) }
        var references = [String: (sum: Double, count: Int)]()
        for r in rows where r["role"] == "ref" {
            let key = "\(r["tile"]!)|\(r["row"]!)"
            references[key, default: (0, 0)].sum += number(r, "target_uS")
            references[key, default: (0, 0)].count += 1
        }
        var weights = [String: Double]()
        for r in rows where r["role"] != "ref" {
            let ref = references["\(r["tile"]!)|\(r["row"]!)"]!
            let term = number(r, "target_uS") - ref.sum / Double(ref.count)
            weights["\(r["layer"]!)|\(r["matrix_row"]!)|\(r["matrix_col"]!)", default: 0] += number(r, "weight_per_uS") * term
        }
        return weights
    }

    /// The plan's mapped weights, from its tiles: k × Σ_slots (target − zero_uS).
    static func mapped(_ plan: Plan) -> [String: Double] {
        var weights = [String: Double]()
        let s = plan.roles.count
        for tile in plan.tiles {
            let (rows, cols) = (tile.rows.count, tile.columns.count)
            let columns = plan.layers[tile.layer].matrix.columns
            for r in 0..<rows {
                for c in 0..<cols {
                    var sum = 0.0
                    for slot in 0..<s { sum += Double(tile.targets_uS[(slot * rows + r) * cols + c]) - Double(tile.zero_uS) }
                    let key = "\(plan.layers[tile.layer].node)|\(tile.rows.lowerBound + r)|\(tile.group * columns + tile.columns.lowerBound + c)"
                    weights[key] = Double(tile.weightPerMicrosiemens[c]) * sum
                }
            }
        }
        return weights
    }

    @Test func csvWithReferencesRebuildsTheMappedWeights() throws {
        let plan = PlanFixtures.plan(Self.referenceCase)
        #expect(plan.referenceColumns == 2 && plan.hasReferences)
        let url = try PlanFixtures.temporaryDirectory().appendingPathComponent("p.csv")
        let summary = try PlanEmitter.emit(plan, format: .csv, to: url)
        let (comments, rows) = try parseCSV(url)
        let referenceDevices = plan.tiles.reduce(0) { $0 + $1.rows.count * 2 }
        #expect(summary.devices == plan.deviceCount && rows.count == plan.deviceCount)
        #expect(plan.deviceCount == plan.tiles.reduce(0) { $0 + $1.weightCount } * plan.roles.count + referenceDevices)
        #expect(rows.filter { $0["role"] == "ref" }.count == referenceDevices)
        #expect(comments.contains { $0.contains("G_ref") && $0.contains("role=ref") })

        let rebuilt = Self.rebuild(rows), mapped = Self.mapped(plan)
        #expect(rebuilt.count == mapped.count && !mapped.isEmpty)
        for (key, w) in mapped {
            let got = try #require(rebuilt[key])
            #expect(abs(got - w) <= 1e-6 * abs(w) + 1e-12, "\(key): \(got) vs \(w)")
        }

        // Every reference device at its documented address and order, one per word line and line.
        let s = plan.roles.count
        for (t, tile) in plan.tiles.enumerated() {
            let mine = rows.filter { $0["role"] == "ref" && $0["tile"] == String(t) }
            #expect(mine.count == tile.rows.count * 2)
            for r in mine {
                let row = Int(r["row"]!)! - tile.rowOffset, line = Int(r["col"]!)! - (tile.columnOffset + tile.columns.count * s)
                #expect((0..<tile.rows.count).contains(row) && (0..<2).contains(line))
                #expect(Int(r["order"]!)! == tile.orderStart + tile.weightCount * s + row * 2 + line)
                #expect(Float(r["target_uS"]!)! == tile.zero_uS && r["force"] == "0")
            }
        }
    }

    /// A reference that reads lower than the zero point raises every weight of its word line by
    /// weight_per_uS × slots × the difference: what a tester rebuilding from measured values sees.
    @Test func theRebuildUsesTheReferencesNotTheZeroPoint() throws {
        let plan = PlanFixtures.plan(Self.referenceCase)
        let url = try PlanFixtures.temporaryDirectory().appendingPathComponent("p.csv")
        try PlanEmitter.emit(plan, format: .csv, to: url)
        var rows = try parseCSV(url).rows
        let tile = plan.tiles[0]
        for i in rows.indices where rows[i]["role"] == "ref" && rows[i]["tile"] == "0" && rows[i]["row"] == String(tile.rowOffset) {
            rows[i]["target_uS"] = String(tile.zero_uS - 0.5)
        }
        let before = Self.mapped(plan), after = Self.rebuild(rows)
        let layer = plan.layers[tile.layer]
        let columns = layer.matrix.columns
        for c in 0..<tile.columns.count {
            let key = "\(layer.node)|\(tile.rows.lowerBound)|\(tile.group * columns + tile.columns.lowerBound + c)"
            let expected = before[key]! + Double(tile.weightPerMicrosiemens[c]) * Double(plan.roles.count) * 0.5
            #expect(abs(after[key]! - expected) <= 1e-6 * abs(expected) + 1e-9)
        }
        // The next word line of the same tile is untouched.
        let other = "\(layer.node)|\(tile.rows.lowerBound + 1)|\(tile.group * columns + tile.columns.lowerBound)"
        #expect(abs(after[other]! - before[other]!) <= 1e-9)
    }

    @Test func everyFormatCarriesTheReferenceDevices() throws {
        let plan = PlanFixtures.plan(Self.referenceCase)
        let dir = try PlanFixtures.temporaryDirectory()
        for format in EmitFormat.allCases { try PlanEmitter.emit(plan, format: format, to: dir.appendingPathComponent("p.\(format.rawValue)")) }
        let csv = try parseCSV(dir.appendingPathComponent("p.csv")).rows
        let refs = csv.filter { $0["role"] == "ref" }
        let json = try parseJSONL(dir.appendingPathComponent("p.jsonl"))
        #expect(json.filter { $0["role"] as? String == "ref" }.count == refs.count)
        #expect(json.map { ($0["tile"] as? NSNumber)?.intValue ?? -1 } == csv.map { Int($0["tile"]!)! })

        // proto: DeviceRecord.role = POLARITY_REF (4), DeviceRecord.tile (40); the header's reference_columns (40).
        let bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent("p.proto")))
        var stream = MiniProto(bytes: bytes, position: 8)
        let headerLength = Int(stream.varint())
        let header = MiniProto.fields(bytes[stream.position..<(stream.position + headerLength)])
        stream.position += headerLength
        #expect(header[40] == [2])
        var roles = [UInt64](), tiles = [UInt64]()
        while stream.position < bytes.count {
            let n = Int(stream.varint())
            let r = MiniProto.fields(bytes[stream.position..<(stream.position + n)])
            roles.append(r[7]?.first ?? 0); tiles.append(r[40]?.first ?? 0)
            stream.position += n
        }
        #expect(roles.count == csv.count && roles.filter { $0 == 4 }.count == refs.count)
        #expect(tiles == csv.map { UInt64($0["tile"]!)! })

        // HDF5: role code 4 and the tile dataset, per array.
        let file = try HDF5File(reading: dir.appendingPathComponent("p.hdf5"))
        var hdf5Refs = 0
        for a in 0..<plan.arrays.count {
            let g = String(format: "/array_%04d", a)
            let role = try file.readArray(path: g + "/role").values
            let tile = try file.readArray(path: g + "/tile").values
            #expect(tile.count == role.count)
            hdf5Refs += role.filter { $0 == 4 }.count
        }
        #expect(hdf5Refs == refs.count)
    }

    @Test func planFileKeepsTheReferences() throws {
        let plan = PlanFixtures.plan(Self.referenceCase)
        let url = try PlanFixtures.temporaryDirectory().appendingPathComponent("p.plan")
        try PlanFile.write(plan, to: url)
        let back = try PlanFile.read(url)
        #expect(back.tiles == plan.tiles && back.options == plan.options && back.deviceCount == plan.deviceCount)
        #expect(back.options.referenceColumns == 2)
        // A tile whose reference devices do not match the header's count is refused, never misread.
        var damaged = plan
        damaged.tiles[1].referenceTargets_uS.removeLast()
        let bad = url.deletingLastPathComponent().appendingPathComponent("bad.plan")
        try PlanFile.write(damaged, to: bad)
        #expect(throws: PlanFileError.self) { try PlanFile.read(bad) }
    }
}

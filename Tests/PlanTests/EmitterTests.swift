import FileSupport
import Devices
import Foundation
import NetworkModel
import Testing
@testable import Plan
@testable import TesterFiles

/// A device record parsed back from an emitted file, by field name.
typealias Row = [String: String]

func parseCSV(_ url: URL) throws -> (comments: [String], rows: [Row]) {
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let comments = lines.prefix { $0.hasPrefix("#") }
    let rest = lines.dropFirst(comments.count).filter { !$0.isEmpty }
    let header = rest.first!.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let rows = rest.dropFirst().map { line -> Row in
        let values = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return Dictionary(uniqueKeysWithValues: zip(header, values))
    }
    return (Array(comments), rows)
}

func parseJSONL(_ url: URL) throws -> [[String: Any]] {
    try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
}

@Suite struct EmitterTests {
    /// Rebuilds every weight from the records alone with the documented formula and compares it
    /// with the network's weight; also checks address uniqueness, order, force and windows.
    static func checkRecords(_ rows: [Row], plan: Plan) {
        #expect(rows.count == plan.deviceCount)
        var weights = [String: Double]()
        var addresses = Set<String>(), orders = Set<Int>()
        let n = Double(plan.options.devicesPerConductance ?? plan.device.devicesPerConductance)
        let gMin = plan.device.gMin_uS / n, tolerance = 1e-6 * max(plan.device.gMax_uS / n, 1)
        // With reference columns a weight is read against the mean of its tile's reference devices on its row.
        var references = [String: [Double]]()
        for r in rows where r["role"] == "ref" { references["\(r["tile"]!)|\(r["row"]!)", default: []].append(Double(r["target_uS"]!)!) }
        for r in rows {
            let target = Double(r["target_uS"]!)!
            let wpu = Double(r["weight_per_uS"]!)!
            let sig = Double(r["significance"]!)!
            let term: Double
            switch r["role"]! {
            case "pos": term = sig * target
            case "neg": term = -sig * target
            case "ref": term = 0
            default:
                let ref = references["\(r["tile"] ?? "")|\(r["row"]!)"]
                term = target - (ref.map { $0.reduce(0, +) / Double($0.count) } ?? Double(r["zero_uS"]!)!)
            }
            if r["role"] != "ref" { weights["\(r["layer"]!)|\(r["matrix_row"]!)|\(r["matrix_col"]!)", default: 0] += wpu * term }
            addresses.insert("\(r["array"]!)|\(r["row"]!)|\(r["col"]!)")
            orders.insert(Int(r["order"]!)!)
            let forced = r["force"] == "1" || r["force"] == "true"
            #expect(forced == (plan.device.programVerify.belowGMin != .programToGMin && Double(Float(target)) <= gMin + tolerance))
            let lo = Double(r["window_lo_uS"]!)!, hi = Double(r["window_hi_uS"]!)!
            #expect(lo >= 0 && lo <= max(target, 0) + 1e-6 && hi >= target - 1e-6)
            if target == 0 { #expect(r["target_ohm"] == "inf" || r["target_ohm"] == "null") }
        }
        #expect(addresses.count == rows.count, "device addresses are unique")
        #expect(orders == Set(0..<rows.count), "order is a permutation")
        var expectedWeights = 0
        for layer in plan.layers {
            let node = plan.network.nodes.first { $0.name == layer.node }!
            let m = layer.matrix
            expectedWeights += m.weightCount
            for row in 0..<m.rows {
                for col in 0..<(m.columns * m.groups) {
                    let w = Double(PlanFixtures.weight(node, row: row, column: col))
                    let got = weights["\(layer.node)|\(row)|\(col)"]
                    #expect(got != nil && abs(got! - w) <= 1e-5 * Double(layer.wMax), "\(layer.node)[\(row), \(col)]: \(w) vs \(String(describing: got))")
                }
            }
        }
        #expect(weights.count == expectedWeights)
    }

    @Test(arguments: PlanFixtures.cases)
    func csvRebuildsTheWeights(_ c: PlanFixtures.Case) throws {
        let plan = PlanFixtures.plan(c)
        let url = try PlanFixtures.temporaryDirectory().appendingPathComponent("p.csv")
        let summary = try PlanEmitter.emit(plan, format: .csv, to: url)
        #expect(summary.devices == plan.deviceCount)
        let (comments, rows) = try parseCSV(url)
        #expect(comments.contains { $0.contains("units") } && comments.contains { $0.contains(plan.source.sha256) })
        #expect(comments.contains { $0.contains("plan format version 1") })
        Self.checkRecords(rows, plan: plan)
        #expect(rows.allSatisfy { $0["algorithm"] == plan.device.programVerify.algorithm.rawValue })
        #expect(rows.allSatisfy { $0["pulse_width_s"].flatMap(Double.init) == plan.device.programVerify.pulseWidth_s })
        #expect(rows.allSatisfy { $0["read_time_s"].flatMap(Double.init) == plan.device.programVerify.readTime_s })
    }

    @Test(arguments: PlanFixtures.cases)
    func jsonlMatchesTheCSV(_ c: PlanFixtures.Case) throws {
        let plan = PlanFixtures.plan(c)
        let dir = try PlanFixtures.temporaryDirectory()
        try PlanEmitter.emit(plan, format: .csv, to: dir.appendingPathComponent("p.csv"))
        try PlanEmitter.emit(plan, format: .jsonl, to: dir.appendingPathComponent("p.jsonl"))
        let csv = try parseCSV(dir.appendingPathComponent("p.csv")).rows
        let json = try parseJSONL(dir.appendingPathComponent("p.jsonl"))
        #expect(json.count == csv.count)
        let rows: [Row] = json.map { obj in
            obj.mapValues { v -> String in
                if v is NSNull { return "null" }
                if let b = v as? Bool, type(of: v) == type(of: true as Any) { return b ? "true" : "false" }
                return "\(v)"
            }
        }
        Self.checkRecords(rows, plan: plan)
        for (j, r) in zip(json, csv).prefix(50) {
            #expect((j["target_uS"] as! NSNumber).floatValue == Float(r["target_uS"]!)!)
            #expect(j["layer"] as? String == r["layer"] && (j["order"] as! NSNumber).intValue == Int(r["order"]!)!)
        }
    }

    @Test func streamingFromTheFileEqualsEmittingFromMemory() throws {
        let plan = PlanFixtures.plan(PlanFixtures.cases[1])
        let dir = try PlanFixtures.temporaryDirectory()
        let planURL = dir.appendingPathComponent("p.plan")
        try PlanFile.write(plan, to: planURL)
        for format in [EmitFormat.csv, .jsonl, .proto] {
            try PlanEmitter.emit(plan, format: format, to: dir.appendingPathComponent("a.\(format)"))
            try PlanEmitter.emit(planAt: planURL, format: format, to: dir.appendingPathComponent("b.\(format)"))
            let (a, b) = (try Data(contentsOf: dir.appendingPathComponent("a.\(format)")), try Data(contentsOf: dir.appendingPathComponent("b.\(format)")))
            if format == .csv {
                // From a file, the CSV names the file's SHA-256 (for read-backs to repeat) after the version line.
                var lines = String(decoding: b, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let hash = SHA256Digest.hex(try SHA256Digest.hash(fileAt: planURL))
                #expect(lines[5] == "# plan_sha256: \(hash)" && lines[4].hasPrefix("# tool version:"))
                lines.remove(at: 5)
                #expect(Data(lines.joined(separator: "\n").utf8) == a)
            } else {
                #expect(a == b)
            }
        }
    }

    @Test func aCorruptedPlanEmitsNothing() throws {
        let dir = try PlanFixtures.temporaryDirectory()
        let planURL = dir.appendingPathComponent("p.plan")
        try PlanFile.write(PlanFixtures.plan(PlanFixtures.cases[0]), to: planURL)
        var bytes = [UInt8](try Data(contentsOf: planURL))
        bytes[bytes.count - 100] ^= 4
        try Data(bytes).write(to: planURL)
        #expect(throws: PlanFileError.self) { try PlanEmitter.emit(planAt: planURL, format: .csv, to: dir.appendingPathComponent("o.csv")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["p.plan"])
    }

    @Test func arraysFilter() throws {
        let plan = PlanFixtures.plan(PlanFixtures.cases[0])
        let url = try PlanFixtures.temporaryDirectory().appendingPathComponent("p.csv")
        let selection = try ArraySelection(parsing: "0, 2-3")
        let summary = try PlanEmitter.emit(plan, format: .csv, to: url, arrays: selection)
        let rows = try parseCSV(url).rows
        #expect(Set(rows.map { $0["array"]! }) == ["0", "2", "3"])
        #expect(summary.arrays == [0, 2, 3] && summary.devices == rows.count)
        let expected = plan.tiles.filter { [0, 2, 3].contains($0.array) }.reduce(0) { $0 + $1.targets_uS.count }
        #expect(rows.count == expected)
    }

    @Test(arguments: ["", "1,,2", "a", "3-1", "-1", "1-2-3", "2-x"])
    func badArrayLists(_ text: String) {
        #expect(throws: PlanFileError.self) { try ArraySelection(parsing: text) }
    }

    @Test func arraysBeyondThePlanAreRefused() throws {
        let plan = PlanFixtures.plan(PlanFixtures.cases[0])
        let dir = try PlanFixtures.temporaryDirectory()
        #expect(throws: PlanFileError.self) {
            try PlanEmitter.emit(plan, format: .csv, to: dir.appendingPathComponent("p.csv"), arrays: try ArraySelection(parsing: "0,999"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}

import Foundation
import Testing
import TestSupport

/// `compile --defects` and `verify --defects` as a user runs them: the emitted CSV alone rebuilds the
/// weights the faulty chip holds (with the permutations), the summary's per-layer errors are what the
/// CSVs give, verify simulates the map on a naive and an aware plan, and bad maps fail cleanly.
@Suite(.serialized) struct DefectsCommandTests {
    static let model = "examples/models/fmnist_cnn_k2.h5"
    /// The large dense layer stays digital so the debug build stays quick: 10,784 devices.
    static let compileArguments = ["--device", "rram", "--keep-digital", "dense1"]

    struct Setup {
        var dir: URL
        var naivePlan: URL, awarePlan: URL, defects: URL
        var naiveCSV: [[String: String]], awareCSV: [[String: String]]
        var summaryJSON: String
        var defectCount: Int
        func summary() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(summaryJSON.utf8)) as? [String: Any])
        }
    }

    static func csvRows(_ url: URL) throws -> [[String: String]] {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init))) }
    }

    static func run(_ arguments: [String]) throws -> CommandRunner.Output {
        let r = try CommandRunner.run(arguments)
        guard r.status == 0 else { throw CommandFailure(output: r) }
        return r
    }

    /// Naive plan → CSV → a seeded 10 % defect map (examples/make_defects.py) → aware plan → CSV.
    static let setup: Result<Setup, Error> = Result {
        let dir = try Fixtures.temporaryDirectory()
        let naive = dir.appendingPathComponent("naive.plan"), aware = dir.appendingPathComponent("aware.plan")
        let naiveCSV = dir.appendingPathComponent("naive.csv"), awareCSV = dir.appendingPathComponent("aware.csv")
        let defects = dir.appendingPathComponent("chip.defects.csv")
        _ = try run(["compile", model] + compileArguments + ["--output", naive.path])
        _ = try run(["emit", naive.path, "--format", "csv", "--output", naiveCSV.path])
        let python = try CommandRunner.run(executable: URL(fileURLWithPath: "/usr/bin/python3"),
                                           ["examples/make_defects.py", naiveCSV.path, "--fraction", "0.1", "--seed", "3",
                                            "--output", defects.path])
        guard python.status == 0 else { throw CommandFailure(output: python) }
        let compiled = try run(["compile", model] + compileArguments + ["--defects", defects.path, "--output", aware.path, "--json"])
        _ = try run(["emit", aware.path, "--format", "csv", "--output", awareCSV.path])
        let count = try String(contentsOf: defects, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }.count - 1
        return Setup(dir: dir, naivePlan: naive, awarePlan: aware, defects: defects, naiveCSV: try csvRows(naiveCSV),
                     awareCSV: try csvRows(awareCSV), summaryJSON: compiled.stdout, defectCount: count)
    }

    /// Weights per (layer, matrix_row, matrix_col) from CSV rows alone, with `override` replacing a
    /// device's conductance by address.
    static func weights(_ rows: [[String: String]], override: [String: Double] = [:]) -> [String: Double] {
        var w = [String: Double]()
        for r in rows {
            let address = "\(r["array"]!),\(r["row"]!),\(r["col"]!)"
            let g = override[address] ?? Double(r["target_uS"]!)!
            let sign = r["role"] == "neg" ? -1.0 : 1.0
            let key = "\(r["layer"]!)/\(r["matrix_row"]!)/\(r["matrix_col"]!)"
            w[key, default: 0] += Double(r["weight_per_uS"]!)! * Double(r["significance"]!)! * sign * g
        }
        return w
    }

    @Test func emittedCSVRebuildsTheFaultyWeightsAndTheSummaryErrors() throws {
        let s = try Self.setup.get()
        #expect(s.naiveCSV.count == 10_784 && s.awareCSV.count == 10_784)
        #expect(s.naiveCSV.first?["stuck"] == nil, "a plan without a defect map has no stuck column")
        // The stuck column marks exactly the map's addresses, which hold their stuck conductances.
        let map = try String(contentsOf: s.defects, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }.dropFirst()
        var stuckAt = [String: Double]()
        for line in map {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let g: Double = f[3] == "stuck_low" ? 1 : f[3] == "stuck_high" ? 40 : Double(Float(Double(f[4])!))   // rram: 1–40 µS
            stuckAt["\(f[0]),\(f[1]),\(f[2])"] = g
        }
        #expect(stuckAt.count == s.defectCount && s.defectCount == Int((0.1 * 10_784).rounded()))
        for r in s.awareCSV {
            let address = "\(r["array"]!),\(r["row"]!),\(r["col"]!)"
            #expect((r["stuck"] == "1") == (stuckAt[address] != nil), "\(address)")
            if let g = stuckAt[address] { #expect(Float(r["target_uS"]!)! == Float(g) && r["force"] == "0") }
        }
        // Orders are still a permutation and follow the physical layout.
        #expect(Set(s.awareCSV.map { Int($0["order"]!)! }) == Set(0..<10_784))
        // Weights from the CSVs alone: the naive chip (its targets with the map's faults put in) and
        // the aware chip, each against the faultless weights; RMS per layer as the summary reports.
        let ideal = Self.weights(s.naiveCSV)
        let naiveFaulty = Self.weights(s.naiveCSV, override: stuckAt)
        let awareFaulty = Self.weights(s.awareCSV)
        #expect(Set(awareFaulty.keys) == Set(ideal.keys))
        let summary = try s.summary()
        let layers = try #require(summary["layers"] as? [[String: Any]])
        #expect(summary["defect_map"] as? String == "chip.defects.csv")
        for layer in layers {
            let name = try #require(layer["name"] as? String)
            let faults = try #require(layer["faults"] as? [String: Any])
            let keys = ideal.keys.filter { $0.hasPrefix(name + "/") }
            func rms(_ w: [String: Double]) -> Double {
                (keys.reduce(0.0) { $0 + pow(w[$1]! - ideal[$1]!, 2) } / Double(keys.count)).squareRoot()
            }
            let (naive, aware) = (rms(naiveFaulty), rms(awareFaulty))
            let reportedNaive = try #require(faults["naive_rms_error"] as? Double)
            let reportedAware = try #require(faults["aware_rms_error"] as? Double)
            #expect(abs(naive - reportedNaive) <= 1e-4 * reportedNaive + 1e-7, "\(name): \(naive) vs \(reportedNaive)")
            #expect(abs(aware - reportedAware) <= 1e-4 * reportedNaive + 1e-7, "\(name): \(aware) vs \(reportedAware)")
            #expect(aware < 0.5 * naive, "\(name): fault-aware \(aware) vs naive \(naive)")
        }
        // The independent Python reader agrees (permutations, stuck flags, rebuilt errors).
        let check = try CommandRunner.run(executable: URL(fileURLWithPath: "/usr/bin/python3"),
                                          ["examples/read_plan.py", s.awarePlan.path, s.dir.appendingPathComponent("aware.csv").path])
        #expect(check.status == 0 && check.stdout.contains("weights on stuck devices"), "\(check.stdout)\(check.stderr)")
        // Every tester format carries the same stuck flags (independent readers: json, protobuf, h5dump).
        var files = [String]()
        for format in ["jsonl", "proto", "hdf5"] {
            let out = s.dir.appendingPathComponent("aware.\(format)")
            _ = try Self.run(["emit", s.awarePlan.path, "--format", format, "--output", out.path])
            files += ["--\(format)", out.path]
        }
        let formats = try CommandRunner.run(executable: URL(fileURLWithPath: "/usr/bin/python3"),
                                            ["examples/read_tester_files.py", s.dir.appendingPathComponent("aware.csv").path] + files)
        #expect(formats.status == 0, "\(formats.stdout)\(formats.stderr)")
        // The text summary has the fault table.
        let text = try Self.run(["inspect", s.awarePlan.path])
        #expect(text.stdout.contains("Mapped around the faults of chip.defects.csv"))
    }

    @Test func verifySimulatesTheMapOnNaiveAndAwarePlans() throws {
        let s = try Self.setup.get()
        func verify(_ plan: URL, defects: Bool) throws -> [String: Any] {
            let r = try Self.run(["verify", plan.path, "--data", "fashion-mnist", "--limit", "300", "--trials", "1", "--times", "1s",
                                  "--rram-mode", "statistical", "--stuck-rate", "0", "--json"] + (defects ? ["--defects", s.defects.path] : []))
            return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        }
        func accuracy(_ doc: [String: Any]) -> Double { ((doc["results"] as? [[String: Any]])?.first?["accuracy_mean"] as? Double) ?? -1 }
        let clean = try verify(s.naivePlan, defects: false)
        #expect(clean["known_faults"] is NSNull)
        let naive = try verify(s.naivePlan, defects: true)
        let known = try #require(naive["known_faults"] as? [String: Any])
        #expect(known["devices"] as? Int == s.defectCount && known["defect_map"] as? String == s.defects.path)
        let aware = try verify(s.awarePlan, defects: true)
        let recorded = try verify(s.awarePlan, defects: false)
        let recordedKnown = try #require(recorded["known_faults"] as? [String: Any])
        #expect(recordedKnown["defect_map"] is NSNull && recordedKnown["devices"] as? Int == s.defectCount)
        #expect(accuracy(recorded) == accuracy(aware))
        #expect(accuracy(clean) - accuracy(naive) > 0.05, "clean \(accuracy(clean)), naive \(accuracy(naive))")
        #expect(accuracy(aware) - accuracy(naive) >= 0.5 * (accuracy(clean) - accuracy(naive)),
                "clean \(accuracy(clean)), naive \(accuracy(naive)), aware \(accuracy(aware))")
    }

    /// Bad maps: one line naming the file (and line), the sysexits status, and no output file.
    @Test func badDefectMapsFailWithoutWriting() throws {
        let s = try Self.setup.get()
        func map(_ name: String, _ body: String) throws -> String {
            let url = s.dir.appendingPathComponent(name)
            try Data(("array,row,col,kind,value_uS\n" + body).utf8).write(to: url)
            return url.path
        }
        let unknown = try map("unknown.csv", "0,0,0,stuck_sideways,\n")
        let outside = try map("outside.csv", "0,0,0,stuck_low,\n7,0,0,stuck_high,\n")
        let cases: [([String], Int32, String)] = [
            (["--defects", unknown], 65, "unknown.csv:2: unknown kind 'stuck_sideways'"),
            (["--defects", outside], 65, "outside.csv:3: array 7 is not in the plan"),
            (["--defects", s.dir.appendingPathComponent("missing.csv").path], 66, "missing.csv"),
            (["--defects"], 64, "--defects"),
        ]
        for (extra, status, message) in cases {
            let out = s.dir.appendingPathComponent("bad-\(status).plan")
            let compile = try CommandRunner.run(["compile", Self.model] + Self.compileArguments + ["--output", out.path] + extra)
            #expect(compile.status == status, "\(extra): \(compile.stderr)")
            #expect(compile.stderr.contains(message), "\(compile.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
            if status == 65 || status == 66 {
                #expect(compile.stderr.split(separator: "\n").count == 1, "\(compile.stderr)")
                let result = s.dir.appendingPathComponent("bad-\(status).json")
                let verify = try CommandRunner.run(["verify", s.naivePlan.path, "--data", "fashion-mnist", "--limit", "10",
                                                    "--output", result.path] + extra)
                #expect(verify.status == status && verify.stderr.contains(message), "\(verify.stderr)")
                #expect(!FileManager.default.fileExists(atPath: result.path))
            }
        }
    }
}

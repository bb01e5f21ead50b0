import Foundation
import Testing
import TestSupport

/// `imprint touchup` as a lab runs it: compile, emit, a read-back, the touch-up file, its execution.
@Suite(.serialized) struct TouchupCommandTests {
    static let model = "examples/fixtures/onnx/conv_variants.onnx"

    struct Setup {
        var dir: URL
        var plan: URL
        var csv: URL
        /// The emitted devices: address → (target, window lo, window hi).
        var rows: [[String: String]]
    }

    /// A compiled and emitted plan in a fresh folder.
    static func setup(device: String = "pcm", pairs: String = "single") throws -> Setup {
        let dir = try Fixtures.temporaryDirectory()
        let plan = dir.appendingPathComponent("m.plan"), csv = dir.appendingPathComponent("m.csv")
        // Offset mode against a digital zero point: read-backs of reference devices are not joined yet.
        let reference = pairs == "offset" ? ["--reference", "digital"] : []
        let c = try CommandRunner.run(["compile", model, "--device", device, "--pairs", pairs, "--output", plan.path] + reference)
        guard c.status == 0 else { throw CommandFailure(output: c) }
        let e = try CommandRunner.run(["emit", plan.path, "--format", "csv", "--output", csv.path])
        guard e.status == 0 else { throw CommandFailure(output: e) }
        return Setup(dir: dir, plan: plan, csv: csv, rows: try csvRows(csv))
    }

    /// CSV data rows (comment lines skipped) as dictionaries (no quoted fields in these files).
    static func csvRows(_ url: URL) throws -> [[String: String]] {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { line in
            Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }
    }

    static func address(_ r: [String: String]) -> String { "\(r["array"]!),\(r["row"]!),\(r["col"]!)" }

    /// Writes a read-back: `measured(row)` per emitted device, success 1.
    static func writeReadback(_ rows: [[String: String]], to url: URL, header: String = "",
                              _ measured: ([String: String]) -> String) throws {
        var text = header + "array,row,col,measured_uS,success\n"
        for r in rows { text += "\(address(r)),\(measured(r)),1\n" }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func exactReadBackListsNothing() throws {
        let s = try Self.setup()
        let rb = s.dir.appendingPathComponent("exact.csv"), out = s.dir.appendingPathComponent("t.csv")
        try Self.writeReadback(s.rows, to: rb) { $0["target_uS"]! }
        let r = try CommandRunner.run(["touchup", s.plan.path, "--measured", rb.path, "--output", out.path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try json(r.stdout)
        #expect(doc["devices_read"] as? Int == s.rows.count)
        #expect(doc["in_window"] as? Int == s.rows.count)
        #expect(doc["listed"] as? Int == 0 && doc["defective"] as? Int == 0)
        #expect(try Self.csvRows(out).isEmpty, "a header and no records")
    }

    /// A read-back off by a deterministic pattern (a third of the devices by 1.5 µS, up or down, some
    /// stuck at 0 or at g_max), then a touch-up executed exactly: the next touch-up lists nothing,
    /// and the weight error predicted by the first is what the second measures.
    @Test(arguments: [("pcm", "single"), ("rram", "dual"), ("rram-hfox", "offset")])
    func touchupExecutedExactlyLeavesNothing(_ device: String, _ pairs: String) throws {
        let s = try Self.setup(device: device, pairs: pairs)
        let rb1 = s.dir.appendingPathComponent("rb1.csv"), t1 = s.dir.appendingPathComponent("t1.csv")
        var measured = [String: String]()
        for (i, r) in s.rows.enumerated() {
            let target = Double(r["target_uS"]!)!
            let value: Double
            switch i % 97 {
            case 5: value = 0
            case 11: value = 1000  // beyond any g_max: clipped below
            default: value = i % 3 == 0 ? target + (i % 2 == 0 ? 1.5 : -1.5) : target
            }
            measured[Self.address(r)] = String(Float(min(max(value, 0), 40)))
        }
        try Self.writeReadback(s.rows, to: rb1) { measured[Self.address($0)]! }
        let first = try CommandRunner.run(["touchup", s.plan.path, "--measured", rb1.path, "--output", t1.path, "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let d1 = try json(first.stdout)
        let listed = try Self.csvRows(t1)
        #expect(listed.count == d1["listed"] as? Int && !listed.isEmpty)
        #expect((d1["defective"] as? Int ?? 0) > 0)
        // Every listed record is a device of the plan, listed once, with the read-back's value.
        let plan = Dictionary(uniqueKeysWithValues: s.rows.map { (Self.address($0), $0) })
        #expect(Set(listed.map(Self.address)).count == listed.count)
        for r in listed {
            let a = Self.address(r)
            #expect(plan[a] != nil && Float(r["measured_uS"]!) == Float(measured[a]!))
            #expect(["reprogram", "retarget-partner", "retarget-lsp"].contains(r["reason"]!))
            let (new, old) = (Double(r["target_uS"]!)!, Double(plan[a]!["target_uS"]!)!)
            #expect((r["reason"] == "reprogram") == (abs(new - old) <= 1e-4 * max(1, old)), "\(r)")
            #expect(r["layer"] == plan[a]!["layer"] && r["order"] == plan[a]!["order"])
            measured[a] = r["target_uS"]!  // executed exactly
        }
        let rb2 = s.dir.appendingPathComponent("rb2.csv"), t2 = s.dir.appendingPathComponent("t2.csv")
        try Self.writeReadback(s.rows, to: rb2) { measured[Self.address($0)]! }
        let second = try CommandRunner.run(["touchup", s.plan.path, "--measured", rb2.path, "--output", t2.path, "--json"])
        #expect(second.status == 0, "\(second.stderr)")
        let d2 = try json(second.stdout)
        #expect(d2["listed"] as? Int == 0)
        #expect(d2["defective"] as? Int == d1["defective"] as? Int)
        let l1 = try #require(d1["layers"] as? [[String: Any]]), l2 = try #require(d2["layers"] as? [[String: Any]])
        for (a, b) in zip(l1, l2) {
            let predicted = try #require(a["rms_weight_error_after"] as? Double), found = try #require(b["rms_weight_error_before"] as? Double)
            #expect(abs(predicted - found) <= 1e-6 * max(predicted, 1e-3), "\(a["layer"] ?? "")")
            #expect(predicted <= (a["rms_weight_error_before"] as? Double ?? 0))
        }
    }

    @Test(.enabled(if: ExternalTools.isCI || ExternalTools.pythonHasProtobufAndNumPy,
                   Comment(rawValue: ExternalTools.missing("Debian's python3-numpy"))))
    func theVirtualTesterClosesTheLoop() throws {
        let s = try Self.setup()
        let tester = Fixtures.root.appendingPathComponent("examples/virtual_tester.py").path
        let rb1 = s.dir.appendingPathComponent("rb1.csv"), t1 = s.dir.appendingPathComponent("t1.csv")
        let rb2 = s.dir.appendingPathComponent("rb2.csv"), t2 = s.dir.appendingPathComponent("t2.csv")
        let defects = s.dir.appendingPathComponent("defects.csv")
        let p = try CommandRunner.run(executable: ExternalTools.debianPython, [tester, "program", s.csv.path, "--output", rb1.path, "--seed", "3"])
        #expect(p.status == 0, "\(p.stderr)")
        // The same seed gives the same read-back.
        let again = s.dir.appendingPathComponent("rb1-again.csv")
        _ = try CommandRunner.run(executable: ExternalTools.debianPython, [tester, "program", s.csv.path, "--output", again.path, "--seed", "3"])
        #expect(try Data(contentsOf: rb1) == Data(contentsOf: again))
        let a = try CommandRunner.run(["touchup", s.plan.path, "--measured", rb1.path, "--output", t1.path,
                                       "--defects-out", defects.path, "--json"])
        #expect(a.status == 0, "\(a.stderr)")
        let d1 = try json(a.stdout)
        let defectRows = try Self.csvRows(defects)
        #expect(defectRows.count == d1["defective"] as? Int)
        #expect(defectRows.allSatisfy { ["stuck_low", "stuck_high", "stuck_at"].contains($0["kind"]!) })
        // The touch-up CSV carries the plan's SHA-256, and the tester copies it into its read-back.
        let sha = try #require(try String(contentsOf: t1, encoding: .utf8).split(separator: "\n").first { $0.hasPrefix("# plan_sha256: ") })
        let x = try CommandRunner.run(executable: ExternalTools.debianPython, [tester, "touchup", t1.path, "--previous", rb1.path,
                                                                             "--output", rb2.path, "--seed", "3"])
        #expect(x.status == 0, "\(x.stderr)")
        #expect(try String(contentsOf: rb2, encoding: .utf8).hasPrefix(String(sha) + "\n"))
        let b = try CommandRunner.run(["touchup", s.plan.path, "--measured", rb2.path, "--output", t2.path, "--json"])
        #expect(b.status == 0, "\(b.stderr)")
        let d2 = try json(b.stdout)
        let listed1 = try #require(d1["listed"] as? Int), listed2 = try #require(d2["listed"] as? Int)
        #expect(listed1 > 0 && listed2 < listed1 / 2, "the second pass lists far fewer devices (\(listed1) → \(listed2))")
        let settled1 = try #require(d1["settled_fraction"] as? Double), settled2 = try #require(d2["settled_fraction"] as? Double)
        #expect(settled2 > settled1)
    }

    @Test func otherFormatsCarryMeasuredAndReason() throws {
        let s = try Self.setup()
        let rb = s.dir.appendingPathComponent("rb.csv")
        try Self.writeReadback(s.rows, to: rb) { r in
            Int(r["order"]!)! % 10 == 0 ? String(Float(Double(r["target_uS"]!)! + 2)) : r["target_uS"]!
        }
        let jsonl = s.dir.appendingPathComponent("t.jsonl")
        let r = try CommandRunner.run(["touchup", s.plan.path, "--measured", rb.path, "--output", jsonl.path, "--format", "jsonl", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try String(contentsOf: jsonl, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == (try json(r.stdout))["listed"] as? Int && !lines.isEmpty)
        for line in lines {
            let o = try json(String(line))
            #expect(o["measured_uS"] is Double && o["reason"] is String && o["target_uS"] is Double)
        }
        for format in ["proto", "hdf5"] {
            let out = s.dir.appendingPathComponent("t.\(format)")
            let p = try CommandRunner.run(["touchup", s.plan.path, "--measured", rb.path, "--output", out.path, "--format", format])
            #expect(p.status == 0 && FileManager.default.fileExists(atPath: out.path), "\(format): \(p.stderr)")
        }
    }

    @Test func badInputIsOneLineAndWritesNothing() throws {
        let s = try Self.setup()
        let out = s.dir.appendingPathComponent("t.csv"), defects = s.dir.appendingPathComponent("d.csv")
        func run(_ measured: URL, _ extra: [String] = []) throws -> CommandRunner.Output {
            try CommandRunner.run(["touchup", s.plan.path, "--measured", measured.path, "--output", out.path, "--defects-out", defects.path] + extra)
        }
        func expectFailure(_ r: CommandRunner.Output, _ status: Int32, _ fragment: String) {
            #expect(r.status == status, "\(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.first?.hasPrefix("imprint: error: ") == true && lines.first?.contains(fragment) == true, "\(r.stderr)")
            if status != 64 { #expect(lines.count == 1, "\(r.stderr)") }
            #expect(!FileManager.default.fileExists(atPath: out.path) && !FileManager.default.fileExists(atPath: defects.path))
        }
        expectFailure(try run(s.dir.appendingPathComponent("nosuch.csv")), 66, "nosuch.csv")

        let dup = s.dir.appendingPathComponent("dup.csv")
        try Self.writeReadback(s.rows + [s.rows[0]], to: dup) { $0["target_uS"]! }
        expectFailure(try run(dup), 65, "dup.csv:\(s.rows.count + 2):")

        let negative = s.dir.appendingPathComponent("neg.csv")
        try Self.writeReadback(s.rows, to: negative) { $0["order"] == "7" ? "-1" : $0["target_uS"]! }
        expectFailure(try run(negative), 65, "neg.csv:")

        let short = s.dir.appendingPathComponent("short.csv")
        try Self.writeReadback(Array(s.rows.dropLast()), to: short) { $0["target_uS"]! }
        expectFailure(try run(short), 65, "short.csv")

        let other = s.dir.appendingPathComponent("other.csv")
        try Self.writeReadback(s.rows, to: other, header: "# plan_sha256: \(String(repeating: "ab", count: 32))\n") { $0["target_uS"]! }
        expectFailure(try run(other), 65, "plan_sha256")

        let good = s.dir.appendingPathComponent("good.csv")
        try Self.writeReadback(s.rows, to: good) { $0["target_uS"]! }
        expectFailure(try run(good, ["--format", "xml"]), 64, "format")
        let sameAsInput = try CommandRunner.run(["touchup", s.plan.path, "--measured", good.path, "--output", good.path])
        #expect(sameAsInput.status == 73, "\(sameAsInput.stderr)")
        let clash = try CommandRunner.run(["touchup", s.plan.path, "--measured", good.path, "--output", out.path, "--defects-out", out.path])
        #expect(clash.status == 64 && !FileManager.default.fileExists(atPath: out.path))
        let notAPlan = try CommandRunner.run(["touchup", good.path, "--measured", good.path, "--output", out.path])
        #expect(notAPlan.status == 65 && !FileManager.default.fileExists(atPath: out.path), "\(notAPlan.stderr)")
    }
}

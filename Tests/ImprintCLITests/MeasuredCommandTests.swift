import Foundation
import Testing
import TestSupport

/// `verify PLAN --measured FILE` as a user runs it: read-backs written from the emitted CSV (the
/// tester's own file with a measured_uS column appended), the measured-vs-target section, and every
/// bad-input rule as one line, its exit status, and nothing written.
@Suite(.serialized) struct MeasuredCommandTests {
    /// A PCM plan of the bundled PyTorch CNN and its emitted CSV.
    static let files: Result<(plan: URL, csv: URL), Error> = Result {
        let dir = try Fixtures.temporaryDirectory()
        let plan = dir.appendingPathComponent("cnn.plan"), csv = dir.appendingPathComponent("cnn.csv")
        for args in [["compile", "examples/models/fmnist_cnn_torch.onnx", "--device", "pcm", "--output", plan.path],
                     ["emit", plan.path, "--format", "csv", "--output", csv.path]] {
            let r = try CommandRunner.run(args)
            guard r.status == 0 else { throw CommandFailure(output: r) }
        }
        return (plan, csv)
    }

    /// The emitted CSV's comment lines, its header with `measured_uS` appended, and its data rows with
    /// `measured_uS` = the target scaled and shifted per device: split and computed once for every
    /// read-back of the suite (a debug build takes seconds over the CNN's 158,240 rows).
    static let measuredRows: Result<(comments: [String], header: String, rows: [String]), Error> = Result {
        let (_, csv) = try files.get()
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").map(String.init)
        let comments = Array(lines.prefix { $0.hasPrefix("#") })
        let body = lines.dropFirst(comments.count)
        let header = body.first!.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let target = header.firstIndex(of: "target_uS")!
        let rows = body.dropFirst().enumerated().map { i, line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            let measured = max(0, Double(f[target])! * (1 + 0.05 * sin(Double(i))) + 0.2 * cos(Double(i) * 0.37))
            return line + "," + String(Float(measured))
        }
        return (comments, (header + ["measured_uS"]).joined(separator: ","), rows)
    }

    /// The emitted CSV as a virtual tester returns it: its comments (`# plan_sha256:` among them) and
    /// columns, plus `measured_uS` (`measuredRows`), and `extra` columns. `edit` may drop (nil) or
    /// rewrite a data row, given as its line with `measured_uS` last (`extra` fields are the edit's to
    /// append); `comments` rewrites the comment lines.
    static func readBack(name: String, comments: (String) -> String = { $0 }, extra: [String] = [],
                         edit: (Int, String) -> [String]? = { _, line in [line] }) throws -> URL {
        let (csv, base) = (try files.get().csv, try measuredRows.get())
        var out = base.comments.map(comments)
        out.append(([base.header] + extra).joined(separator: ","))
        for (i, line) in base.rows.enumerated() { out.append(contentsOf: edit(i, line) ?? []) }
        let url = csv.deletingLastPathComponent().appendingPathComponent(name)
        try Data((out.joined(separator: "\n") + "\n").utf8).write(to: url)
        return url
    }

    /// `line` with its first `fields.count` fields replaced by `fields`.
    static func replacingFirst(_ fields: [String], of line: String) -> String {
        (fields + [String(line.split(separator: ",", maxSplits: fields.count, omittingEmptySubsequences: false)[fields.count])])
            .joined(separator: ",")
    }

    /// `line` with its last field replaced by `field`.
    static func replacingLast(with field: String, of line: String) -> String {
        line[..<line.lastIndex(of: ",")!] + "," + field
    }

    func verify(_ extra: [String], output: URL? = nil) throws -> CommandRunner.Output {
        let plan = try Self.files.get().plan
        return try CommandRunner.run(["verify", plan.path, "--data", "fashion-mnist", "--limit", "100", "--threads", "2"]
                                     + (output.map { ["--output", $0.path] } ?? []) + extra)
    }

    @Test func jsonHasTheMeasuredSectionAndMatchesTheSchema() throws {
        let rb = try Self.readBack(name: "rb.csv")
        let out = rb.deletingLastPathComponent().appendingPathComponent("m.json")
        let r = try verify(["--measured", rb.path, "--measured-at", "1h", "--times", "1h,1y", "--trials", "2", "--json"], output: out)
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let m = try #require(doc["measured"] as? [String: Any])
        for key in ["source", "missing_devices", "earliest_measurement_s", "latest_measurement_s", "at_low_rail", "at_high_rail",
                    "unexpected_at_rail", "tester_failures", "chip", "layers", "tiles", "target_accuracy", "measured_accuracy"] {
            #expect(m[key] != nil, "missing measured.\(key)")
        }
        #expect(m["missing_devices"] as? Int == 0 && m["latest_measurement_s"] as? Double == 3600 && m["tester_failures"] is NSNull)
        #expect(m["target_accuracy"] as? Double == doc["baseline_accuracy"] as? Double)
        let chip = try #require(m["chip"] as? [String: Any])
        #expect(chip["devices"] as? Int == summaryDevices(try Self.files.get().plan))
        #expect((chip["rms_uS"] as? Double ?? 0) > 0 && (m["layers"] as? [Any])?.count == 4)
        #expect(try String(contentsOf: out, encoding: .utf8) == r.stdout)
        if ConventionTests.hasJSONSchema {
            let check = try CommandRunner.run(executable: URL(fileURLWithPath: "/usr/bin/python3"), [
                "-c", "import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))",
                Fixtures.root.appendingPathComponent("formats/verify.schema.json").path, out.path])
            #expect(check.status == 0, "\(check.stderr.suffix(600))")
        }
        // A plain verify has the key, null.
        let plain = try verify(["--times", "1s", "--trials", "1", "--json"])
        let plainDoc = try #require(try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any])
        #expect(plainDoc["measured"] is NSNull)
    }

    @Test func textReportsPartialReadBacksAndTesterColumns() throws {
        let rb = try Self.readBack(name: "partial.csv", extra: ["time_s", "success"]) { i, line in
            i % 1000 == 17 ? nil : [line + ",\(60 + i % 2)," + (i % 50 == 0 ? "0" : "1")]
        }
        let report = rb.deletingLastPathComponent().appendingPathComponent("partial.html")
        let r = try verify(["--measured", rb.path, "--partial", "--times", "1d", "--trials", "1", "--report", report.path])
        #expect(r.status == 0, "\(r.stderr)")
        let devices = try #require(summaryDevices(try Self.files.get().plan))
        let missing = (devices - 17 + 999) / 1000
        #expect(r.stdout.contains("Read-back: \(rb.path), \(grouped(devices - missing)) devices measured at "), "\(r.stdout)")
        #expect(r.stdout.contains("after programming; \(grouped(missing)) devices without a record, simulated as in a plain verify"), "\(r.stdout)")
        #expect(r.stdout.contains("Measured vs target: "))
        // Rows i ≡ 0 (mod 50) report failure; none of them is among the dropped rows (i ≡ 17 mod 1000).
        #expect(r.stdout.contains("the tester reported \(grouped((devices + 49) / 50)) failed devices"), "\(r.stdout)")
        #expect(r.stdout.contains("with the measured conductances (no read noise)"))
        // The HTML report has the section: the summary, one row per layer plus the chip, one per tile.
        let html = try String(contentsOf: report, encoding: .utf8)
        #expect(html.contains("<h2>Measured vs target</h2>"))
        #expect(html.contains("<td class=\"l\">devices without a record (simulated)</td><td class=\"l\">\(missing)</td>"), "\(html.prefix(3000))")
        #expect(html.contains("<td class=\"l\">devices the tester reported failed</td><td class=\"l\">\((devices + 49) / 50)</td>"))
        #expect(html.contains("<td class=\"l\">whole chip</td><td>\(devices - missing)</td>"))
        #expect(html.contains("/classifier/classifier.3/Gemm"))
    }

    func grouped(_ n: Int) -> String {
        let f = NumberFormatter()
        f.numberStyle = .decimal; f.groupingSeparator = ","; f.usesGroupingSeparator = true
        return f.string(from: NSNumber(value: n))!
    }

    /// Every rule: one line naming the problem, its exit status, and no --output written.
    @Test func badInputIsOneLineAndWritesNothing() throws {
        let dir = try Self.files.get().plan.deletingLastPathComponent()
        let otherHash = String(repeating: "0", count: 64)
        let cases: [(String, [String], Int32, String)] = [
            ("missing file", ["--measured", dir.appendingPathComponent("nope.csv").path], 66, "nope.csv"),
            ("other plan", ["--measured", try Self.readBack(name: "other.csv", comments: { $0.hasPrefix("# plan_sha256:") ? "# plan_sha256: \(otherHash)" : $0 }).path],
             65, "other.csv:6: plan_sha256 \(otherHash) is not the plan's SHA-256"),
            ("duplicate", ["--measured", try Self.readBack(name: "dup.csv", edit: { i, line in i == 3 ? [line, line] : [line] }).path],
             65, "dup.csv:16: array 0 row 0 col 3: a second record for this address"),
            ("unknown address", ["--measured", try Self.readBack(name: "far.csv", edit: { i, line in [i == 0 ? Self.replacingFirst(["7", "0", "0"], of: line) : line] }).path],
             65, "far.csv:12: array 7 row 0 col 0: not a device of the plan"),
            ("negative", ["--measured", try Self.readBack(name: "neg.csv", edit: { i, line in [i == 4 ? Self.replacingLast(with: "-1.5", of: line) : line] }).path],
             65, "neg.csv:16: array 0 row 0 col 4: measured_uS must be a finite conductance ≥ 0 (got -1.5)"),
            ("not a number", ["--measured", try Self.readBack(name: "nan.csv", edit: { i, line in [i == 4 ? Self.replacingLast(with: "n/a", of: line) : line] }).path],
             65, "nan.csv:16: measured_uS is not a number ('n/a')"),
            ("incomplete", ["--measured", try Self.readBack(name: "short.csv", edit: { i, line in i == 2 ? nil : [line] }).path],
             65, "short.csv: 1 device of the plan has no record (the first: array 0 row 0 col 2); give --partial"),
            ("no measured column", ["--measured", dir.appendingPathComponent("cnn.csv").path], 65, "cnn.csv:11: the header has no column measured_uS"),
            ("before --measured-at", ["--measured", try Self.readBack(name: "ok.csv").path, "--measured-at", "1h", "--times", "1s,1d"],
             64, "--times: 1s is earlier than the measurement (--measured-at 1h)"),
            ("before time_s", ["--measured", try Self.readBack(name: "late.csv", extra: ["time_s"], edit: { _, line in [line + ",7200"] }).path, "--times", "1h"],
             64, "--times: 1h is earlier than the measurement (2h after programming, from the time_s column of"),
            ("--partial alone", ["--partial"], 64, "--partial applies to --measured only"),
            ("--measured-at alone", ["--measured-at", "1h"], 64, "--measured-at applies to --measured only"),
            ("--stuck-rate", ["--measured", try Self.readBack(name: "ok.csv").path, "--stuck-rate", "0.1"], 64, "--stuck-rate applies to simulated programming"),
        ]
        for (name, args, status, fragment) in cases {
            let out = dir.appendingPathComponent("never.json")
            let r = try verify(args + ["--times", "1d"].filter { _ in !args.contains("--times") }, output: out)
            #expect(r.status == status, "\(name): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage: ") && !$0.hasPrefix("  See '") }
            #expect(lines.count == 1 && r.stderr.hasPrefix("imprint: error: "), "\(name): \(r.stderr)")
            #expect(r.stderr.contains(fragment), "\(name): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path), "\(name) wrote its output")
            #expect(r.stdout.isEmpty, "\(name): \(r.stdout)")
        }
    }

    func summaryDevices(_ plan: URL) -> Int? { VerifyCommandTests().summaryDevices(plan) }
}

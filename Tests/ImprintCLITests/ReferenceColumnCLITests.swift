import Foundation
import Testing
import TestSupport

/// `--pairs offset --reference column|digital` (issue 14) as a user runs it on the bundled MLP.
@Suite(.serialized) struct ReferenceColumnCLITests {
    static let model = "examples/models/fmnist_mlp_k2.h5"

    /// The CSV's rows as dictionaries of the fields this suite reads (`tile` only where the plan has
    /// references).
    func rows(_ url: URL) throws -> [[String: String]] {
        try CSVColumns.dictionaries(url, columns: ["tile", "row", "role", "layer", "matrix_row", "matrix_col", "target_uS",
                                                   "weight_per_uS", "zero_uS", "order"])
    }

    /// formats/tester-plan.md: weight = weight_per_uS × Σ (target_uS − G_ref), G_ref the mean target of
    /// the role=ref rows of the same tile and row; without references, G_ref = zero_uS.
    func rebuild(_ rows: [[String: String]]) -> [String: Double] {
        var refs = [String: [Double]]()
        for r in rows where r["role"] == "ref" { refs["\(r["tile"]!)|\(r["row"]!)", default: []].append(Double(r["target_uS"]!)!) }
        var w = [String: Double]()
        for r in rows where r["role"] == "single" {
            let zero = refs["\(r["tile"] ?? "")|\(r["row"]!)"].map { $0.reduce(0, +) / Double($0.count) } ?? Double(r["zero_uS"]!)!
            w["\(r["layer"]!)|\(r["matrix_row"]!)|\(r["matrix_col"]!)", default: 0] += Double(r["weight_per_uS"]!)! * (Double(r["target_uS"]!)! - zero)
        }
        return w
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Two reference lines per 128 × 64 tile, three tiles side by side on a 256 × 200 array (so tiles
    /// share word lines): the CSV with references rebuilds the weights of the same mapping with a
    /// digital zero point to 1e-6 relative; devices, placement and utilisation count the lines.
    @Test func referencesRoundTripThroughTheCSV() throws {
        let dir = try Fixtures.temporaryDirectory()
        let (column, digital) = (dir.appendingPathComponent("c.plan"), dir.appendingPathComponent("d.plan"))
        let common = ["compile", Self.model, "--device", "rram-hfox", "--pairs", "offset", "--tile", "128x64", "--array", "256x200", "--json"]
        let c = try CommandRunner.run(common + ["--reference-columns", "2", "--output", column.path])
        #expect(c.status == 0, "\(c.stderr)")
        let d = try CommandRunner.run(common + ["--reference", "digital", "--output", digital.path])
        #expect(d.status == 0, "\(d.stderr)")
        let (sc, sd) = (try json(c.stdout), try json(d.stdout))
        #expect(sc["reference_columns"] as? Int == 2 && sd["reference_columns"] as? Int == 0)
        let weights = try #require(sc["weights"] as? Int)
        let placement = try #require(sc["placement"] as? [[String: Any]])
        let tiles = placement.flatMap { ($0["tiles"] as? [[String: Any]]) ?? [] }
        let wordLines = tiles.reduce(0) { $0 + ($1["device_rows"] as! Int) }
        #expect(sc["devices"] as? Int == weights + 2 * wordLines && sd["devices"] as? Int == weights)
        #expect(tiles.allSatisfy { ($0["device_columns"] as! Int) == ($0["matrix_column_end"] as! Int) - ($0["matrix_column_start"] as! Int) + 2 })
        let used = placement.reduce(0) { $0 + ($1["used_devices"] as! Int) }
        #expect(used == weights + 2 * wordLines)
        #expect(try CommandRunner.run(["inspect", column.path]).stdout.contains("offset pairs, 1 device per weight, 2 reference columns per tile"))

        for (plan, name) in [(column, "c.csv"), (digital, "d.csv")] {
            let e = try CommandRunner.run(["emit", plan.path, "--format", "csv", "--output", dir.appendingPathComponent(name).path])
            #expect(e.status == 0, "\(e.stderr)")
        }
        let withReferences = try rows(dir.appendingPathComponent("c.csv"))
        #expect(withReferences.count == weights + 2 * wordLines)
        #expect(withReferences.filter { $0["role"] == "ref" }.count == 2 * wordLines)
        let orders = withReferences.map { Int($0["order"]!)! }
        #expect(Set(orders) == Set(0..<withReferences.count), "references take their place in the programming order")
        let (a, b) = (rebuild(withReferences), rebuild(try rows(dir.appendingPathComponent("d.csv"))))
        #expect(a.count == weights && b.count == weights)
        let worst = a.map { abs($0.value - b[$0.key]!) / max(abs(b[$0.key]!), 1e-30) }.filter { $0.isFinite }.max() ?? .infinity
        let scale = b.values.map(abs).max() ?? 0
        #expect(a.allSatisfy { abs($0.value - b[$0.key]!) <= 1e-6 * abs(b[$0.key]!) + 1e-9 * scale }, "worst relative \(worst)")
    }

    @Test func badReferenceOptionsAreOneLineUsageErrors() throws {
        let dir = try Fixtures.temporaryDirectory()
        let out = dir.appendingPathComponent("x.plan").path
        let base = ["compile", Self.model, "--device", "rram-hfox", "--output", out]
        let cases: [([String], String)] = [
            (["--pairs", "single", "--reference", "column"], "--reference applies to --pairs offset only"),
            (["--pairs", "dual", "--reference-columns", "2"], "--reference-columns applies to --pairs offset only"),
            (["--pairs", "offset", "--reference-columns", "0"], "--reference-columns must be at least 1 (got 0)"),
            (["--pairs", "offset", "--reference", "digital", "--reference-columns", "2"], "--reference-columns applies to --reference column"),
            (["--pairs", "offset", "--tile", "256x256", "--array", "256x300", "--reference-columns", "45"],
             "--reference-columns: 45 reference lines do not fit"),
            (["--pairs", "offset", "--tile", "64x64", "--reference-columns", "65"], "--reference-columns: 65 reference lines do not fit"),
        ]
        for (args, message) in cases {
            let r = try CommandRunner.run(base + args)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
            expectOneError(r)
        }
        // 44 lines fill the 300-column array exactly.
        #expect(try CommandRunner.run(base + ["--pairs", "offset", "--tile", "256x256", "--array", "256x300", "--reference-columns", "44"]).status == 0)
        try FileManager.default.removeItem(atPath: out)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// The issue's acceptance ordering, seeded: on the bundled MLP with `rram-hfox` (512 × 512 tiles,
    /// tile scale), at 1 day with GDC, offset mode with a reference column stays within 6 points of
    /// single differential pairs and at least 30 points above offset mode with a digital zero point,
    /// whose −1 µS relaxation shift is a weight offset. 2 chips, 2,000 test images and the
    /// statistical RRAM mode keep it short (the README's table: pulse level, 5 chips, 10,000 images).
    @Test func referenceColumnKeepsUpWithPairsAndBeatsTheDigitalZeroPoint() throws {
        let dir = try Fixtures.temporaryDirectory()
        var accuracy = [String: Double]()
        for (name, options) in [("single", ["--pairs", "single"]), ("column", ["--pairs", "offset", "--reference", "column"]),
                                ("digital", ["--pairs", "offset", "--reference", "digital"])] {
            let plan = dir.appendingPathComponent("\(name).plan").path
            let c = try CommandRunner.run(["compile", Self.model, "--device", "rram-hfox", "--tile", "512x512", "--scale", "tile",
                                           "--output", plan] + options)
            #expect(c.status == 0, "\(c.stderr)")
            let v = try CommandRunner.run(["verify", plan, "--data", "fashion-mnist", "--limit", "2000", "--trials", "2", "--seed", "3",
                                           "--times", "1d", "--compensation", "gdc", "--rram-mode", "statistical", "--json"])
            #expect(v.status == 0, "\(v.stderr)")
            let results = try #require(try json(v.stdout)["results"] as? [[String: Any]])
            accuracy[name] = try #require(results.first?["accuracy_mean"] as? Double) * 100
        }
        let (single, column, digital) = (accuracy["single"] ?? 0, accuracy["column"] ?? 0, accuracy["digital"] ?? 100)
        #expect(column >= single - 6, "reference column \(column) % vs single pairs \(single) %")
        #expect(column >= digital + 30, "reference column \(column) % vs digital zero point \(digital) %")
    }

    /// `--reference digital` on HfOx (a level-independent relaxation shift) warns once on stderr and
    /// points to `--reference column`; a reference plan, and PCM, do not.
    @Test func digitalZeroPointOnHfOxWarns() throws {
        let dir = try Fixtures.temporaryDirectory()
        for (name, options, warns) in [("d", ["--device", "rram-hfox", "--reference", "digital"], true),
                                       ("c", ["--device", "rram-hfox"], false), ("p", ["--device", "pcm"], false)] {
            let plan = dir.appendingPathComponent("\(name).plan").path
            #expect(try CommandRunner.run(["compile", Self.model, "--pairs", "offset", "--output", plan] + options).status == 0)
            let v = try CommandRunner.run(["verify", plan, "--data", "fashion-mnist", "--limit", "50", "--trials", "1", "--times", "1d",
                                           "--rram-mode", "statistical", "--json"].filter { !(name == "p" && ($0 == "--rram-mode" || $0 == "statistical")) })
            #expect(v.status == 0, "\(v.stderr)")
            let warning = v.stderr.split(separator: "\n").filter { $0.hasPrefix("imprint: warning:") }
            #expect(warning.count == (warns ? 1 : 0), "\(v.stderr)")
            if warns { #expect(warning[0].contains("weight offset that compensation cannot undo") && warning[0].contains("--reference column")) }
        }
    }
}

/// The plan with references read by the independent readers (official protobuf runtime, json, h5dump).
@Suite(.serialized, .enabled(if: ExternalTools.pythonCheckersRunnable && ExternalTools.runnable("h5dump"),
                             Comment(rawValue: ExternalTools.missing("python3-protobuf, python3-numpy, protobuf-compiler or hdf5-tools"))))
struct ReferenceColumnReaderTests {
    @Test func referencesReadIndependentlyInEveryFormat() throws {
        let (dir, devices) = try IndependentReaderTests.compileAndEmit(["--device", "rram-hfox", "--pairs", "offset", "--reference-columns", "3",
                                                                        "--tile", "100x40", "--array", "200x130"])
        let f = { (ext: String) in dir.appendingPathComponent("m.\(ext)").path }
        let plan = try IndependentReaderTests.python(["examples/read_plan.py", f("plan"), f("csv")])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.hasPrefix("ok: \(devices) devices in "), "\(plan.stdout)")
        let files = try IndependentReaderTests.python(["examples/read_tester_files.py", f("csv"), "--jsonl", f("jsonl"), "--proto", f("proto"), "--hdf5", f("hdf5")])
        #expect(files.status == 0, "\(files.stderr)")
        for format in ["jsonl", "proto", "hdf5"] { #expect(files.stdout.contains("ok: \(format) \(f(format)): \(devices) devices on "), "\(files.stdout)") }
    }
}

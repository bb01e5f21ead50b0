import Foundation
import Testing
import TestSupport

/// `verify PLAN` as a user runs it: the JSON document, the table, and one-line errors that write nothing.
@Suite(.serialized) struct VerifyCommandTests {
    /// A PCM plan of the bundled PyTorch CNN, compiled once.
    static let plan: Result<URL, Error> = Result {
        let dir = try Fixtures.temporaryDirectory()
        let plan = dir.appendingPathComponent("cnn.plan")
        let r = try CommandRunner.run(["compile", "examples/models/fmnist_cnn_torch.onnx", "--device", "pcm", "--output", plan.path])
        guard r.status == 0 else { throw CommandFailure(output: r) }
        return plan
    }

    @Test func jsonHasTheDocumentedFields() throws {
        let plan = try Self.plan.get()
        let out = plan.deletingLastPathComponent().appendingPathComponent("r.json")
        let r = try CommandRunner.run(["verify", plan.path, "--data", "fashion-mnist", "--limit", "20", "--trials", "2",
                                       "--times", "1s,1d", "--compensation", "none,gdc,adabs", "--calibration-limit", "16",
                                       "--periphery", "default", "--threads", "2", "--output", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Baseline"))
        #expect(r.stdout.contains("gdc") && r.stdout.contains("adabs"))
        #expect(r.stdout.contains("Periphery: 7-bit DAC, 9-bit ADC"))
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any])
        for key in ["baseline_accuracy", "samples", "trials", "seed", "device", "results", "programming", "layers"] {
            #expect(doc[key] != nil, "missing \(key)")
        }
        #expect(doc["samples"] as? Int == 20)
        #expect(doc["device"] as? String == "pcm")
        #expect(doc["output"] as? String == out.path && doc["report"] is NSNull)
        // Provenance: the plan's SHA-256 as an independent hash of the file gives it, the tool version, a UTC date.
        let planHash = try sha256sum(try Self.plan.get())
        #expect(doc["plan_sha256"] as? String == planHash)
        #expect((doc["tool_version"] as? String).map { !$0.isEmpty } == true)
        #expect((doc["date"] as? String)?.hasSuffix("Z") == true)
        #expect(r.stderr.contains("Wrote result (JSON): \(out.path)"))
        let results = try #require(doc["results"] as? [[String: Any]])
        #expect(results.count == 6)
        let periphery = try #require(doc["periphery"] as? [String: Any])
        #expect(periphery["dac_bits"] as? Int == 7 && periphery["adc_bits"] as? Int == 9)
        let calibration = try #require(doc["calibration"] as? [String: Any])
        #expect(calibration["source"] as? String == "fashion-mnist:train" && calibration["samples"] as? Int == 16)
        for row in results {
            for key in ["time_s", "compensation", "accuracy_mean", "accuracy_std", "accuracy_min"] { #expect(row[key] != nil, "missing \(key)") }
            #expect((row["accuracy_per_trial"] as? [Double])?.count == 2)
        }
        #expect(results[3]["time_s"] as? Double == 86_400)
        #expect(results[5]["compensation"] as? String == "adabs")
        let programming = try #require(doc["programming"] as? [String: Any])
        for key in ["chips", "devices_per_chip", "in_window_fraction", "verify_success_fraction", "mean_pulses_per_device",
                    "stuck_devices_per_chip", "tester_time_per_chip"] {
            #expect(programming[key] != nil, "missing programming.\(key)")
        }
        // Per chip: the plan's devices, 2 chips.
        #expect(programming["chips"] as? Int == 2)
        #expect(programming["devices_per_chip"] as? Int == summaryDevices(plan))
        // PCM's model gives no pulse counts and no verify outcome: the time comes from the schedule only.
        #expect(programming["verify_success_fraction"] is NSNull && programming["mean_pulses_per_device"] is NSNull)
        let tester = try #require(programming["tester_time_per_chip"] as? [String: Any])
        let schedule = try #require(tester["schedule_estimate"] as? [String: Any])
        #expect((schedule["seconds"] as? Double ?? 0) > 0)
        #expect(tester["simulated_pulses"] is NSNull)
        let layers = try #require(doc["layers"] as? [[String: Any]])
        #expect(layers.count == 4)
        for layer in layers {
            for key in ["node", "rows", "columns", "groups", "tiles"] { #expect(layer[key] != nil, "missing layers[].\(key)") }
            let errors = try #require(layer["relative_error"] as? [Double])
            #expect(errors.count == 2)
            // Drift without compensation only grows the error; it is never zero on a simulated chip.
            #expect(errors.allSatisfy { $0 > 0 && $0 < 2 } && errors[1] > errors[0], "\(errors)")
        }
        #expect(r.stdout.contains("Layers with most error (relative output error at 1d"))
        #expect(r.stdout.contains("estimated from the pulse schedule"))
    }

    /// `infer` and verify's baseline are one evaluation harness on the same network: on the PCM plan
    /// (max clipping, no levels to snap to) the accuracies are equal, to the last sample.
    @Test func inferAccuracyEqualsVerifyBaseline() throws {
        let plan = try Self.plan.get()
        let out = plan.deletingLastPathComponent().appendingPathComponent("baseline.json")
        let v = try CommandRunner.run(["verify", plan.path, "--data", "fashion-mnist", "--limit", "1000", "--trials", "1",
                                       "--times", "1s", "--output", out.path])
        #expect(v.status == 0, "\(v.stderr)")
        let i = try CommandRunner.run(["infer", "examples/models/fmnist_cnn_torch.onnx", "--data", "fashion-mnist", "--limit", "1000", "--json"])
        #expect(i.status == 0, "\(i.stderr)")
        let verify = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any])
        let infer = try #require(try JSONSerialization.jsonObject(with: Data(i.stdout.utf8)) as? [String: Any])
        let accuracy = try #require(infer["accuracy"] as? Double)
        #expect(accuracy > 0.8)
        #expect(verify["baseline_accuracy"] as? Double == accuracy)
    }

    /// PCM's model marks no device as failed, but its programming error (σ_prog 0.26–1.06 µS) leaves
    /// many devices outside the ±0.5 µS window. The fraction verify reports must be the one expected from
    /// σ_prog of devices.md §1 for the plan's targets and windows (from the emitted CSV):
    /// g = max(t + σ_prog(t/g_max)·N(0,1), 0) is in [lo, hi] with probability Φ((hi−t)/σ) − Φ((lo−t)/σ),
    /// or Φ((hi−t)/σ) when lo = 0 (everything clamped to 0 is inside). Tolerance: 5 standard errors of
    /// the mean of n independent indicators over 2 chips.
    @Test func pcmWindowFractionFollowsTheProgrammingError() throws {
        let plan = try Self.plan.get()
        let dir = plan.deletingLastPathComponent()
        let csv = dir.appendingPathComponent("window.csv"), out = dir.appendingPathComponent("window.json")
        #expect(try CommandRunner.run(["emit", plan.path, "--format", "csv", "--output", csv.path]).status == 0)
        let r = try CommandRunner.run(["verify", plan.path, "--data", "fashion-mnist", "--limit", "20", "--trials", "2",
                                       "--times", "1s", "--output", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any])
        let p = try #require(doc["programming"] as? [String: Any])
        let reported = try #require(p["in_window_fraction"] as? Double)

        let gMax = 25.0   // the pcm preset, one device per conductance
        func sigma(_ t: Double) -> Double { let x = t / gMax; return max(-1.1731 * x * x + 1.9650 * x + 0.2635, 0) * gMax / 25 }
        func phi(_ z: Double) -> Double { 0.5 * erfc(-z / 2.squareRoot()) }
        let rows = try CSVColumns.read(csv, columns: ["target_uS", "window_lo_uS", "window_hi_uS"])
        var expected = 0.0, variance = 0.0
        for f in rows {
            let t = Double(f[0])!, a = Double(f[1])!, b = Double(f[2])!, s = sigma(t)
            let q = a <= 0 ? phi((b - t) / s) : phi((b - t) / s) - phi((a - t) / s)
            expected += q; variance += q * (1 - q)
        }
        let n = Double(rows.count)
        #expect(p["devices_per_chip"] as? Int == rows.count)
        let standardError = (variance / 2).squareRoot() / n
        #expect(abs(reported - expected / n) < 5 * standardError,
                "reported \(reported), expected \(expected / n) ± \(5 * standardError)")
        #expect(reported < 0.8, "PCM devices do not all land in a ±0.5 µS window")
        #expect(r.stdout.contains(String(format: "%.2f %% of devices in their acceptance window", reported * 100)))
    }

    /// The plan's device count as `inspect PLAN --json` gives it.
    func summaryDevices(_ plan: URL) -> Int? {
        let r = try? CommandRunner.run(["inspect", plan.path, "--json"])
        let doc = (try? JSONSerialization.jsonObject(with: Data((r?.stdout ?? "").utf8))) as? [String: Any]
        return doc?["devices"] as? Int
    }

    /// A report of the PCM plan copied under a name that needs escaping, written once for the two report tests.
    static let report: Result<URL, Error> = Result {
        let plan = try Self.plan.get()
        let dir = try Fixtures.temporaryDirectory()
        let oddPlan = dir.appendingPathComponent("a&b<c>.plan")
        try FileManager.default.copyItem(at: plan, to: oddPlan)
        let html = dir.appendingPathComponent("report.html")
        let r = try CommandRunner.run(["verify", oddPlan.path, "--data", "fashion-mnist", "--limit", "40", "--trials", "2",
                                       "--times", "1s,1d,1y", "--compensation", "none,gdc,gdc-column", "--report", html.path])
        guard r.status == 0 else { throw CommandFailure(output: r) }
        return html
    }

    /// The HTML report is one self-contained page: nothing fetched, no scripts, three or more inline SVG
    /// charts, one accuracy line per compensation, names escaped.
    @Test func reportIsSelfContained() throws {
        let page = try String(contentsOf: try Self.report.get(), encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.range(of: #"(src|href)\s*=\s*["']?\s*(https?:)?//"#, options: .regularExpression) == nil)
        #expect(!page.contains("<script") && !page.contains("<link") && !page.contains("@import"))
        #expect(page.components(separatedBy: "<svg").count - 1 >= 3)
        #expect(page.components(separatedBy: "class=\"series\"").count - 1 == 3)
        for mode in ["none", "gdc", "gdc-column"] { #expect(page.contains("data-compensation=\"\(mode)\"")) }
        #expect(page.contains("a&amp;b&lt;c&gt;.plan") && !page.contains("a&b<c>"))
        // Provenance on the page: the plan's SHA-256 (from an independent hash), tool version, date, data.
        #expect(page.contains(try sha256sum(try Self.plan.get())))
        #expect(page.contains("imprint ") && page.contains("fashion-mnist:test"))
        #expect(page.range(of: #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"#, options: .regularExpression) != nil)
        // Histograms of both PCM roles and one tile cell per tile.
        #expect(page.contains("conductance histogram of role pos") && page.contains("conductance histogram of role neg"))
    }

    /// Headless chromium renders the page to a screenshot with content. Skipped where chromium is not
    /// installed; in CI it runs, and fails without chromium.
    @Test(.enabled(if: ExternalTools.runnable("chromium"), Comment(rawValue: ExternalTools.missing("chromium"))))
    func reportRendersInChromium() throws {
        let html = try Self.report.get()
        let chromium = try #require(ExternalTools.find("chromium"), "chromium is not on the PATH (make deps installs it)")
        let dir = html.deletingLastPathComponent()
        let png = dir.appendingPathComponent("report.png")
        let p = Process()
        p.executableURL = chromium
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(dir.appendingPathComponent("profile").path)",
                       "--screenshot=\(png.path)", "--window-size=1000,2000", html.absoluteString]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let size = (try? FileManager.default.attributesOfItem(atPath: png.path)[.size] as? Int) ?? 0
        // A blank 1000×2000 page compresses to a few kB; charts and text make it much larger.
        #expect(size > 40_000, "screenshot of \(size) bytes")
    }

    @Test(arguments: [
        ["--compensation", "none,adabz"],
        ["--times", "1s,-1h"],
        ["--times", "-1h"],
        ["--periphery", "/nonexistent/periphery.json"],
        ["--compensation", "adabs", "--calibration", "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"],
        ["--times", "1fortnight"],
        ["--labels", "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz"],
        ["--batch", "64", "--labels", "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz"],   // --limit kept
        ["--data", "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"],
        ["--read-noise", "sometimes"],
        ["--report", "/nonexistent-folder/report.html"],
    ])
    func badInputIsOneLineAndWritesNothing(extra: [String]) throws {
        let plan = try Self.plan.get()
        let out = plan.deletingLastPathComponent().appendingPathComponent("bad-\(UUID().uuidString).json")
        var args = ["verify", plan.path, "--data", "fashion-mnist", "--limit", "20", "--trials", "1", "--output", out.path]
        if extra.first == "--data" { args.removeSubrange(2...3) }
        if extra.first == "--labels" { args.removeSubrange(4...5) }
        let r = try CommandRunner.run(args + extra)
        #expect(r.status != 0)
        #expect(r.stdout.isEmpty)
        expectOneError(r)
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func corruptedPlanIsOneLineAndWritesNothing() throws {
        let plan = try Self.plan.get()
        var bytes = try Data(contentsOf: plan)
        bytes[bytes.count / 2] ^= 0x5A
        let bad = plan.deletingLastPathComponent().appendingPathComponent("corrupt.plan")
        try bytes.write(to: bad)
        let out = plan.deletingLastPathComponent().appendingPathComponent("corrupt.json")
        let r = try CommandRunner.run(["verify", bad.path, "--data", "fashion-mnist", "--limit", "20", "--output", out.path])
        #expect(r.status == 65)
        expectOneError(r)
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}

/// The SHA-256 of a file as coreutils' `sha256sum` prints it: an independent check of the digests Imprint records.
func sha256sum(_ url: URL) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [url.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
}

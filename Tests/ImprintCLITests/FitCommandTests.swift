import Foundation
import Testing
import TestSupport

/// `imprint fit`, run as a user would, on the committed example data and on broken files.
@Suite struct FitCommandTests {
    static let header = "device,target_uS,time_s,read,measured_uS\n"
    static let good = (0..<3).map { d in "\(d),5,20,0,5.1\n" }.joined()

    /// Bad records: one error line naming the file and the line, exit 65, nothing written.
    @Test(arguments: [
        (header + good + "3,5,20,0,nan\n", "data.csv:5: measured_uS must be a finite number >= 0 (got nan)"),
        (header + good + "3,5,20,0,-0.2\n", "data.csv:5: measured_uS must be a finite number >= 0 (got -0.2)"),
        (header + good + "3,-1,20,0,1\n", "data.csv:5: target_uS must be a finite number >= 0 (got -1)"),
        (header + good + "1,6,40,0,5.0\n", "data.csv:5: device 1 has target_uS 6 here but 5 on line 3"),
        (header + good + "1,5,40,0,5.0\n1,5,30,0,5.0\n", "data.csv:6: device 1 goes back in time: time_s 30 after 40; a device's reads must be in time order"),
        ("device,target_uS,read,measured_uS\n0,5,0,5.1\n", "time_s"),
        ("target_uS,time_s,measured_uS\n5,20,5.1\n", "data.csv: names no device: the header needs a device column or array, row and col"),
        ("# only a comment\n", "data.csv: is empty"),
    ])
    func badRecords(_ text: String, _ expected: String) throws {
        let dir = try Fixtures.temporaryDirectory()
        try Data(text.utf8).write(to: dir.appendingPathComponent("data.csv"))
        let out = try CommandRunner.run(["fit", "data.csv", "--technology", "pcm", "--output", "spec.json", "--report", "fit.html"], in: dir)
        #expect(out.status == 65, "\(out.stderr)")
        let lines = out.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 1, "\(out.stderr)")
        #expect(lines.first?.hasPrefix("imprint: error: data.csv") == true && lines.first?.contains(expected) == true, "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("spec.json").path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("fit.html").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["data.csv"])
    }

    @Test func missingDataIsExit66() throws {
        let dir = try Fixtures.temporaryDirectory()
        let out = try CommandRunner.run(["fit", "nope.csv", "--technology", "rram", "--output", "spec.json"], in: dir)
        #expect(out.status == 66)
        #expect(out.stderr.split(separator: "\n").count == 1)
    }

    @Test(arguments: [
        ["--technology", "rram", "--t0", "20"], ["--technology", "pcm", "--t0", "-1"], ["--technology", "pcm", "--g-max", "0"],
        ["--technology", "pcm", "--base", "rram"], ["--technology", "nand"], ["--technology", "pcm", "--output", "-"],
    ])
    func usageErrors(_ flags: [String]) throws {
        var args = ["fit", "examples/characterisation/pcm.csv", "--output", "/nonexistent-dir/spec.json"]
        if flags.contains("--output") { args.removeLast(2) }
        let out = try CommandRunner.run(args + flags)
        #expect(out.status == 64, "\(flags): \(out.stderr)")
    }

    /// The example data fit into a spec that `devices --check` accepts unchanged, that names its data
    /// by SHA-256, and whose report is a self-contained page with the charts and the KS table; the
    /// JSON document carries every constant with its error.
    @Test func exampleFitsAndChecks() throws {
        let dir = try Fixtures.temporaryDirectory()
        let data = Fixtures.examples.appendingPathComponent("characterisation/pcm.csv")
        let out = try CommandRunner.run(["fit", data.path, "--technology", "pcm", "--output", "fitted.json", "--report", "fit.html",
                                         "--bootstrap", "8", "--json"], in: dir)
        #expect(out.status == 0, "\(out.stderr)")
        let spec = try String(contentsOf: dir.appendingPathComponent("fitted.json"), encoding: .utf8)
        let checked = try CommandRunner.run(["devices", "--check", "fitted.json"], in: dir)
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout == spec)
        let sha = try CommandRunner.run(executable: URL(fileURLWithPath: "/usr/bin/sha256sum"), [data.path]).stdout.prefix(64)
        #expect(spec.contains("\"data_sha256\": \"\(sha)\""))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let constants = try #require(document["constants"] as? [[String: Any]])
        #expect(constants.contains { $0["name"] as? String == "model.drift_nu_mean.slope" && $0["standard_error"] is Double })
        #expect((document["goodness"] as? [Any])?.isEmpty == false)
        let html = try String(contentsOf: dir.appendingPathComponent("fit.html"), encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.components(separatedBy: "<svg").count - 1 == 3)
        #expect(html.contains("Goodness of fit") && !html.contains("<script") && !html.contains("src="))
        // The fitted spec drives compile like a preset.
        let compiled = try CommandRunner.run(["compile", Fixtures.models.appendingPathComponent("fmnist_mlp_k2.h5").path,
                                              "--device", "fitted.json", "--output", "mlp.plan"], in: dir)
        #expect(compiled.status == 0, "\(compiled.stderr)")
    }

    /// Same data, same seed: the same spec and document, byte for byte, whatever the thread count.
    @Test func sameSeedSameSpec() throws {
        let dir = try Fixtures.temporaryDirectory()
        let data = Fixtures.examples.appendingPathComponent("characterisation/pcm.csv").path
        let a = try CommandRunner.run(["fit", data, "--technology", "pcm", "--output", "a.json", "--bootstrap", "6", "--threads", "1", "--json"], in: dir)
        let b = try CommandRunner.run(["fit", data, "--technology", "pcm", "--output", "b.json", "--bootstrap", "6", "--threads", "2", "--json"], in: dir)
        #expect(a.status == 0 && b.status == 0)
        #expect(try Data(contentsOf: dir.appendingPathComponent("a.json")) == Data(contentsOf: dir.appendingPathComponent("b.json")))
        #expect(a.stdout.replacingOccurrences(of: "a.json", with: "b.json") == b.stdout)
    }
}

extension FitCommandTests {
    /// The same reads as JSON Lines, devices named by address instead of number, fit to the same
    /// constants (the reader is the one shared `RecordReader`; the format comes from the extension).
    @Test func jsonLinesWithAddressesFitTheSame() throws {
        let dir = try Fixtures.temporaryDirectory()
        let csv = try String(contentsOf: Fixtures.examples.appendingPathComponent("characterisation/pcm.csv"), encoding: .utf8)
        var jsonl = "# converted from pcm.csv\n"
        for line in csv.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("device") {
            let f = line.split(separator: ",")
            let d = Int(f[0])!
            jsonl += "{\"array\": \(d / 512), \"row\": \(d % 512 / 32), \"col\": \(d % 32), \"target_uS\": \(f[1]), \"time_s\": \(f[2]), \"read\": \(f[3]), \"measured_uS\": \(f[4])}\n"
        }
        try Data(jsonl.utf8).write(to: dir.appendingPathComponent("pcm.jsonl"))
        func constants(_ file: String) throws -> [[String: AnyHashable]] {
            let out = try CommandRunner.run(["fit", file, "--technology", "pcm", "--output", dir.appendingPathComponent(URL(fileURLWithPath: file).lastPathComponent + ".json").path,
                                            "--bootstrap", "4", "--json"], in: dir)  // never beside the committed data
            #expect(out.status == 0, "\(out.stderr)")
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
            return try #require(doc["constants"] as? [[String: AnyHashable]])
        }
        let fromJSONL = try constants("pcm.jsonl")
        let fromCSV = try constants(Fixtures.examples.appendingPathComponent("characterisation/pcm.csv").path)
        #expect(!fromCSV.isEmpty && fromJSONL == fromCSV)
    }
}

import Foundation
import Testing
import TestSupport

/// The conventions every verb shares (README "Conventions"): `--json` is one document on stdout and
/// nothing else there; sysexits exit codes; enum values in the shell completion; the verify
/// document matches its published schema.
@Suite(.serialized) struct ConventionTests {
    static let model = "examples/models/fmnist_cnn_k2.h5"

    /// A small PCM plan of the bundled CNN, compiled once.
    static let plan: Result<URL, Error> = Result {
        let dir = try Fixtures.temporaryDirectory()
        let plan = dir.appendingPathComponent("c.plan")
        let r = try CommandRunner.run(["compile", model, "--device", "pcm", "--output", plan.path])
        guard r.status == 0 else { throw CocoaError(.fileWriteUnknown) }
        return plan
    }

    static func jsonObject(_ text: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }

    @Test(arguments: ["inspect-model", "inspect-plan", "infer", "devices", "compile", "emit", "verify", "fit"])
    func jsonIsOneDocumentOnStdout(verb: String) throws {
        let plan = try Self.plan.get().path
        let dir = try Fixtures.temporaryDirectory()
        let args: [String] = switch verb {
        case "inspect-model": ["inspect", Self.model]
        case "inspect-plan": ["inspect", plan]
        case "infer": ["infer", Self.model, "--data", "fashion-mnist", "--limit", "20"]
        case "devices": ["devices"]
        case "compile": ["compile", Self.model, "--device", "rram", "--output", dir.appendingPathComponent("x.plan").path]
        case "emit": ["emit", plan, "--format", "jsonl", "--output", dir.appendingPathComponent("x.jsonl").path]
        case "fit": ["fit", "examples/characterisation/pcm.csv", "--technology", "pcm", "--bootstrap", "4",
                     "--output", dir.appendingPathComponent("x.json").path]
        default: ["verify", plan, "--data", "fashion-mnist", "--limit", "20", "--trials", "1", "--times", "1s"]
        }
        let r = try CommandRunner.run(args + ["--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(Self.jsonObject(r.stdout), "stdout is not one JSON object: \(r.stdout.prefix(200))")
        #expect(!doc.isEmpty)
        // Every verb that writes a file says where, in the document.
        if ["compile", "emit", "fit"].contains(verb) {
            #expect((doc["output"] as? String)?.hasPrefix(dir.path) == true, "\(doc["output"] ?? "none")")
        }
    }

    @Test(arguments: [
        // 64: usage (bad enum value, bad number, inapplicable or contradicting options, no command)
        (64, ["compile", model, "--device", "pcm", "--output", "x.plan", "--pairs", "triple"]),
        (64, ["compile", model, "--device", "pcm", "--output", "x.plan", "--scale", "row"]),
        (64, ["compile", model, "--device", "nosuch", "--output", "x.plan"]),
        (64, ["compile", model, "--device", "pcm", "--output", "x.plan", "--tile", "-1x5"]),
        (64, ["compile", model, "--device", "pcm", "--output", "x.plan", "--tile", "100000x100000"]),
        (64, ["compile", model, "--device", "pcm", "--output", "x.plan", "--pairs", "dual", "--significance", "1e9"]),
        (64, ["compile", model, "--device", "pcm", "--output", "x.plan", "--keep-digital", "conv1/act"]),
        (64, ["compile", "examples/models/fmnist_cnn_torch.onnx", "--architecture", "c.json", "--device", "pcm", "--output", "x.plan"]),
        (64, ["emit", "PLAN", "--format", "xml", "--output", "x.xml"]),
        (64, ["emit", "PLAN", "--format", "csv", "--output", "OUT/x.csv", "--arrays", "7-2"]),
        (64, ["verify", "PLAN", "--data", "fashion-mnist", "--trials", "0"]),
        (64, ["verify", "PLAN", "--data", "fashion-mnist", "--times", (1...700).map { "\($0)s" }.joined(separator: ",")]),
        (64, ["verify", "PLAN", "--data", "fashion-mnist", "--trials", "-1"]),
        (64, ["verify", "PLAN", "--data", "fashion-mnist", "--seed", "-1"]),
        (64, ["verify", "PLAN", "--data", "fashion-mnist", "--compensation", "foo"]),
        (64, ["verify", "PLAN", "--data", "fashion-mnist", "--read-noise", "bogus"]),
        (64, ["verify", "PLAN", "--data", "fashion-mnist", "--rram-mode", "bogus"]),
        (64, ["verify", "PLAN", "--data", "fashion-mnist", "--rram-mode", "statistical"]),   // a PCM plan
        (64, ["verify", "PLAN", "--data", "fashion-mnist", "--times", "1x"]),
        (64, ["verify", "PLAN", "--data", "fashion-mnist", "--periphery", "bogus"]),
        (64, ["verify", "PLAN", "--data", "fashion-mnist", "--calibration", "fashion-mnist:train"]),
        (64, ["verify", "PLAN", "--data", "fashion-mnist", "--calibration-limit", "10"]),
        (64, ["infer", model, "--data", "fashion-mnist", "--limit", "-1"]),
        (64, ["devices", "nosuch"]),
        (64, ["verify", "PLAN", "--data", "fashion-mnist", "--output", "-"]),
        (64, ["inspect"]),
        (64, []),
        (64, ["help", "nosuch"]),
        (64, ["frobnicate"]),
        // 65: malformed input data
        (65, ["inspect", "BAD.onnx"]),
        (65, ["emit", "BAD.plan", "--format", "csv", "--output", "OUT/x.csv"]),
        (65, ["verify", "BAD.plan", "--data", "fashion-mnist"]),
        (65, ["infer", model, "--data", "BAD.npy"]),
        (65, ["compile", model, "--device", "BAD.json", "--output", "OUT/x.plan"]),
        (65, ["devices", "--check", "BAD.json"]),
        // 66: missing input
        (66, ["inspect", "/nonexistent/model.onnx"]),
        (66, ["inspect", "examples/models"]),
        (66, ["infer", model, "--data", "/nonexistent/x.npy"]),
        (66, ["compile", model, "--device", "/nonexistent/spec.json", "--output", "OUT/x.plan"]),
        (66, ["emit", "/nonexistent/x.plan", "--format", "csv", "--output", "OUT/x.csv"]),
        (66, ["verify", "/nonexistent/x.plan", "--data", "fashion-mnist"]),
        (66, ["verify", "PLAN", "--data", "fashion-mnist", "--periphery", "/nonexistent/p.json"]),
        (66, ["devices", "--check", "/nonexistent/spec.json"]),
        // 73: output that cannot be created
        (73, ["compile", model, "--device", "pcm", "--output", "/nonexistent-folder/x.plan"]),
        (73, ["emit", "PLAN", "--format", "csv", "--output", "/nonexistent-folder/x.csv"]),
        (73, ["infer", model, "--data", "fashion-mnist", "--limit", "5", "--output", "/nonexistent-folder/y.npy"]),
        (73, ["verify", "PLAN", "--data", "fashion-mnist", "--limit", "5", "--trials", "1", "--output", "/nonexistent-folder/r.json"]),
    ] as [(Int32, [String])])
    func exitCodes(expected: Int32, arguments: [String]) throws {
        let plan = try Self.plan.get().path
        let dir = try Fixtures.temporaryDirectory()
        let badONNX = dir.appendingPathComponent("bad.onnx"), badPlan = dir.appendingPathComponent("bad.plan")
        let badNPY = dir.appendingPathComponent("bad.npy"), badJSON = dir.appendingPathComponent("bad.json")
        try Data("this is not a model".utf8).write(to: badONNX)
        try Data("IMPRPLAN but then garbage".utf8).write(to: badPlan)
        try Data("\u{93}NUMPY garbage".utf8).write(to: badNPY)
        try Data("{\"name\": ".utf8).write(to: badJSON)
        let args = arguments.map { a in
            a.replacingOccurrences(of: "BAD.onnx", with: badONNX.path).replacingOccurrences(of: "BAD.plan", with: badPlan.path)
                .replacingOccurrences(of: "BAD.npy", with: badNPY.path).replacingOccurrences(of: "BAD.json", with: badJSON.path)
                .replacingOccurrences(of: "PLAN", with: plan).replacingOccurrences(of: "OUT", with: dir.path)
                .replacingOccurrences(of: "examples/", with: Fixtures.root.path + "/examples/")
        }
        let r = try CommandRunner.run(args, in: dir)
        #expect(r.status == expected, "\(arguments): \(r.stderr)")
        #expect(r.stdout.isEmpty, "\(arguments): \(r.stdout.prefix(200))")
        expectOneError(r)
        // Nothing half-written: the folder holds only the inputs made above.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["bad.json", "bad.npy", "bad.onnx", "bad.plan"], "\(arguments)")
    }

    @Test func inapplicableButHarmlessOptionsWarnOnStderr() throws {
        let r = try CommandRunner.run(["compile", Self.model, "--device", "pcm", "--fold-batchnorm", "--output",
                                       try Fixtures.temporaryDirectory().appendingPathComponent("x.plan").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("--fold-batchnorm ignored"), "the bundled CNN has a batch norm")
        let onnx = try CommandRunner.run(["compile", "examples/models/fmnist_cnn_tf2onnx.onnx", "--device", "pcm", "--fold-batchnorm",
                                          "--output", try Fixtures.temporaryDirectory().appendingPathComponent("y.plan").path])
        #expect(onnx.status == 0, "\(onnx.stderr)")
        if !onnx.stderr.contains("batch norm") {
            // The tf2onnx export may carry a batch norm of its own; then no warning is right.
            let inspect = try CommandRunner.run(["inspect", "examples/models/fmnist_cnn_tf2onnx.onnx"])
            #expect(inspect.stdout.contains("BatchNorm"))
        }
    }

    /// `--pixel-scale` on float samples is harmless for a script that passes it everywhere: a warning
    /// on stderr, and stdout still holds only the JSON document.
    @Test func pixelScaleOnFloatDataWarns() throws {
        let dir = try Fixtures.temporaryDirectory()
        let npy = dir.appendingPathComponent("x.npy")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 784), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        for i in 0..<(2 * 784) { withUnsafeBytes(of: Float(i % 7) / 7) { bytes += $0 } }
        try Data(bytes).write(to: npy)
        let r = try CommandRunner.run(["infer", Self.model, "--data", npy.path, "--pixel-scale", "0.5", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("imprint: warning: --pixel-scale ignored"), "\(r.stderr)")
        #expect(Self.jsonObject(r.stdout)?["samples"] as? Int == 2)
        let quiet = try CommandRunner.run(["infer", Self.model, "--data", npy.path, "--json"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
    }

    @Test func bashCompletionListsEnumValuesAndFiles() throws {
        let r = try CommandRunner.run(["--generate-completion-script", "bash"])
        #expect(r.status == 0)
        // Each value as a quoted word of a `-W` list (ArgumentParser's bash form).
        for word in ["single", "offset", "dual", "layer", "tile", "column", "csv", "jsonl", "proto", "hdf5", "frozen", "per-read", "off",
                     "pulse", "statistical", "none", "gdc", "gdc-column", "adabs", "pcm", "pcm-hermes", "rram", "rram-hfox", "digital"] {
            #expect(r.stdout.contains("'\(word)'"), "missing completion of \(word)")
        }
        #expect(r.stdout.contains("printf '\\''%s\\n'\\'' ideal default"), "periphery presets")
        #expect(r.stdout.contains("*.@(plan)"), "file completion of .plan files")
    }

    @Test(.enabled(if: ConventionTests.hasJSONSchema, "python3 with jsonschema (Debian python3-jsonschema)"))
    func verifyDocumentMatchesItsSchema() throws {
        let plan = try Self.plan.get()
        let out = try Fixtures.temporaryDirectory().appendingPathComponent("v.json")
        let r = try CommandRunner.run(["verify", plan.path, "--data", "fashion-mnist", "--limit", "40", "--trials", "2",
                                       "--times", "1s,1d", "--compensation", "none,gdc,adabs", "--calibration-limit", "32",
                                       "--output", out.path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        // stdout and the file hold the same document.
        #expect(try String(contentsOf: out, encoding: .utf8) == r.stdout)
        let schema = Fixtures.root.appendingPathComponent("formats/verify.schema.json").path
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        check.arguments = ["-c", "import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])), format_checker=None)",
                           schema, out.path]
        let err = Pipe()
        check.standardError = err
        try check.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(check.terminationStatus == 0, "\(message.suffix(600))")
    }

    static var hasJSONSchema: Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", "import jsonschema"]
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}

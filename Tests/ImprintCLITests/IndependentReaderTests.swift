import Foundation
import Testing
import TestSupport

/// Plans and tester files written by the CLI, read back by readers that share no code with Imprint:
/// the official Python protobuf runtime (`examples/read_plan.py`, `examples/read_tester_files.py`),
/// Python's json module and Debian's h5dump. Golden files the writer produced itself could not catch a
/// writer bug; these can.
@Suite(.serialized, .enabled(if: ExternalTools.pythonCheckersRunnable && ExternalTools.runnable("h5dump"),
                             Comment(rawValue: ExternalTools.missing("python3-protobuf, python3-numpy, protobuf-compiler or hdf5-tools"))))
struct IndependentReaderTests {
    static let model = "examples/models/fmnist_cnn_torch.onnx"

    static func python(_ arguments: [String]) throws -> CommandRunner.Output {
        try CommandRunner.run(executable: ExternalTools.debianPython, arguments)
    }

    /// Compiles with `options`, emits every format; returns the folder and the plan's device count.
    static func compileAndEmit(_ options: [String]) throws -> (dir: URL, devices: Int) {
        let dir = try Fixtures.temporaryDirectory()
        let plan = dir.appendingPathComponent("m.plan")
        let c = try CommandRunner.run(["compile", model, "--output", plan.path, "--json"] + options)
        guard c.status == 0 else { throw CommandFailure(output: c) }
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(c.stdout.utf8)) as? [String: Any])
        for format in ["csv", "jsonl", "proto", "hdf5"] {
            let e = try CommandRunner.run(["emit", plan.path, "--format", format, "--output", dir.appendingPathComponent("m.\(format)").path])
            guard e.status == 0 else { throw CommandFailure(output: e) }
        }
        return (dir, try #require(summary["devices"] as? Int))
    }

    /// The PCM offset-pairs plan and its files, which three tests read, compiled and emitted once.
    static let pcmOffset = ["--device", "pcm", "--pairs", "offset"]
    static let pcmOffsetFiles: Result<(dir: URL, devices: Int), Error> = Result { try compileAndEmit(pcmOffset) }

    static func files(_ options: [String]) throws -> (dir: URL, devices: Int) {
        options == pcmOffset ? try pcmOffsetFiles.get() : try compileAndEmit(options)
    }

    /// read_plan.py: the plan's every device against the CSV (target, role, significance, address,
    /// order, weight per µS) and every weight rebuilt from the targets against the network in the plan.
    @Test(arguments: [["--device", "pcm", "--pairs", "offset"], ["--device", "rram", "--pairs", "dual", "--tile", "64x32"]])
    func planReadByTheProtobufRuntime(_ options: [String]) throws {
        let (dir, devices) = try Self.files(options)
        let r = try Self.python(["examples/read_plan.py", dir.appendingPathComponent("m.plan").path, dir.appendingPathComponent("m.csv").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("ok: \(devices) devices in "), "\(r.stdout)")
        #expect(r.stdout.contains("79120 weights rebuilt"), "\(r.stdout)")
    }

    /// jsonl (json), proto (protobuf runtime) and hdf5 (h5dump) hold the CSV's devices: count,
    /// addresses, targets, windows, roles, orders.
    @Test(arguments: [["--device", "pcm", "--pairs", "offset"], ["--device", "rram"]])
    func testerFilesReadIndependently(_ options: [String]) throws {
        let (dir, devices) = try Self.files(options)
        let f = { (ext: String) in dir.appendingPathComponent("m.\(ext)").path }
        let r = try Self.python(["examples/read_tester_files.py", f("csv"), "--jsonl", f("jsonl"), "--proto", f("proto"), "--hdf5", f("hdf5")])
        #expect(r.status == 0, "\(r.stderr)")
        for format in ["jsonl", "proto", "hdf5"] {
            #expect(r.stdout.contains("ok: \(format) \(f(format)): \(devices) devices on "), "\(r.stdout)")
        }
    }

    /// The checker is not a rubber stamp: one target changed in the last bit of its float32 is caught.
    @Test func aChangedTargetIsCaught() throws {
        let (dir, _) = try Self.files(Self.pcmOffset)
        let jsonl = dir.appendingPathComponent("m.jsonl")
        var lines = try String(contentsOf: jsonl, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var record = try #require(try JSONSerialization.jsonObject(with: Data(lines[100].utf8)) as? [String: Any])
        let target = Float(try #require(record["target_uS"] as? Double))
        let changed = target.nextUp
        lines[100] = lines[100].replacingOccurrences(of: "\"target_uS\":\(target)", with: "\"target_uS\":\(changed)")
        record = try #require(try JSONSerialization.jsonObject(with: Data(lines[100].utf8)) as? [String: Any])
        #expect(Float(record["target_uS"] as? Double ?? 0) == changed, "\(lines[100])")
        let bad = dir.appendingPathComponent("bad.jsonl")
        try lines.joined(separator: "\n").write(to: bad, atomically: true, encoding: .utf8)
        let r = try Self.python(["examples/read_tester_files.py", dir.appendingPathComponent("m.csv").path, "--jsonl", bad.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("device 100") && r.stderr.contains("target_uS"), "\(r.stderr)")
    }
}

import Datasets
import Foundation
import Testing
import TestSupport

/// Nothing lost, nothing crashed (issue #9): outputs never replace inputs, symlinks or devices; an
/// interrupted run leaves no temporary file; hostile numbers and data give one-line errors.
@Suite(.serialized) struct OutputSafetyTests {
    static let model = "examples/models/fmnist_cnn_k2.h5"

    /// One compiled plan for the whole suite (compiling takes a few seconds in a debug build).
    static let planFolder: URL = {
        let dir = try! Fixtures.temporaryDirectory()
        let r = try! CommandRunner.run(["compile", model, "--device", "pcm", "--output", dir.appendingPathComponent("p.plan").path])
        precondition(r.status == 0, r.stderr)
        return dir
    }()

    /// A fresh folder holding a copy of the suite's plan as `p.plan`.
    func folderWithPlan() throws -> URL {
        let dir = try Fixtures.temporaryDirectory()
        try FileManager.default.copyItem(at: Self.planFolder.appendingPathComponent("p.plan"), to: dir.appendingPathComponent("p.plan"))
        return dir
    }

    func oneLineError(_ r: CommandRunner.Output, status: Int32, contains fragment: String, _ args: [String]) {
        #expect(r.status == status, "\(args): \(r.stderr)")
        #expect(errorLines(r.stderr) == 1, "\(args): \(r.stderr)")
        #expect(r.stderr.hasPrefix("imprint: error: "), "\(args): \(r.stderr)")
        #expect(r.stderr.contains(fragment), "\(args): \(r.stderr)")
    }

    /// The error itself is one line; a usage error may add ArgumentParser's usage hint below it
    /// (the CLI convention), which is not a second error.
    func errorLines(_ stderr: String) -> Int {
        let lines = stderr.split(separator: "\n")
        let hint = lines.dropFirst().allSatisfy { $0.hasPrefix("Usage: ") || $0.hasPrefix("  See '") }
        return hint ? min(lines.count, 1) : lines.count
    }

    func temporaries(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
    }

    @Test func anOutputThatIsAnInputIsRefusedByEveryVerb() throws {
        let dir = try folderWithPlan()
        let model = dir.appendingPathComponent("m.h5"), hardPlan = dir.appendingPathComponent("hard.plan")
        try FileManager.default.copyItem(at: Fixtures.root.appendingPathComponent(Self.model), to: model)
        try FileManager.default.linkItem(at: dir.appendingPathComponent("p.plan"), to: hardPlan)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("soft.h5").path, withDestinationPath: "m.h5")
        let data = dir.appendingPathComponent("x.npy")
        let w = try NPYFormat.Writer(destination: data, shape: [1, 28, 28])
        try w.append([Float](repeating: 0.5, count: 784))
        try w.commit()
        let before = try [model, dir.appendingPathComponent("p.plan"), data].map { try Data(contentsOf: $0) }
        let cases: [[String]] = [
            ["compile", "m.h5", "--device", "pcm", "--output", "m.h5"],
            ["compile", "m.h5", "--device", "pcm", "--output", "soft.h5"],
            ["emit", "p.plan", "--format", "csv", "--output", "p.plan"],
            ["emit", "p.plan", "--format", "csv", "--output", "hard.plan"],
            ["infer", "m.h5", "--data", "x.npy", "--output", "x.npy"],
            ["infer", "m.h5", "--data", "x.npy", "--output", "soft.h5"],
            ["verify", "p.plan", "--data", "fashion-mnist", "--limit", "8", "--trials", "1", "--output", "p.plan"],
            ["verify", "p.plan", "--data", "fashion-mnist", "--limit", "8", "--trials", "1", "--report", "hard.plan"],
        ]
        for args in cases {
            oneLineError(try CommandRunner.run(args, in: dir), status: 73, contains: "is also an input", args)
        }
        let after = try [model, dir.appendingPathComponent("p.plan"), data].map { try Data(contentsOf: $0) }
        #expect(after == before)
        #expect(try temporaries(dir).isEmpty)
    }

    @Test func symlinksAreFollowedAndDevicesWrittenThrough() throws {
        let dir = try folderWithPlan()
        let real = dir.appendingPathComponent("real.csv"), link = dir.appendingPathComponent("link.csv")
        try Data("old".utf8).write(to: real)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "real.csv")
        let r = try CommandRunner.run(["emit", "p.plan", "--format", "csv", "--output", "link.csv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "real.csv")
        #expect(try String(contentsOf: real, encoding: .utf8).hasPrefix("# Imprint device list"))

        let null = try CommandRunner.run(["emit", "p.plan", "--format", "jsonl", "--output", "/dev/null"], in: dir)
        #expect(null.status == 0, "\(null.stderr)")
        let kind = try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType
        #expect(kind == .typeCharacterSpecial)

        // `-` streams the records to standard output; the summary moves to standard error.
        let stdout = try CommandRunner.run(["emit", "p.plan", "--format", "csv", "--output", "-", "--arrays", "0"], in: dir)
        #expect(stdout.status == 0, "\(stdout.stderr)")
        #expect(stdout.stdout.hasPrefix("# Imprint device list"))
        #expect(stdout.stderr.contains("Wrote tester file: standard output"))
        let plan = try CommandRunner.run(["compile", Fixtures.root.appendingPathComponent(Self.model).path, "--device", "pcm", "--output", "-"], in: dir)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.hasPrefix("IMPRPLAN") && plan.stderr.contains("Wrote plan: standard output"))
        #expect(try temporaries(dir).isEmpty)
    }

    /// `infer --output -` streams the .npy (header first: the shape is known before the run) to standard
    /// output, byte for byte the file `--output FILE` writes, and moves the summary, text or JSON, to
    /// standard error.
    @Test func inferStreamsItsOutputsToStandardOutput() throws {
        let dir = try folderWithPlan()
        let model = Fixtures.root.appendingPathComponent(Self.model).path
        let infer = ["infer", model, "--data", "fashion-mnist", "--limit", "20"]
        let file = try CommandRunner.run(infer + ["--output", "file.npy"], in: dir)
        #expect(file.status == 0, "\(file.stderr)")
        let sh = URL(fileURLWithPath: "/bin/sh")
        let quoted = (["exec", CommandRunner.executable.path] + infer).map { "'\($0)'" }.joined(separator: " ")
        for (extra, summary) in [("", "Top-1 accuracy"), ("--json", "\"accuracy\"")] {
            let r = try CommandRunner.run(executable: sh, ["-c", "\(quoted) --output - \(extra) > piped.npy"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains(summary) && r.stderr.contains("Wrote outputs, float32 [20, 10]: standard output"), "\(r.stderr)")
            let piped = try Data(contentsOf: dir.appendingPathComponent("piped.npy"))
            #expect(piped == (try Data(contentsOf: dir.appendingPathComponent("file.npy"))))
            #expect(piped.count > 20 * 10 * 4)
        }
        #expect(try temporaries(dir).isEmpty)
    }

    /// A binary output sent to `-` while standard output is a terminal is a usage error before the run
    /// (gzip's rule); text records still go to the terminal. util-linux's `script` gives the command a
    /// pseudo-terminal (Debian's bsdutils, an essential package).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func binaryOutputsRefuseATerminal() throws {
        let dir = try folderWithPlan()
        let model = Fixtures.root.appendingPathComponent(Self.model).path
        func onTerminal(_ arguments: [String]) throws -> CommandRunner.Output {
            let line = ([CommandRunner.executable.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
            return try CommandRunner.run(executable: URL(fileURLWithPath: "/usr/bin/script"), ["-qec", line, "/dev/null"], in: dir)
        }
        for (arguments, what) in [(["compile", model, "--device", "pcm", "--output", "-"], "a plan"),
                                  (["infer", model, "--data", "fashion-mnist", "--limit", "5", "--output", "-"], "an .npy file"),
                                  (["emit", "p.plan", "--format", "proto", "--output", "-", "--arrays", "0"], "a proto tester file"),
                                  (["emit", "p.plan", "--format", "hdf5", "--output", "-", "--arrays", "0"], "a hdf5 tester file")] {
            let r = try onTerminal(arguments)
            #expect(r.status == 64, "\(arguments): \(r.stdout)")
            #expect(r.stdout.contains("--output -: \(what) is binary and standard output is a terminal"), "\(r.stdout)")
            #expect(!r.stdout.contains("Wrote"), "nothing ran: \(r.stdout)")
        }
        let text = try onTerminal(["emit", "p.plan", "--format", "csv", "--output", "-", "--arrays", "0"])
        #expect(text.status == 0 && text.stdout.contains("# Imprint device list"), "\(text.stdout)")
    }

    @Test func badOutputPathsFailBeforeTheRun() throws {
        let dir = try folderWithPlan()
        let cases: [([String], String)] = [
            (["verify", "p.plan", "--data", "fashion-mnist", "--trials", "1000", "--output", "missing/v.json"], "does not exist"),
            (["verify", "p.plan", "--data", "fashion-mnist", "--trials", "1000", "--report", dir.path], "is a folder"),
            (["compile", Fixtures.root.appendingPathComponent(Self.model).path, "--device", "pcm", "--output", "missing/p.plan"], "does not exist"),
            (["emit", "p.plan", "--format", "hdf5", "--output", "."], "is a folder"),
        ]
        for (args, fragment) in cases {
            let start = Date()
            let r = try CommandRunner.run(args, in: dir)
            oneLineError(r, status: 73, contains: fragment, args)
            #expect(r.stdout.isEmpty, "nothing ran: \(args)")
            #expect(Date().timeIntervalSince(start) < 30, "1000 trials would take far longer: \(args)")
        }
    }

    /// Ctrl-C during a long emit: the process dies of SIGINT (the shell shows 130), its temporary file
    /// is gone and the destination keeps its old content.
    @Test(arguments: [SIGINT, SIGTERM])
    func interruptedEmitLeavesNoTemporaryFile(_ sig: Int32) throws {
        let dir = try folderWithPlan()
        let out = dir.appendingPathComponent("out.jsonl")
        try Data("old".utf8).write(to: out)
        let p = Process()
        p.executableURL = CommandRunner.executable
        p.arguments = ["emit", "p.plan", "--format", "jsonl", "--output", "out.jsonl"]
        p.currentDirectoryURL = dir
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while try temporaries(dir).isEmpty, p.isRunning, Date() < deadline { usleep(2_000) }
        #expect(p.isRunning, "the emit should still be running when the temporary file appears")
        kill(p.processIdentifier, sig)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal)
        #expect(p.terminationStatus == sig)
        #expect(try temporaries(dir).isEmpty)
        #expect(try String(contentsOf: out, encoding: .utf8) == "old")
    }

    @Test func hostileNumbersGiveOneLineErrorsNotCrashes() throws {
        let dir = try folderWithPlan()
        let verify = ["verify", "p.plan", "--data", "fashion-mnist", "--limit", "8", "--trials", "1"]
        // A huge but finite time runs and is labelled in exponent form instead of trapping.
        let far = try CommandRunner.run(verify + ["--times", "1e20y"], in: dir)
        #expect(far.status == 0, "\(far.stderr)")
        #expect(far.stdout.contains("1e+20y"))
        for times in ["1e306y", "1e400s", "nan", "inf", "-1s"] {
            let r = try CommandRunner.run(verify + ["--times", times], in: dir)
            #expect(r.status != 0 && errorLines(r.stderr) == 1, "\(times): \(r.stderr)")
            #expect(r.stderr.contains(times), "\(times): \(r.stderr)")
        }
        let trials = try CommandRunner.run(["verify", "p.plan", "--data", "fashion-mnist", "--trials", "9223372036854775807"], in: dir)
        #expect(trials.status == 64 && trials.stderr.contains("--trials"), "\(trials.stderr)")
        let model = Fixtures.root.appendingPathComponent(Self.model).path
        for n in ["1000000", "9223372036854775807"] {
            let r = try CommandRunner.run(["compile", model, "--device", "pcm", "--devices-per-conductance", n, "--output", "x.plan"], in: dir)
            #expect(r.status != 0 && r.stderr.split(separator: "\n").count == 1, "\(n): \(r.stderr)")
            #expect(r.stderr.contains("more than this machine's"), "\(n): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.plan").path))
        }
        let batch = try CommandRunner.run(["infer", model, "--data", "fashion-mnist", "--limit", "5", "--batch", "9223372036854775807"], in: dir)
        #expect(batch.status == 0, "\(batch.stderr)")
    }

    @Test func emptyOrNonFiniteDataAreRefusedNamingTheFile() throws {
        let dir = try folderWithPlan()
        let empty = dir.appendingPathComponent("empty.npy"), nan = dir.appendingPathComponent("nan.npy"), inf = dir.appendingPathComponent("inf.npy")
        try NPYFormat.Writer(destination: empty, shape: [0, 28, 28]).commit()
        for (url, bad) in [(nan, Float.nan), (inf, -Float.infinity)] {
            var values = [Float](repeating: 0.5, count: 3 * 784)
            values[784 + 17] = bad   // sample 1, element 17
            let w = try NPYFormat.Writer(destination: url, shape: [3, 28, 28])
            try w.append(values)
            try w.commit()
        }
        let model = Fixtures.root.appendingPathComponent(Self.model).path
        for (file, fragment) in [("empty.npy", "no samples"), ("nan.npy", "sample 1 holds NaN"), ("inf.npy", "sample 1 holds an infinite value")] {
            for args in [["infer", model, "--data", file], ["verify", "p.plan", "--data", file, "--trials", "1"]] {
                let r = try CommandRunner.run(args, in: dir)
                oneLineError(r, status: 65, contains: "\(file): ", args)
                #expect(r.stderr.contains(fragment), "\(args): \(r.stderr)")
            }
        }
    }
}

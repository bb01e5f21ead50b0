import Foundation
import Testing
import TestSupport

/// `imprint devices`, run as a user would.
@Suite struct DevicesCommandTests {
    @Test func listsOnePresetPerLine() throws {
        let out = try CommandRunner.run(["devices"])
        #expect(out.status == 0)
        let lines = out.stdout.split(separator: "\n")
        #expect(lines.map { String($0.prefix { $0 != " " }) } == ["pcm", "pcm-hermes", "rram", "rram-hfox"])
    }

    @Test func printsAPresetThatChecksBackUnchanged() throws {
        let dir = try Fixtures.temporaryDirectory()
        let shown = try CommandRunner.run(["devices", "rram"])
        #expect(shown.status == 0 && shown.stdout.hasPrefix("{\n  \"name\": \"rram\""))
        let file = dir.appendingPathComponent("rram.json")
        try Data(shown.stdout.utf8).write(to: file)
        let checked = try CommandRunner.run(["devices", "--check", file.path])
        #expect(checked.status == 0)
        #expect(checked.stdout == shown.stdout)
    }

    @Test func checkReportsEveryErrorOnItsOwnLine() throws {
        let dir = try Fixtures.temporaryDirectory()
        var text = try CommandRunner.run(["devices", "rram"]).stdout
        text = text.replacingOccurrences(of: "\"step_V\": 0.1,\n      \"stop_V\": 4\n    },\n    \"reset\"",
                                         with: "\"step_V\": -0.1,\n      \"stop_V\": 4\n    },\n    \"reset\"")
        text = text.replacingOccurrences(of: "\"g_max_uS\": 40", with: "\"g_max_uS\": 40, \"colour\": 1")
        let file = dir.appendingPathComponent("spec.json")
        try Data(text.utf8).write(to: file)
        let out = try CommandRunner.run(["devices", "--check", "spec.json"], in: dir)
        #expect(out.status == 65 && out.stdout.isEmpty)
        let lines = out.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.contains("imprint: error: spec.json: program_verify.set.step_V: must be > 0 (got -0.1)"))
        #expect(lines.contains { $0.hasPrefix("imprint: error: spec.json: colour: unknown field") })
    }

    /// `program_verify.read_time_s`: accepted when positive, optional (older specs), and a negative or
    /// non-finite value is one error line naming the field.
    @Test(arguments: [("2e-06", nil), (nil, nil), ("-1e-06", "must be > 0 (got -1e-06)"),
                      ("1e999", "must be a finite number (got inf)"), ("\"fast\"", "must be a number")] as [(String?, String?)])
    func checkReadTime(_ value: String?, _ problem: String?) throws {
        let dir = try Fixtures.temporaryDirectory()
        var text = try CommandRunner.run(["devices", "rram"]).stdout
        let line = "\"read_time_s\": 1e-06,\n"
        #expect(text.contains(line), "the preset prints its read time")
        text = text.replacingOccurrences(of: line, with: value.map { "\"read_time_s\": \($0),\n" } ?? "")
        let file = dir.appendingPathComponent("spec.json")
        try Data(text.utf8).write(to: file)
        let out = try CommandRunner.run(["devices", "--check", "spec.json"], in: dir)
        if let problem {
            #expect(out.status == 65 && out.stdout.isEmpty)
            let lines = out.stderr.split(separator: "\n").map(String.init)
            #expect(lines.count == 1 && lines[0].hasPrefix("imprint: error: spec.json: program_verify.read_time_s: \(problem)"),
                    "\(out.stderr)")
        } else {
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout.contains("\"read_time_s\": \(value ?? "1e-06"),"),
                    "a spec without the field gets the default 1e-6 s")
        }
    }

    @Test func unknownPresetIsOneLineListingThePresets() throws {
        let out = try CommandRunner.run(["devices", "rram2"])
        #expect(out.status == 64)
        #expect(out.stderr == "imprint: error: rram2: not a device preset or a .json file (presets: pcm, pcm-hermes, rram, rram-hfox)\n")
    }

    @Test func printsTheCommittedSchema() throws {
        let out = try CommandRunner.run(["devices", "--schema"])
        let committed = try String(contentsOf: Fixtures.root.appendingPathComponent("formats/device.schema.json"), encoding: .utf8)
        #expect(out.status == 0 && out.stdout == committed)
    }
}

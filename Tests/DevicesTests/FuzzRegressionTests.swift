import FileSupport
import Foundation
import Testing
import TestSupport
@testable import Devices

/// Device specs the fuzzers (Fuzz/) turned up: each must be refused with the field named, not
/// accepted and left to crash a later stage.
@Suite struct DeviceSpecFuzzRegressionTests {
    /// set.step_V = 1e-300 passed the schema (> 0); the step count to the ceiling then overflowed
    /// Int in `stepsToCeiling` (`imprint compile --device` trapped in the tester-time estimate).
    @Test func vanishingRampStepIsRefused() throws {
        let file = Fixtures.fuzzCorpus.appendingPathComponent("device-spec/regress-vanishing-step.json")
        let data = try Data(contentsOf: file)
        #expect { try DeviceSpec.decode(data, file: file.path) } throws: { error in
            guard let error = error as? DeviceSpecError else { return false }
            return error.problems.map(\.path) == ["program_verify.set.step_V"] && "\(error)".contains(file.path)
        }
    }

    @Test func rampsUpToTheStepLimitStayValid() throws {
        var tree = try JSONDecoder().decode(FileSupport.JSONTree.self, from: DeviceSpec.preset(named: "pcm").jsonData())
        tree = tree.setting(["program_verify", "set", "start_V"], to: .number(1))
            .setting(["program_verify", "set", "stop_V"], to: .number(2))
            .setting(["program_verify", "set", "step_V"], to: .number(1.0 / Double(VoltageRamp.maxStepsToCeiling)))
        let spec = try DeviceSpec.decode(tree.data, file: "spec.json")
        #expect(spec.programVerify.set.stepsToCeiling == VoltageRamp.maxStepsToCeiling)
    }

    /// max_iterations had no upper bound: a hostile spec could make every simulated device loop for hours.
    @Test(arguments: ["max_iterations", "max_pulses_at_ceiling"])
    func iterationLimitsAreBounded(field: String) throws {
        let base = try JSONDecoder().decode(FileSupport.JSONTree.self, from: DeviceSpec.preset(named: "rram").jsonData())
        let atLimit = base.setting(["program_verify", field], to: .number(Double(ProgramVerify.maxIterationLimit)))
        #expect(throws: Never.self) { try DeviceSpec.decode(atLimit.data, file: "spec.json") }
        let beyond = base.setting(["program_verify", field], to: .number(1e12))
        #expect { try DeviceSpec.decode(beyond.data, file: "spec.json") } throws: { error in
            (error as? DeviceSpecError)?.problems.map(\.path) == ["program_verify.\(field)"]
        }
    }
}

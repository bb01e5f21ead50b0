import Foundation
import Testing
@testable import Devices

@Suite struct PresetTests {
    @Test func presetNames() {
        #expect(DeviceSpec.presetNames == ["pcm", "pcm-hermes", "rram", "rram-hfox"])
    }

    @Test(arguments: DeviceSpec.presets)
    func roundTripsThroughJSONUnchangedAndValidates(spec: DeviceSpec) throws {
        #expect(spec.semanticProblems().isEmpty)
        let decoded = try DeviceSpec.decode(spec.jsonData(), file: spec.name)
        #expect(decoded == spec)
        #expect(decoded.jsonText == spec.jsonText)
        // Foundation's own encoding decodes to the same value too.
        #expect(try JSONDecoder().decode(DeviceSpec.self, from: JSONEncoder().encode(spec)) == spec)
    }

    @Test(arguments: DeviceSpec.presets)
    func jsonTextIsStableAndInSchemaOrder(spec: DeviceSpec) {
        #expect(spec.jsonText == spec.jsonText)
        #expect(spec.jsonText.hasPrefix("{\n  \"name\": \"\(spec.name)\",\n  \"technology\""))
    }

    @Test func technologyMatchesModel() {
        for spec in DeviceSpec.presets { #expect(spec.model.technology == spec.technology) }
    }

    /// The NeuRRAM numbers of devices.md §2, exactly.
    @Test func rramPresetIsNeuRRAM() {
        let s = DeviceSpec.rram
        let pv = s.programVerify
        #expect(s.gMin_uS == 1 && s.gMax_uS == 40 && s.devicesPerConductance == 1)
        #expect(s.acceptance == .absolute(halfWidth_uS: 1))
        #expect(pv.algorithm == .bipolarIncremental)
        #expect(pv.set == VoltageRamp(start_V: 1.2, step_V: 0.1, stop_V: 4.0))
        #expect(pv.reset.start_V == 1.2 && pv.reset.step_V == 0.1)
        #expect(pv.gate.set_V == 3.0 && pv.gate.reset_V == 5.0)
        #expect(pv.pulseWidth_s == 1e-6 && pv.readBias_V == 0.2)
        #expect(pv.readsAveraged == 8 && pv.readsDiscarded == 3)
        #expect(pv.maxIterations == 50 && pv.maxPulsesAtCeiling == 30)
        #expect(pv.belowGMin == .resetUntilBelow)
        #expect(pv.set.amplitude_V(pulse: 0) == 1.2 && pv.set.amplitude_V(pulse: 100) == 4.0)
        #expect(pv.set.stepsToCeiling == 28)
    }

    @Test func pcmPresets() {
        #expect(DeviceSpec.pcm.gMax_uS == 25 && DeviceSpec.pcm.devicesPerConductance == 1)
        #expect(DeviceSpec.pcm.model == .pcm(.nandakumar))
        #expect(DeviceSpec.pcm.model.pcm!.t0_s == 20)
        #expect(DeviceSpec.pcmHermes.model.kind == "pcm-hermes")
    }

    @Test func hfoxPreset() {
        let s = DeviceSpec.rramHfOx
        #expect(s.gMin_uS == 8 && s.gMax_uS == 90 && s.devicesPerConductance == 1)
        guard case .relative = s.acceptance else { Issue.record("expected a relative band"); return }
        #expect(s.model.rram!.relaxation == .logTime(meanShiftPerLn_uS: -0.089, spreadAt1s_uS: 0.412, spreadPerLn_uS: 0.042))
    }

    @Test func loadsPresetsByName() throws {
        #expect(try DeviceSpec.load(presetOrPath: "rram-hfox") == .rramHfOx)
        #expect(try DeviceSpec.preset(named: "pcm") == .pcm)
    }

    @Test func unknownPresetListsThePresets() {
        #expect {
            _ = try DeviceSpec.load(presetOrPath: "pcm2")
        } throws: { error in
            let e = error as! DeviceSpecError
            return e.reason == .unknownPreset(available: DeviceSpec.presetNames)
                && e.description == "pcm2: not a device preset or a .json file (presets: pcm, pcm-hermes, rram, rram-hfox)"
        }
    }
}

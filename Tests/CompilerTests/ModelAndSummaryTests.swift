import FileSupport
import Foundation
import Testing
import Devices
import ModelImport
import NetworkModel
import Plan
import Compiler
import TestSupport

let committedModels = ["fmnist_cnn_k2.h5", "fmnist_cnn_torch.onnx"]
let modelCases: [(String, String)] = committedModels.flatMap { m in DeviceSpec.presetNames.map { (m, $0) } }

@Test(arguments: modelCases)
func committedModelsCompile(model: String, device: String) throws {
    let network = try ModelLoader.load(Fixtures.models.appendingPathComponent(model))
    let spec = preset(device)
    for pairs in pairModes {
        var o = CompileOptions()
        o.pairs = pairs
        let plan = try TestNetworks.compile(network, spec, o)
        let summary = PlanSummary(plan: plan)
        let matrices = network.matrixNodes.compactMap(\.crossbarMatrix)
        let weights = matrices.reduce(0) { $0 + $1.weightCount }
        let expectedTiles = matrices.reduce(0) { t, m in
            t + m.groups * ((m.rows + 255) / 256) * ((m.columns + 255) / 256)
        }
        #expect(summary.layersMapped == matrices.count)
        #expect(summary.layersDigital.isEmpty)
        #expect(summary.weights == weights)
        // Offset mode on RRAM reads every word line of a tile against one reference device (issue 14).
        #expect(plan.referenceColumns == (pairs == .offset && spec.technology == .rram ? 1 : 0))
        let wordLines = matrices.reduce(0) { $0 + $1.groups * $1.rows * (($1.columns + 255) / 256) }
        #expect(summary.devices == weights * plan.roles.count + wordLines * plan.referenceColumns)
        #expect(plan.roles.count == (pairs == .offset ? 1 : pairs == .single ? 2 : 4) * spec.devicesPerConductance)
        #expect(summary.tiles == expectedTiles)
        #expect(summary.arrays >= 1 && summary.arrays <= expectedTiles)
        #expect(summary.utilisation > 0 && summary.utilisation <= 1)
        #expect(summary.tester.seconds > 0 && summary.tester.pulses >= Double(summary.devices))
        checkRoundTrip(plan)
        PlanProperties.check(plan)
    }
}

@Test func summaryRendersTextAndJSON() throws {
    let network = try ModelLoader.load(Fixtures.models.appendingPathComponent("fmnist_cnn_torch.onnx"))
    var o = CompileOptions()
    o.keepDigital = [network.matrixNodes[0].name]
    o.scale = .column
    o.clip = .percentile(99)
    let plan = try TestNetworks.compile(network, .rram, o)
    let summary = PlanSummary(plan: plan)
    #expect(summary.layersDigital == [network.matrixNodes[0].name])
    #expect(summary.layersMapped == network.matrixNodes.count - 1)
    #expect(summary.layers.allSatisfy { $0.clippedFraction > 0 && $0.weightPerMicrosiemensMin < $0.weightPerMicrosiemensMax })

    let text = summary.renderText()
    for unit in ["(weight/µS)", "(%)", " s (estimate"] { #expect(text.contains(unit)) }
    for layer in summary.layers { #expect(text.contains(layer.name)) }
    // The table is aligned: every row of it has the header's width or less, right-aligned numbers end together.
    let lines = text.split(separator: "\n").map(String.init)
    guard let header = lines.firstIndex(where: { $0.contains("w_max (weight)") }) else {
        Issue.record("no table header"); return
    }
    let width = lines[header].count
    for row in lines[(header + 1)...] { #expect(row.count == width) }

    let json = try JSONSerialization.jsonObject(with: Data(try JSONDocument.text(summary).utf8)) as? [String: Any]
    #expect(json?["devices"] as? Int == summary.devices)
    // The tester CSV's unit spelling, and every key present (null where it does not apply).
    let layer = (json?["layers"] as? [[String: Any]])?.first
    #expect(layer?["weight_per_uS_min"] is Double && layer?["weight_per_uS_max"] is Double)
    #expect(layer.map { $0.keys.contains("snap_error") } == true)
    #expect(json?["output"] is NSNull && json?["significance"] is NSNull)
    #expect((json?["layers"] as? [Any])?.count == summary.layersMapped)
    #expect(json?["tester"] != nil)
}

@Test func testerTimeFollowsTheSchedule() throws {
    // One weight per sign: w_max maps to g_max; 0 maps to g_min (forced on NeuRRAM).
    let n = try TestNetworks.dense(inputs: 1, outputs: 2, weights: [1, 0])
    let plan = try TestNetworks.compile(n, .rram, CompileOptions())
    let est = TesterTimeEstimate(plan: plan)
    // Bipolar devices start anywhere in the range: (1, g_max) climbs half the SET ramp on average,
    // the three forced at g_min come down half the RESET ramp; each verifies once more than it pulses.
    let pv = DeviceSpec.rram.programVerify
    let up = Double(pv.set.stepsToCeiling) / 2, down = Double(pv.reset.stepsToCeiling) / 2
    #expect(est.pulses == up + 3 * down)
    let reads = Double(pv.readsAveraged + pv.readsDiscarded)
    #expect(est.reads == (up + 1 + 3 * (down + 1)) * reads)
    #expect(abs(est.seconds - (est.pulses * pv.pulseWidth_s + est.reads * pv.readTime_s)) < 1e-15)

    // ISPVA opens with a RESET, then climbs x of its ramp; nothing is forced with program-to-g-min.
    let ispva = try TestNetworks.compile(n, .rramHfOx, CompileOptions())
    let hfox = DeviceSpec.rramHfOx.programVerify
    let climb = TesterTimeEstimate(plan: ispva)
    #expect(climb.pulses == 4 + Double(hfox.set.stepsToCeiling))
    #expect(climb.reads == (4 + Double(hfox.set.stepsToCeiling)) * Double(hfox.readsAveraged + hfox.readsDiscarded))
}

/// The read time is the spec's: doubling it adds exactly reads × the difference, pulses unchanged.
@Test(arguments: DeviceSpec.presetNames)
func testerTimeTakesTheReadTimeFromTheSpec(_ device: String) throws {
    let n = try TestNetworks.dense(inputs: 3, outputs: 4, weights: [1, 0, -0.5, 0.25, 0.75, -1, 0.1, 0, 0.3, -0.2, 0.6, 0.9])
    var spec = preset(device)
    let plan = try TestNetworks.compile(n, spec, CompileOptions())
    let t = spec.programVerify.readTime_s
    spec.programVerify.readTime_s = 2 * t
    #expect(spec.semanticProblems().isEmpty)
    var slower = plan
    slower.device = spec
    let before = TesterTimeEstimate(plan: plan), after = TesterTimeEstimate(plan: slower)
    #expect(before.reads > 0 && after.reads == before.reads && after.pulses == before.pulses)
    #expect(abs((after.seconds - before.seconds) - before.reads * t) <= 1e-12 * after.seconds)
    let simulated = (TesterTimeEstimate(plan: plan, simulatedPulsesPerDevice: 3), TesterTimeEstimate(plan: slower, simulatedPulsesPerDevice: 3))
    #expect(abs((simulated.1.seconds - simulated.0.seconds) - simulated.0.reads * t) <= 1e-12 * simulated.1.seconds)
}

@Test func testerTimeFromSimulatedPulses() throws {
    // 4 devices at 2.5 simulated pulses each: 10 pulses; bipolar loops read before every pulse and
    // once after the last, so 10 + 4 verifies.
    let n = try TestNetworks.dense(inputs: 1, outputs: 2, weights: [1, 0])
    let plan = try TestNetworks.compile(n, .rram, CompileOptions())
    let est = TesterTimeEstimate(plan: plan, simulatedPulsesPerDevice: 2.5)
    let pv = DeviceSpec.rram.programVerify
    let reads = Double(pv.readsAveraged + pv.readsDiscarded)
    #expect(plan.deviceCount == 4)
    #expect(est.pulses == 10)
    #expect(est.reads == (10 + 4 + (pv.secondPass ? 4 : 0)) * reads)
    #expect(abs(est.seconds - (10 * pv.pulseWidth_s + est.reads * pv.readTime_s)) < 1e-15)
    // No pulses simulated: no time, never a negative one.
    #expect(TesterTimeEstimate(plan: plan, simulatedPulsesPerDevice: -1).seconds == 0)
    #expect(TesterTimeEstimate(plan: plan, simulatedPulsesPerDevice: -1).pulses == 0)
}

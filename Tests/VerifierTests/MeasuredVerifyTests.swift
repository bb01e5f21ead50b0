import Datasets
import Engine
import Foundation
import NetworkModel
import Plan
import Testing
@testable import Verifier

/// `verify --measured` in the library: trials start from a read-back.
@Suite(.serialized) struct MeasuredVerifyTests {
    /// A deterministic "chip": each target scaled and shifted by a device-dependent amount, a few
    /// devices at 0 (stuck-OFF) and at the top of the range, so it is not the verifier's own model.
    static func chip(_ plan: Plan) -> [[Float]] {
        let gMax = Float(plan.targetRules.gMax_uS)
        return plan.tiles.enumerated().map { t, tile in
            tile.targets_uS.enumerated().map { i, target in
                let k = Double(t * 7919 + i)
                if i % 97 == 5 { return 0 }
                if i % 211 == 7 { return gMax }
                return max(0, target * Float(1 + 0.08 * sin(k)) + Float(0.3 * cos(0.7 * k)))
            }
        }
    }

    /// The network with every crossbar layer's weights rebuilt from `g` by the weight formula of
    /// formats/tester-plan.md (weight = weight_per_uS × Σ significance × sign × (G − zero_uS)), written
    /// here from the plan's slots, scales and zero points rather than with the verifier's code.
    static func rebuiltNetwork(_ plan: Plan, conductances g: [[Float]]) throws -> Network {
        var weights = [String: [Float]]()
        for node in plan.network.nodes {
            switch node.operation {
            case .dense(let d): weights[node.name] = d.weight.data
            case .conv2d(let c): weights[node.name] = c.weight.data
            default: break
            }
        }
        for (t, tile) in plan.tiles.enumerated() {
            let layer = plan.layers[tile.layer]
            let (rows, cols) = (tile.rows.count, tile.columns.count)
            let node = plan.network.nodes.first { $0.name == layer.node }!
            for r in 0..<rows {
                for c in 0..<cols {
                    var sum = 0.0
                    for (s, slot) in plan.roles.enumerated() {
                        let sign = slot.polarity == .neg ? -1.0 : 1.0
                        sum += slot.significance * sign * (Double(g[t][(s * rows + r) * cols + c]) - Double(tile.zero_uS))
                    }
                    let w = Float(Double(tile.weightPerMicrosiemens[c]) * sum)
                    let (row, col) = (tile.rows.lowerBound + r, tile.group * layer.matrix.columns + tile.columns.lowerBound + c)
                    switch node.operation {
                    case .dense(let d): weights[node.name]![row * d.outputs + col] = w     // [in, out]
                    case .conv2d: weights[node.name]![col * layer.matrix.rows + row] = w    // [out, in/group, kh, kw]
                    default: Issue.record("\(node.name) is not a matrix product")
                    }
                }
            }
        }
        let nodes = plan.network.nodes.map { node -> Node in
            var n = node
            switch node.operation {
            case .dense(var d): d.weight = try! Tensor(shape: d.weight.shape, data: weights[node.name]!); n.operation = .dense(d)
            case .conv2d(var c): c.weight = try! Tensor(shape: c.weight.shape, data: weights[node.name]!); n.operation = .conv2d(c)
            default: break
            }
            return n
        }
        let net = plan.network
        return try Network(name: net.name, inputs: net.inputs, outputs: net.outputs, nodes: nodes, constants: net.constants)
    }

    static func options(_ measured: Measured?, times: [Double], trials: Int = 2, threads: Int = 2) -> VerifierOptions {
        var o = VerifierOptions()
        o.measured = measured; o.times_s = times; o.trials = trials; o.threads = threads; o.seed = 11
        return o
    }

    /// Without read noise, at the measurement time, every trial is the network evaluated with the
    /// weights rebuilt from the measured conductances (a computation of this test's own, run on the
    /// exact digital engine), and so is the measured accuracy of the comparison.
    @Test(arguments: [0.0, 3600.0])
    func readingAtTheMeasurementIsTheMeasuredNetwork(T: Double) throws {
        let plan = try VerifierFixtures.cnnPlan.get()
        let data = try VerifierFixtures.fashion(400)
        let g = Self.chip(plan)
        let own = try VerifierRunTests().digitalAccuracy(try Self.rebuiltNetwork(plan, conductances: g), data)
        let baseline = try VerifierRunTests().digitalAccuracy(plan.network, data)
        #expect(own != baseline, "the perturbed chip must differ from the targets for the test to mean something")
        var o = Self.options(Measured(plan: plan, conductance_uS: g, time_s: T), times: [T])
        o.readNoise = .off
        let r = try Verifier(plan: plan, options: o).run(data)
        #expect(r.results.count == 1 && r.results[0].accuracyPerTrial == [own, own])
        let m = try #require(r.measured)
        #expect(m.measuredAccuracy == own && m.targetAccuracy == r.baselineAccuracy)
        #expect(m.missingDevices == 0 && m.chip.devices == plan.deviceCount && m.latestMeasurement_s == T)
        // Later, the model's drift changes the chip: trials differ from the measured network.
        o.times_s = [T + 365.25 * 86_400]
        let later = try Verifier(plan: plan, options: o).run(data)
        #expect(later.results[0].accuracyPerTrial != [own, own])
    }

    /// The comparison's figures, recomputed here for one tile: devices in window, RMS and worst µS,
    /// RMS weight error, rails.
    @Test func comparisonFigures() throws {
        let plan = try VerifierFixtures.cnnPlan.get()
        let g = Self.chip(plan)
        let m = MeasuredComparison(plan: plan, measured: Measured(plan: plan, conductance_uS: g))
        let rules = plan.targetRules
        for (t, tile) in plan.tiles.enumerated() {
            var inWindow = 0, squares = 0.0, worst = 0.0
            for (i, target) in tile.targets_uS.enumerated() {
                if rules.acceptanceBounds_uS(target_uS: Double(target)).contains(Double(g[t][i])) { inWindow += 1 }
                let e = Double(g[t][i]) - Double(target)
                squares += e * e; worst = max(worst, abs(e))
            }
            let d = m.tiles[t].deviation
            #expect(d.devices == tile.targets_uS.count && d.inWindow == inWindow && d.weights == tile.weightCount)
            #expect(abs(d.rms_uS - (squares / Double(d.devices)).squareRoot()) < 1e-9 && d.worst_uS == worst)
        }
        // Weight error of the whole chip from the rebuilt network against the targets' network.
        let chipNet = try Self.rebuiltNetwork(plan, conductances: g)
        let targetNet = try Self.rebuiltNetwork(plan, conductances: plan.tiles.map(\.targets_uS))
        var squares = 0.0, count = 0
        for (a, b) in zip(chipNet.nodes, targetNet.nodes) {
            switch (a.operation, b.operation) {
            case (.dense(let x), .dense(let y)): for (u, v) in zip(x.weight.data, y.weight.data) { squares += Double(u - v) * Double(u - v); count += 1 }
            case (.conv2d(let x), .conv2d(let y)): for (u, v) in zip(x.weight.data, y.weight.data) { squares += Double(u - v) * Double(u - v); count += 1 }
            default: break
            }
        }
        let rms = (squares / Double(count)).squareRoot()
        #expect(count == m.chip.weights && abs(m.chip.rmsWeightError - rms) <= 1e-5 * rms)
        let band = 0.01 * (rules.gMax_uS - rules.gMin_uS)
        let measured = g.joined().map(Double.init)
        #expect(m.atLowRail == measured.filter { $0 <= rules.gMin_uS + band }.count)
        #expect(m.atHighRail == measured.filter { $0 >= rules.gMax_uS - band }.count && m.atHighRail > 0)
    }

    /// With every device missing from a partial read-back, a run is the plain verify, number for
    /// number; half missing: the count is reported and the run differs.
    @Test func partialReadBacksSimulateTheDevicesWithoutARecord() throws {
        let plan = try VerifierFixtures.cnnPlan.get()
        let data = try VerifierFixtures.fashion(120)
        var o = Self.options(nil, times: [1, 86_400])
        o.compensations = [.none, .gdc]
        let plain = try Verifier(plan: plan, options: o).run(data)
        let none = plan.tiles.map { [Float](repeating: .nan, count: $0.targets_uS.count) }
        o.measured = Measured(plan: plan, conductance_uS: none)
        let empty = try Verifier(plan: plan, options: o).run(data)
        #expect(empty.results == plain.results)
        #expect(empty.measured?.missingDevices == plan.deviceCount && empty.measured?.chip.devices == 0)

        var half = Self.chip(plan)
        var missing = 0
        for t in half.indices { for i in half[t].indices where i % 2 == 0 { half[t][i] = .nan; missing += 1 } }
        o.measured = Measured(plan: plan, conductance_uS: half)
        let r = try Verifier(plan: plan, options: o).run(data)
        #expect(r.measured?.missingDevices == missing && r.measured?.chip.devices == plan.deviceCount - missing)
        #expect(r.results != plain.results)
    }

    /// Same seed, same numbers, whatever the thread count.
    @Test func measuredRunsAreDeterministic() throws {
        let plan = try VerifierFixtures.cnnPlan.get()
        let data = try VerifierFixtures.fashion(80)
        var g = Self.chip(plan)
        g[1][3] = .nan
        let m = Measured(plan: plan, conductance_uS: g, time_s: 60)
        let a = try Verifier(plan: plan, options: Self.options(m, times: [60, 86_400], threads: 1)).run(data)
        let b = try Verifier(plan: plan, options: Self.options(m, times: [86_400], threads: 3)).run(data)
        #expect(a.results[1] == b.results[0])
        #expect(a.measured == b.measured)
    }

    @Test func timesBeforeTheMeasurementAreRefused() throws {
        let plan = try VerifierFixtures.cnnPlan.get()
        let m = Measured(plan: plan, conductance_uS: Self.chip(plan), time_s: 3600)
        #expect(throws: VerifierError.self) { _ = try Verifier(plan: plan, options: Self.options(m, times: [1, 86_400])) }
    }
}

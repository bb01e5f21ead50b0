import Testing
import Devices
import NetworkModel
import Plan
import Compiler

/// Every pair mode × scale mode × preset, on dense, conv, grouped and depthwise conv, all split
/// into 7×5 tiles.
let pairModes: [PairMode] = [.single, .offset, .dual(significance: 3)]
let mappingCases: [(PairMode, ScaleMode, String)] = pairModes.flatMap { p in
    ScaleMode.allCases.flatMap { s in DeviceSpec.presets.map { (p, s, $0.name) } }
}

func preset(_ name: String) -> DeviceSpec { DeviceSpec.presets.first { $0.name == name } ?? .pcm }

/// Checks the weights a plan holds against the network's, clipped to each unit's ±w_max.
/// Returns the largest error relative to w_max of the weight's unit.
@discardableResult
func checkRoundTrip(_ plan: Plan, tolerance: Double = 1e-6, extra: (Double) -> Double = { _ in 0 }) -> Double {
    let full = Reconstruction.fullScale_uS(plan)
    let nodes = Dictionary(plan.network.nodes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    var worst = 0.0
    Reconstruction.forEachWeight(plan) { tile, r, c, w in
        let layer = plan.layers[tile.layer]
        guard let node = nodes[layer.node] else { Issue.record("layer \(layer.node) missing from the network"); return }
        let k = Double(tile.weightPerMicrosiemens[c])
        let wMax = k * full
        let original = Double(TestNetworks.matrixWeight(node, group: tile.group, row: tile.rows.lowerBound + r,
                                                        column: tile.columns.lowerBound + c))
        let expected = min(max(original, -wMax), wMax)
        let err = abs(w - expected)
        let allowed = tolerance * max(wMax, .leastNormalMagnitude) + extra(k)
        if err > allowed {
            Issue.record("\(layer.node) g\(tile.group) (\(tile.rows.lowerBound + r), \(tile.columns.lowerBound + c)): \(w) vs \(expected)")
        }
        worst = max(worst, wMax > 0 ? err / wMax : err)
    }
    return worst
}

@Test(arguments: mappingCases)
func roundTripRecoversWeights(pairs: PairMode, scale: ScaleMode, device: String) throws {
    for network in try TestNetworks.cases() {
        let plan = try TestNetworks.compile(network, preset(device), TestNetworks.options(pairs, scale))
        #expect(plan.layers.count == 1)
        checkRoundTrip(plan)
        PlanProperties.check(plan)
    }
}

@Test(arguments: pairModes, [1, 2, 3])
func parallelDevicesRoundTrip(pairs: PairMode, devices: Int) throws {
    var o = TestNetworks.options(pairs, .column)
    o.devicesPerConductance = devices
    let plan = try TestNetworks.compile(try TestNetworks.dense(inputs: 9, outputs: 8), .rram, o)
    #expect(plan.roles.count == (pairs == .offset ? 1 : pairs == .single ? 2 : 4) * devices)
    #expect(plan.roles.map(\.replica) == plan.roles.indices.map { $0 % devices })
    checkRoundTrip(plan)
    PlanProperties.check(plan)
}

/// A multilevel RRAM: levels every 3 µS over 1…40 µS (and, with two devices per conductance, every
/// 1.5 µS over 0.5…20 µS per device).
@Test(arguments: pairModes, [1, 2])
func levelSnappingStaysWithinHalfAGap(pairs: PairMode, devices: Int) throws {
    var spec = DeviceSpec.rram
    let gap = 3.0 / Double(devices)
    spec.levels_uS = (0..<14).map { (1 + 3 * Double($0)) / Double(devices) }
    var o = TestNetworks.options(pairs, .layer)
    o.devicesPerConductance = devices
    for network in try TestNetworks.cases() {
        let plan = try TestNetworks.compile(network, spec, o)
        let levels = Set(spec.levels_uS ?? [])
        let gMin = Float(spec.gMin_uS / Double(devices))
        for tile in plan.tiles {
            for t in tile.targets_uS { #expect(levels.contains(Double(t)) || t == gMin) }
        }
        // Half the largest level gap, per conductance, in weight units.
        checkRoundTrip(plan, extra: { k in k * gap / 2 * Double(devices) })
        for layer in plan.layers {
            let k = plan.tiles[layer.tiles].map { $0.weightPerMicrosiemens.max() ?? 0 }.max() ?? 0
            #expect(Double(layer.snapError) <= Double(k) * 1.5 + 1e-6 * Double(layer.wMax))
        }
        PlanProperties.check(plan)
    }
    // Snapping off: continuous targets again.
    o.snapToLevels = false
    let plan = try TestNetworks.compile(try TestNetworks.dense(inputs: 9, outputs: 8), spec, o)
    checkRoundTrip(plan)
    #expect(plan.layers[0].snapError < 1e-5)
}

@Test func allZeroLayerMapsWithoutDividingByZero() throws {
    let n = try TestNetworks.dense(inputs: 4, outputs: 3, weights: [Float](repeating: 0, count: 12))
    for pairs in pairModes {
        for scale in ScaleMode.allCases {
            let plan = try TestNetworks.compile(n, .rram, TestNetworks.options(pairs, scale))
            #expect(plan.tiles.allSatisfy { t in t.targets_uS.allSatisfy(\.isFinite) && t.weightPerMicrosiemens.allSatisfy(\.isFinite) })
            #expect(plan.layers[0].wMax == 0)
            #expect(plan.layers[0].clippedFraction == 0)
            checkRoundTrip(plan)
        }
    }
}

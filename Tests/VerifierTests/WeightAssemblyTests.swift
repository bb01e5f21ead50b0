import Compiler
import Devices
import Engine
import NetworkModel
import Plan
import Testing
@testable import Verifier

@Suite struct WeightAssemblyTests {
    /// With G equal to the targets, the rebuilt matrices are the network's weights (clipped to ±w_max
    /// of their scaling unit), for every pair mode, scaling and a grouped convolution.
    @Test(arguments: [
        (0, PairMode.single, ScaleMode.layer), (0, .offset, .column), (0, .dual(significance: 4), .tile),
        (1, .single, .tile), (2, .single, .column), (2, .offset, .layer),
    ])
    func targetsRebuildTheCompiledWeights(network: Int, pairs: PairMode, scale: ScaleMode) throws {
        let nets = [try VerifierFixtures.dense(inputs: 17, outputs: 12),
                    try VerifierFixtures.conv(inChannels: 3, outChannels: 11, kernel: 3, group: 1),
                    try VerifierFixtures.conv(inChannels: 4, outChannels: 12, kernel: 2, group: 2)]
        for clip in [ClipMode.max, .percentile(80)] {
            let plan = try VerifierFixtures.compile(nets[network], .pcm, VerifierFixtures.options(pairs, scale, clip: clip))
            let nodes = try LayerMatrices.nodeIndices(of: plan)
            let rebuilt = LayerMatrices.weights(plan: plan, nodes: nodes, conductances_uS: plan.tiles.map(\.targets_uS))
            let exact = ExactMatrixProducts(network: plan.network)
            for (l, layer) in plan.layers.enumerated() {
                let tolerance = 1e-6 * Double(layer.wMax) + Double(layer.snapError)
                for g in 0..<layer.matrix.groups {
                    let w = exact.weights(node: nodes[l], group: g)!
                    let r = rebuilt.blocks[nodes[l]]![g]
                    var worst = 0.0, clipped = 0
                    for tile in plan.tiles where tile.layer == l && tile.group == g {
                        for col in tile.columns {
                            // A clipped weight holds ±w_max of its unit: the largest magnitude of its
                            // tile column, with the weight's sign, and below the weight's magnitude.
                            let column = tile.rows.map { r[$0 * layer.matrix.columns + col] }
                            let columnMax = Double(column.map { abs($0) }.max() ?? 0)
                            for row in tile.rows {
                                let i = row * layer.matrix.columns + col
                                let (got, want) = (Double(r[i]), Double(w[i]))
                                let error = abs(got - want)
                                if error > tolerance {
                                    clipped += 1
                                    #expect(got.sign == want.sign && abs(want) > abs(got) && abs(got) >= columnMax - tolerance,
                                            "layer \(layer.node) (\(row), \(col)): \(got) for weight \(want)")
                                } else {
                                    worst = max(worst, error)
                                }
                            }
                        }
                    }
                    #expect(worst <= tolerance)
                    if case .max = clip { #expect(clipped == 0) } else { #expect(clipped > 0) }
                }
            }
        }
    }
}

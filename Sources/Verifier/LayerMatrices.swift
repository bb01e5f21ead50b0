import NetworkModel
import Plan

/// Effective crossbar matrices of the plan's mapped layers, in the engine's layout: per network
/// node, one row-major `[rows × columns]` block per group (nil for nodes not on crossbars).
///
/// A weight is rebuilt from its devices exactly as the plan defines it,
/// w = k_col × Σ_slots significance × sign × (G − zero_uS), sign +1 for pos/single and −1 for neg,
/// so with G equal to the targets the matrix is the network as compiled (clipped and snapped).
public struct LayerMatrices: Sendable {
    /// Per node index of `plan.network`: blocks per group, or nil.
    public var blocks: [[[Float]]?]

    /// Network node index of every plan layer (`plan.layers[i].node`).
    public static func nodeIndices(of plan: Plan) throws(VerifierError) -> [Int] {
        var index = [String: Int]()
        for (i, node) in plan.network.nodes.enumerated() { index[node.name] = i }
        var result = [Int]()
        for layer in plan.layers {
            guard let i = index[layer.node], plan.network.nodes[i].crossbarMatrix == layer.matrix else {
                throw VerifierError("the plan maps layer '\(layer.node)', which its network does not hold as a matrix of that shape")
            }
            result.append(i)
        }
        return result
    }

    /// Assembles weights from per-tile device conductances (`conductances_uS[t]` packed like
    /// `plan.tiles[t].targets_uS`).
    public static func weights(plan: Plan, nodes: [Int], conductances_uS: [[Float]]) -> LayerMatrices {
        planes(plan: plan, nodes: nodes, tilePlanes: plan.tiles.indices.map { tilePlane(plan: plan, tile: $0, conductances_uS: conductances_uS[$0]) })
    }

    /// The `[rows × columns]` weights of tile `t` from its devices' conductances, packed like its
    /// targets or, with its reference devices, like `deviceTargets_uS`: those are subtracted as the
    /// tile reads them (`ReferenceSubtraction`).
    public static func tilePlane(plan: Plan, tile t: Int, conductances_uS read: [Float]) -> [Float] {
        var conductances_uS = read
        ReferenceSubtraction.apply(plan: plan, tile: t, conductances_uS: &conductances_uS)
        let tile = plan.tiles[t]
        let factors = plan.roles.map { $0.significance * ($0.polarity == .neg ? -1.0 : 1.0) }
        let (rows, cols) = (tile.rows.count, tile.columns.count)
        let plane = rows * cols
        let zero = Double(tile.zero_uS)
        var w = [Float](repeating: 0, count: plane)
        conductances_uS.withUnsafeBufferPointer { g in
            tile.weightPerMicrosiemens.withUnsafeBufferPointer { k in
                for r in 0..<rows {
                    for c in 0..<cols {
                        var sum = 0.0
                        for s in 0..<factors.count { sum += factors[s] * (Double(g[s * plane + r * cols + c]) - zero) }
                        w[r * cols + c] = Float(Double(k[c]) * sum)
                    }
                }
            }
        }
        return w
    }

    /// Places per-tile `[rows × columns]` planes (read-noise weight variances) into layer blocks.
    public static func planes(plan: Plan, nodes: [Int], tilePlanes: [[Float]]) -> LayerMatrices {
        var result = empty(plan: plan, nodes: nodes)
        for (t, tile) in plan.tiles.enumerated() {
            let node = nodes[tile.layer]
            let columns = plan.layers[tile.layer].matrix.columns
            let cols = tile.columns.count
            tilePlanes[t].withUnsafeBufferPointer { v in
                result.blocks[node]![tile.group].withUnsafeMutableBufferPointer { out in
                    for r in 0..<tile.rows.count {
                        let base = (tile.rows.lowerBound + r) * columns + tile.columns.lowerBound
                        for c in 0..<cols { out[base + c] = v[r * cols + c] }
                    }
                }
            }
        }
        return result
    }

    /// Zero blocks for every mapped layer; nil elsewhere.
    static func empty(plan: Plan, nodes: [Int]) -> LayerMatrices {
        var blocks = [[[Float]]?](repeating: nil, count: plan.network.nodes.count)
        for (l, layer) in plan.layers.enumerated() {
            let m = layer.matrix
            blocks[nodes[l]] = Array(repeating: [Float](repeating: 0, count: m.rows * m.columns), count: m.groups)
        }
        return LayerMatrices(blocks: blocks)
    }
}

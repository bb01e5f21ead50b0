import DeviceSimulation
import Engine
import Plan

/// How layer outputs are corrected for conductance drift.
public enum Compensation: String, Sendable, Hashable, CaseIterable {
    case none
    /// Global drift compensation: one factor per crossbar layer (Le Gallo et al., devices.md §1).
    case gdc
    /// One factor per output column of each crossbar layer.
    case gdcColumn = "gdc-column"
    /// Per-output-channel statistics re-estimated on the chip from calibration data (`AdaBS`).
    case adabs
}

/// Drift compensation from a fixed calibration input.
///
/// The calibration input of a layer is 64 pseudo-random vectors, uniform in [0, 1) (the range of
/// post-ReLU activations and of scaled pixels), drawn from a Philox stream with a fixed key per
/// (node, group) — the same vectors for every trial and time, independent of the data set, so
/// compensation never sees test data. The chip reads them right after programming (t = 0) and at
/// time t; α = Σ|y(0)| / Σ|y(t)| over all vectors, columns and groups (`gdc`) or per column over
/// vectors and groups (`gdc-column`), and multiplies the layer's matrix-product output before the
/// digital bias.
public enum DriftCompensation {
    /// One GEMM block (`GEMMBlocks.rows`), so the calibration product is a single BLAS call.
    public static let calibrationVectors = GEMMBlocks.rows

    /// Σ|y| per column (summed over groups) of each mapped layer for the calibration input.
    public static func columnSums(plan: Plan, nodes: [Int], weights: LayerMatrices) -> [[Double]] {
        plan.layers.enumerated().map { l, layer in
            let m = layer.matrix
            var sums = [Double](repeating: 0, count: m.columns)
            guard m.rows > 0, m.columns > 0 else { return sums }
            var y = [Float](repeating: 0, count: calibrationVectors * m.columns)
            for g in 0..<m.groups {
                let x = calibrationInput(node: nodes[l], group: g, rows: m.rows)
                weights.blocks[nodes[l]]![g].withUnsafeBufferPointer { w in
                    GEMMBlocks.multiply(x, k: Int32(m.rows), w.baseAddress!, n: Int32(m.columns), into: &y)
                }
                for v in 0..<calibrationVectors { for c in 0..<m.columns { sums[c] += Double(abs(y[v * m.columns + c])) } }
            }
            return sums
        }
    }

    /// Per-node gains (indexed like `plan.network.nodes`) from reference and drifted column sums.
    public static func gains(_ mode: Compensation, plan: Plan, nodes: [Int], reference: [[Double]],
                             now: [[Double]]) -> [[Float]?] {
        var gains = [[Float]?](repeating: nil, count: plan.network.nodes.count)
        guard mode == .gdc || mode == .gdcColumn else { return gains }
        for (l, layer) in plan.layers.enumerated() {
            let columns = layer.matrix.columns
            switch mode {
            case .none, .adabs: break
            case .gdc:
                let a = ratio(reference[l].reduce(0, +), now[l].reduce(0, +))
                gains[nodes[l]] = [Float](repeating: a, count: columns)
            case .gdcColumn:
                gains[nodes[l]] = (0..<columns).map { ratio(reference[l][$0], now[l][$0]) }
            }
        }
        return gains
    }

    /// Reference over present magnitude; 1 when the present read is zero (nothing to rescale).
    static func ratio(_ reference: Double, _ now: Double) -> Float {
        now > 0 && reference.isFinite && now.isFinite ? Float(reference / now) : 1
    }

    /// `calibrationVectors × rows` values, uniform in [0, 1), fixed per (node, group).
    static func calibrationInput(node: Int, group: Int, rows: Int) -> [Float] {
        var stream = RandomStream(counter: SIMD4(UInt32(truncatingIfNeeded: node), UInt32(truncatingIfNeeded: group), 0, 0x0C0 << 20),
                                  key: SIMD2(0x6764_6321, 0x696D_7072))
        return (0..<(calibrationVectors * rows)).map { _ in Float(stream.uniform()) }
    }
}

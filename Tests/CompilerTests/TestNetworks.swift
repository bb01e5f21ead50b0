import Foundation
import Devices
import NetworkModel
import Plan
import Compiler

/// Deterministic pseudo-random numbers for test data (SplitMix64): tests must not depend on a seed
/// the system picks.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Weights in (−1, 1) with every 7th exactly zero, so zero-weight rules are exercised.
    mutating func weights(_ n: Int) -> [Float] {
        (0..<n).map { i in i % 7 == 3 ? 0 : Float.random(in: -1...1, using: &self) }
    }
}

enum TestNetworks {
    static func dense(inputs: Int, outputs: Int, seed: UInt64 = 1, weights: [Float]? = nil) throws -> Network {
        var rng = SplitMix(seed)
        let w = try Tensor(shape: [inputs, outputs], data: weights ?? rng.weights(inputs * outputs))
        let b = try Tensor(shape: [outputs], data: rng.weights(outputs))
        return try Network(name: "dense", inputs: [NetworkInput(name: "x", shape: [inputs])], outputs: ["y"],
                           nodes: [Node(name: "fc", operation: .dense(DenseOp(weight: w, bias: b)), inputs: ["x"], output: "y")])
    }

    static func conv(inChannels: Int, outChannels: Int, kernel: Int, group: Int, seed: UInt64 = 2) throws -> Network {
        var rng = SplitMix(seed)
        let shape = [outChannels, inChannels / group, kernel, kernel]
        let w = try Tensor(shape: shape, data: rng.weights(shape.reduce(1, *)))
        let op = Conv2DOp(weight: w, bias: nil, group: group)
        return try Network(name: "conv", inputs: [NetworkInput(name: "x", shape: [inChannels, 6, 6])], outputs: ["y"],
                           nodes: [Node(name: "conv", operation: .conv2d(op), inputs: ["x"], output: "y")])
    }

    /// The mapping cases of the round-trip tests: dense, conv, grouped and depthwise conv, all
    /// larger than a 7×5 tile in both directions somewhere.
    static func cases() throws -> [Network] {
        [try dense(inputs: 17, outputs: 12),
         try conv(inChannels: 3, outChannels: 11, kernel: 3, group: 1),
         try conv(inChannels: 4, outChannels: 12, kernel: 2, group: 2),
         try conv(inChannels: 6, outChannels: 6, kernel: 3, group: 6)]
    }

    static func options(_ pairs: PairMode, _ scale: ScaleMode, tile: (Int, Int) = (7, 5)) -> CompileOptions {
        var o = CompileOptions()
        o.pairs = pairs
        o.scale = scale
        o.tileRows = tile.0
        o.tileColumns = tile.1
        return o
    }

    static func compile(_ n: Network, _ device: DeviceSpec, _ o: CompileOptions) throws(CompileError) -> Plan {
        try PlanCompiler.compile(n, device: device, options: o, source: SourceModel(fileName: "test", sha256: ""),
                                 toolVersion: "test")
    }

    /// Weight (g, r, c) of a node's crossbar matrix, from the documented layouts (independent of the
    /// compiler's own indexing).
    static func matrixWeight(_ node: Node, group g: Int, row r: Int, column c: Int) -> Float {
        switch node.operation {
        case .dense(let d): return d.weight.data[r * d.outputs + c]
        case .conv2d(let cv):
            let rowsPerGroup = cv.inChannelsPerGroup * cv.kernel[0] * cv.kernel[1]
            let outChannel = g * (cv.outChannels / cv.group) + c
            return cv.weight.data[outChannel * rowsPerGroup + r]
        default: return .nan
        }
    }
}

/// Rebuilds weights from a plan alone: targets, slots, significance, k per column, zero point.
enum Reconstruction {
    /// Conductance swing ±w_max maps to (per conductance, significance-weighted).
    static func fullScale_uS(_ plan: Plan) -> Double {
        let range = plan.device.gMax_uS - plan.device.gMin_uS
        switch plan.options.pairs {
        case .single: return range
        case .offset: return range / 2
        case .dual(let f): return (f + 1) * range
        }
    }

    /// Visits every weight of every tile with its reconstructed value.
    static func forEachWeight(_ plan: Plan, _ body: (_ tile: Tile, _ r: Int, _ c: Int, _ reconstructed: Double) -> Void) {
        let slots = plan.roles
        for tile in plan.tiles {
            let rows = tile.rows.count, cols = tile.columns.count
            for r in 0..<rows {
                for c in 0..<cols {
                    var u = 0.0
                    for (s, slot) in slots.enumerated() {
                        let g = Double(tile.targets_uS[(s * rows + r) * cols + c]) - Double(tile.zero_uS)
                        let sign: Double = slot.polarity == .neg ? -1 : 1
                        u += slot.significance * sign * g
                    }
                    body(tile, r, c, Double(tile.weightPerMicrosiemens[c]) * u)
                }
            }
        }
    }
}

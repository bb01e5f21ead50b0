import Devices
import Foundation
import NetworkModel
import TestSupport
@testable import Plan

/// Hand-built plans: a network using every operation and padding form, mapped with a simple tiler
/// whose targets follow the weight formula exactly, so emitter tests can rebuild the weights.
enum PlanFixtures {
    /// One mapping configuration of the tests.
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var device: DeviceSpec
        var pairs: PairMode
        var devicesPerConductance: Int?
        /// Reference lines per tile (offset mode), `Tile+References.swift`.
        var referenceColumns = 0
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "single-pcm", device: .pcm, pairs: .single, devicesPerConductance: nil),
        Case(name: "dual-hermes", device: .pcmHermes, pairs: .dual(significance: 3), devicesPerConductance: nil),
        Case(name: "offset-hfox", device: .rramHfOx, pairs: .offset, devicesPerConductance: nil),
        Case(name: "single-rram-x2", device: .rram, pairs: .single, devicesPerConductance: 2),
        Case(name: "offset-hfox-x2-ref2", device: .rramHfOx, pairs: .offset, devicesPerConductance: 2, referenceColumns: 2),
    ]

    static func values(_ count: Int, seed: Double) -> [Float] {
        (0..<count).map { i in i % 7 == 3 ? 0 : Float(sin(Double(i) * 1.7 + seed) * 0.5) }
    }

    static func tensor(_ shape: [Int], seed: Double) -> Tensor {
        try! Tensor(shape: shape, data: values(shape.reduce(1, *), seed: seed))
    }

    /// Every `Operation` case, every activation, every `Padding2D` form.
    static func network() -> Network {
        func node(_ name: String, _ op: NetworkModel.Operation, _ inputs: [String], _ output: String) -> Node {
            Node(name: name, operation: op, inputs: inputs, output: output)
        }
        let bn = BatchNormOp(scale: [1, 0.5, 2, 1.5], bias: [0, 0.1, -0.1, 0.2], mean: [0.1, 0, -0.2, 0.3],
                             variance: [1, 0.5, 2, 0.25], epsilon: 1e-3)
        var nodes: [Node] = [
            node("conv1", .conv2d(Conv2DOp(weight: tensor([4, 1, 3, 3], seed: 1), bias: tensor([4], seed: 2), padding: .sameUpper)), ["x"], "c1"),
            node("bn1", .batchNorm(bn), ["c1"], "b1"),
            node("relu1", .activation(.relu), ["b1"], "r1"),
            node("gconv", .conv2d(Conv2DOp(weight: tensor([4, 2, 3, 3], seed: 3), bias: nil, strides: [1, 1], dilations: [1, 1],
                                           padding: .explicit(top: 1, left: 0, bottom: 1, right: 2), group: 2)), ["r1"], "g1"),
            node("dw", .conv2d(Conv2DOp(weight: tensor([4, 1, 1, 1], seed: 4), bias: tensor([4], seed: 5), padding: .sameLower, group: 4)), ["g1"], "a0"),
        ]
        let activations: [Activation] = [.leakyRelu(alpha: 0.1), .clip(min: 0, max: 6), .sigmoid, .hardSigmoid(alpha: 0.2, beta: 0.5),
                                         .tanh, .gelu(approximateTanh: true), .gelu(approximateTanh: false), .elu(alpha: 1.25),
                                         .swish, .softplus]
        for (i, a) in activations.enumerated() { nodes.append(node("act\(i)", .activation(a), ["a\(i)"], "a\(i + 1)")) }
        let last = "a\(activations.count)"
        nodes += [
            node("maxpool", .pool2d(Pool2DOp(kind: .max, kernel: [2, 2], strides: [2, 2])), [last], "p1"),
            node("avgpool", .pool2d(Pool2DOp(kind: .average, kernel: [2, 2], strides: [2, 2], padding: .sameLower, countIncludePad: true)), [last], "p2"),
            node("add", .add, ["p1", "p2"], "s1"),
            node("sub", .sub, ["s1", "k"], "s2"),
            node("mul", .mul, ["s2", "p1"], "s3"),
            node("div", .div, ["s3", "two"], "s4"),
            node("concat", .concat(axis: 1), ["s4", "s1"], "cat"),
            node("gap", .globalPool(.average), ["cat"], "gp"),
            node("gmp", .globalPool(.max), ["cat"], "gm"),
            node("rmean", .reduceMean(axes: [2, 3], keepDims: true), ["cat"], "rm"),
            node("sum3", .add, ["gp", "gm", "rm"], "m"),
            node("transpose", .transpose(perm: [0, 1, 3, 2]), ["m"], "t"),
            node("reshape", .reshape(shape: [0, -1]), ["t"], "rs"),
            node("flatten", .flatten(axis: 1), ["rs"], "fl"),
            node("identity", .identity, ["fl"], "id"),
            node("fc", .dense(DenseOp(weight: tensor([8, 5], seed: 6), bias: tensor([5], seed: 7))), ["id"], "logits"),
            node("softmax", .softmax(axis: -1), ["logits"], "y"),
        ]
        return try! Network(name: "every-op", inputs: [NetworkInput(name: "x", shape: [1, 6, 6], sourceLayout: .nhwc)],
                            outputs: ["y"], nodes: nodes,
                            constants: ["k": tensor([4, 1, 1], seed: 8), "two": try! Tensor(shape: [1], data: [2])])
    }

    /// The weight at (matrix row, whole-layer output column) of a matrix node.
    static func weight(_ node: Node, row: Int, column: Int) -> Float {
        switch node.operation {
        case .dense(let d): return d.weight.data[row * d.outputs + column]
        case .conv2d(let c):
            // [C_out, C_in/group, K_h, K_w]: output channel `column`, row in (c_in, k_h, k_w) order.
            let rowsPerGroup = c.inChannelsPerGroup * c.kernel[0] * c.kernel[1]
            return c.weight.data[column * rowsPerGroup + row]
        default: fatalError("not a matrix node")
        }
    }

    static func slots(_ pairs: PairMode, replicas: Int) -> [DeviceSlot] {
        func pair(_ sig: Double) -> [DeviceSlot] {
            [Polarity.pos, .neg].flatMap { p in (0..<replicas).map { DeviceSlot(polarity: p, significance: sig, replica: $0) } }
        }
        switch pairs {
        case .single: return pair(1)
        case .dual(let f): return pair(f) + pair(1)
        case .offset: return (0..<replicas).map { DeviceSlot(polarity: .single, significance: 1, replica: $0) }
        }
    }

    /// A plan of `network()` with 4 × 3 tiles, two tiles side by side per array (the second one
    /// row down), targets that satisfy the weight formula exactly up to float rounding.
    static func plan(_ c: Case, tileRows: Int = 4, tileColumns: Int = 3) -> Plan {
        let net = network()
        var options = CompileOptions()
        options.tileRows = tileRows; options.tileColumns = tileColumns
        options.pairs = c.pairs
        options.devicesPerConductance = c.devicesPerConductance
        options.scale = .column
        options.clip = .percentile(99.5)
        options.keepDigital = ["nothing", "kept"]
        options.referenceColumns = c.referenceColumns > 0 ? c.referenceColumns : nil
        let refs = c.referenceColumns
        let n = c.devicesPerConductance ?? c.device.devicesPerConductance
        let gMin = Float(c.device.gMin_uS) / Float(n), gMax = Float(c.device.gMax_uS) / Float(n)
        let roles = slots(c.pairs, replicas: n)
        let perDevice = roles.count
        var layers = [LayerMapping](), tiles = [Tile](), order = 0
        for node in net.matrixNodes {
            let matrix = node.crossbarMatrix!
            let first = tiles.count
            var wMax: Float = 0
            for r in 0..<matrix.rows { for col in 0..<(matrix.columns * matrix.groups) { wMax = max(wMax, abs(weight(node, row: r, column: col))) } }
            for g in 0..<matrix.groups {
                for r0 in stride(from: 0, to: matrix.rows, by: tileRows) {
                    for c0 in stride(from: 0, to: matrix.columns, by: tileColumns) {
                        let rows = r0..<min(r0 + tileRows, matrix.rows), cols = c0..<min(c0 + tileColumns, matrix.columns)
                        // Per-column scales differ, as with --scale column.
                        let wpu = cols.map { col -> Float in
                            let base = c.pairs == .offset ? 2 * wMax / (Float(n) * (gMax - gMin)) : wMax / (Float(n) * (gMax - gMin))
                            return base * (1 + 0.125 * Float(col % 3))
                        }
                        var targets = [Float](repeating: 0, count: perDevice * rows.count * cols.count)
                        for (ri, r) in rows.enumerated() {
                            for (ci, col) in cols.enumerated() {
                                let w = weight(node, row: r, column: g * matrix.columns + col)
                                let amount = w / (wpu[ci] * Float(n))  // µS per device, signed
                                for (s, slot) in roles.enumerated() {
                                    let t: Float
                                    switch (slot.polarity, c.pairs) {
                                    case (.single, _): t = (gMin + gMax) / 2 + amount
                                    case (let p, .dual(let f)):
                                        let share = slot.significance == f ? 0.75 * amount / Float(f) : 0.25 * amount
                                        t = gMin + ((p == .pos) == (share > 0) ? abs(share) : 0)
                                    case (let p, _): t = gMin + ((p == .pos) == (amount > 0) ? abs(amount) : 0)
                                    }
                                    targets[(s * rows.count + ri) * cols.count + ci] = t
                                }
                            }
                        }
                        let k = tiles.count
                        let zero: Float = c.pairs == .offset ? (gMin + gMax) / 2 : 0
                        // Tiles side by side share word lines; each has its own reference lines right of it.
                        tiles.append(Tile(layer: layers.count, group: g, rows: rows, columns: cols, array: k / 2,
                                          rowOffset: k % 2, columnOffset: (k % 2) * (tileColumns * perDevice + refs), targets_uS: targets,
                                          weightPerMicrosiemens: wpu, zero_uS: zero, orderStart: order,
                                          referenceTargets_uS: [Float](repeating: zero, count: rows.count * refs)))
                        order += targets.count + rows.count * refs
                    }
                }
            }
            layers.append(LayerMapping(node: node.name, matrix: matrix, wMax: wMax, clippedFraction: 0.015,
                                       tiles: first..<tiles.count))
        }
        let arrayCount = (tiles.count + 1) / 2
        let arrays = (0..<arrayCount).map { a in
            ArrayInfo(rows: tileRows + 1, columns: 2 * (tileColumns * perDevice + refs),
                      usedDevices: tiles.filter { $0.array == a }.reduce(0) { $0 + $1.targets_uS.count + $1.referenceTargets_uS.count })
        }
        return Plan(toolVersion: "0.1.0-test", source: SourceModel(fileName: "every-op.onnx", sha256: String(repeating: "ab", count: 32)),
                    device: c.device, options: options, network: net, roles: roles, layers: layers, tiles: tiles, arrays: arrays)
    }

    /// `Fixtures.temporaryDirectory`: removed with the test process's folder.
    static func temporaryDirectory() throws -> URL { try Fixtures.temporaryDirectory() }
}

/// Field-by-field plan equality (Plan itself is not Equatable).
func plansEqual(_ a: Plan, _ b: Plan) -> Bool {
    a.toolVersion == b.toolVersion && a.source == b.source && a.device == b.device && a.options == b.options
        && a.network == b.network && a.roles == b.roles && a.layers == b.layers && a.tiles == b.tiles && a.arrays == b.arrays
}

import Foundation
import NetworkModel

/// What a step computes, with parameters prepared once at engine construction.
enum StepKernel: Sendable {
    case dense(bias: [Float]?, matrix: CrossbarMatrix)
    /// `relu`: the ReLU that alone reads this convolution's output is applied as the output is
    /// written (its own step became a `.view`), saving a pass over the largest activations.
    /// `pool`: the 2×2, stride-2 max pool that alone reads it (or its ReLU) is applied too, so the
    /// step writes the pooled output (the pool's step became `.computedEarlier`) and the
    /// full-resolution activations are never written.
    /// `residual`: the slot of a residual connection's other operand, added after the bias and
    /// before the ReLU (the `Add` that alone read this convolution became `.computedEarlier`, and
    /// `relu` is then the ReLU that alone reads the sum); never with `pool`.
    case conv(Conv2DOp, matrix: CrossbarMatrix, relu: Bool, pool: Bool, residual: Int?)
    /// An operation an earlier step already applied (a pool or a residual sum fused into its
    /// convolution): the step's input `input` (an index into its inputs), data and shape, is this
    /// step's output.
    case computedEarlier(input: Int)
    /// Batch norm folded to y = x·scale + shift per channel.
    case affine(scale: [Float], shift: [Float])
    case activation(Activation)
    case softmax(axis: Int)
    case pool(Pool2DOp)
    case globalPool(PoolKind)
    case reduceMean(axes: [Int])
    /// Flatten, reshape, identity: the data are unchanged, only the shape is new.
    case view
    case transpose(perm: [Int])
    case binary(BinaryOperator)
    case concat(axis: Int)
    /// A matrix-product node without a crossbar matrix; cannot happen for a valid `Network`.
    case unsupported
}

/// One node ready to run: tensors as slot indices, and the slots that die after it.
struct Step: Sendable {
    let node: Int
    let inputs: [Int]
    let output: Int
    let kernel: StepKernel
    /// Slots whose last reader is this step (never graph outputs); freed right after it runs, so a
    /// deep network holds only the activations still ahead of it.
    let release: [Int]
}

/// The network compiled to slot-indexed steps.
struct ExecutionPlan: Sendable {
    let steps: [Step]
    let slotCount: Int
    let slotNames: [String]
    /// Slots of the network inputs, in `network.inputs` order.
    let inputSlots: [Int]
    let outputSlots: [Int]
    /// Constant slots and their values, loaded before every run (shared, never copied).
    let constants: [(slot: Int, tensor: Tensor)]
    /// Per slot, whether it carries the batch axis at run time: the inputs and whatever a node
    /// computes from them (constants and what only they feed do not).
    let batched: [Bool]

    init(_ network: Network) {
        var slot = [String: Int]()
        var names = [String]()
        func id(_ name: String) -> Int {
            if let s = slot[name] { return s }
            slot[name] = names.count
            names.append(name)
            return names.count - 1
        }
        let inputSlots = network.inputs.map { id($0.name) }
        let constants = network.constants.keys.sorted().compactMap { name in
            network.constants[name].map { (slot: id(name), tensor: $0) }
        }
        let nodeInputs = network.nodes.map { $0.inputs.map(id) }
        let nodeOutputs = network.nodes.map { id($0.output) }
        let outputSlots = network.outputs.map(id)

        // Last reader of each slot; a slot nobody reads dies right after its producer.
        var lastUse = [Int](repeating: -1, count: names.count)
        for (i, ins) in nodeInputs.enumerated() { for s in ins { lastUse[s] = i } }
        for (i, out) in nodeOutputs.enumerated() where lastUse[out] < i { lastUse[out] = i }
        for s in outputSlots { lastUse[s] = Int.max }
        var releases = [[Int]](repeating: [], count: network.nodes.count)
        for (s, last) in lastUse.enumerated() where last >= 0 && last < network.nodes.count {
            releases[last].append(s)
        }

        var kernels = network.nodes.map(Self.kernel(for:))
        let shapes = names.map { network.shapes[$0] }
        var batched = [Bool](repeating: false, count: names.count)
        for s in inputSlots { batched[s] = true }
        for (i, ins) in nodeInputs.enumerated() where ins.contains(where: { batched[$0] }) { batched[nodeOutputs[i]] = true }
        Self.fuseConvolutionOutputs(&kernels, nodeInputs: nodeInputs, nodeOutputs: nodeOutputs,
                                    outputSlots: Set(outputSlots), shapes: shapes, batched: batched)
        self.steps = network.nodes.indices.map { i in
            Step(node: i, inputs: nodeInputs[i], output: nodeOutputs[i], kernel: kernels[i], release: releases[i])
        }
        self.slotCount = names.count
        self.batched = batched
        self.slotNames = names
        self.inputSlots = inputSlots
        self.outputSlots = outputSlots
        self.constants = constants
    }

    /// Moves into each convolution the ReLU that is the only reader of its output, and then the
    /// 2×2, stride-2 max pool (no padding, floor mode) that is the only reader of that, leaving a
    /// `.view` for the ReLU and `.computedEarlier` for the pool. Or, where the only reader is an
    /// `Add` of two batched tensors of one shape whose other operand an earlier step (or the input)
    /// computed, that sum (its step becomes `.computedEarlier` of the convolution's output) and
    /// the ReLU that alone reads it: a residual connection (a constant operand, which the `Add`
    /// broadcasts over the batch, is not fused). Intermediate outputs must not be
    /// network outputs. The same max(x, 0), the same maxima in the pool's order and the same sums
    /// are taken of the same values, so outputs are bitwise those of the separate steps.
    private static func fuseConvolutionOutputs(_ kernels: inout [StepKernel], nodeInputs: [[Int]], nodeOutputs: [Int],
                                               outputSlots: Set<Int>, shapes: [[Int]?], batched: [Bool]) {
        var readers = [[Int]](repeating: [], count: shapes.count)
        for (i, ins) in nodeInputs.enumerated() { for s in Set(ins) { readers[s].append(i) } }
        var producer = [Int?](repeating: nil, count: shapes.count)
        for (i, out) in nodeOutputs.enumerated() { producer[out] = i }
        // The later step that alone reads step i's output (with `others` more inputs).
        func soleReader(of i: Int, others: Int = 0) -> Int? {
            let out = nodeOutputs[i]
            guard !outputSlots.contains(out), readers[out].count == 1, let j = readers[out].first, j > i,
                  nodeInputs[j].count == 1 + others, nodeInputs[j].filter({ $0 == out }).count == 1 else { return nil }
            return j
        }
        for (i, kernel) in kernels.enumerated() {
            guard case .conv(let op, let matrix, relu: false, pool: false, residual: nil) = kernel else { continue }
            var (last, relu, pool, residual) = (i, false, false, Int?.none)
            let out = nodeOutputs[i]
            if let j = soleReader(of: i, others: 1), case .binary(.add) = kernels[j],
               let other = nodeInputs[j].first(where: { $0 != out }), (producer[other] ?? -1) < i,
               batched[other], batched[out],
               let shape = shapes[out], shapes[other] == shape, shapes[nodeOutputs[j]] == shape,
               let position = nodeInputs[j].firstIndex(of: out) {
                kernels[j] = .computedEarlier(input: position)
                (last, residual) = (j, other)
            }
            if let j = soleReader(of: last), case .activation(.relu) = kernels[j] {
                kernels[j] = .view
                (last, relu) = (j, true)
            }
            if residual == nil, let j = soleReader(of: last), case .pool(let p) = kernels[j], poolsInConvolution(p) {
                kernels[j] = .computedEarlier(input: 0)
                pool = true
            }
            kernels[i] = .conv(op, matrix: matrix, relu: relu, pool: pool, residual: residual)
        }
    }

    /// The pools `Convolution.scatterPooled` computes: max over 2×2 windows at stride 2, no
    /// padding or dilation, output size rounded down.
    static func poolsInConvolution(_ p: Pool2DOp) -> Bool {
        p.kind == .max && p.kernel == [2, 2] && p.strides == [2, 2] && p.dilations == [1, 1] && !p.ceilMode
            && (p.padding == .valid || p.padding == .explicit(top: 0, left: 0, bottom: 0, right: 0))
    }

    private static func kernel(for node: Node) -> StepKernel {
        switch node.operation {
        case .dense(let d):
            guard let matrix = node.crossbarMatrix else { return .unsupported }
            return .dense(bias: d.bias?.data, matrix: matrix)
        case .conv2d(let c):
            guard let matrix = node.crossbarMatrix else { return .unsupported }
            return .conv(c, matrix: matrix, relu: false, pool: false, residual: nil)
        case .batchNorm(let b):
            // Folded in double precision so the two roundings of the float32 formula become one.
            var scale = [Float](), shift = [Float]()
            for c in 0..<b.channels {
                let s = Double(b.scale[c]) / (Double(b.variance[c]) + Double(b.epsilon)).squareRoot()
                scale.append(Float(s))
                shift.append(Float(Double(b.bias[c]) - Double(b.mean[c]) * s))
            }
            return .affine(scale: scale, shift: shift)
        case .activation(let a): return .activation(a)
        case .softmax(let axis): return .softmax(axis: axis)
        case .pool2d(let p): return .pool(p)
        case .globalPool(let k): return .globalPool(k)
        case .reduceMean(let axes, _): return .reduceMean(axes: axes)
        case .flatten, .reshape, .identity: return .view
        case .transpose(let perm): return .transpose(perm: perm)
        case .add: return .binary(.add)
        case .sub: return .binary(.sub)
        case .mul: return .binary(.mul)
        case .div: return .binary(.div)
        case .concat(let axis): return .concat(axis: axis)
        }
    }
}

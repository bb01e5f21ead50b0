import NetworkModel
import Parallel

/// The mutable state of one `run`: a value and shape per slot, filled in plan order.
///
/// Values are copy-on-write arrays: views (reshape, flatten) share their input's storage, and an
/// in-place kernel takes its input's storage when this step is the input's last reader, so
/// activations copy only when the input is still needed elsewhere.
struct Execution {
    let engine: InferenceEngine
    let batch: Int
    let firstSample: Int
    /// The threads this execution's kernels may use (one when the engine runs parts in parallel).
    let parallelism: Parallelism
    var values: [[Float]?]
    var shapes: [[Int]?]

    init(engine: InferenceEngine, batch: Int, firstSample: Int, parallelism: Parallelism) {
        let plan = engine.plan
        self.engine = engine
        self.parallelism = parallelism
        self.batch = batch
        self.firstSample = firstSample
        values = [[Float]?](repeating: nil, count: plan.slotCount)
        shapes = [[Int]?](repeating: nil, count: plan.slotCount)
        for (slot, tensor) in plan.constants {
            values[slot] = tensor.data
            shapes[slot] = tensor.shape
        }
    }

    mutating func setInput(slot: Int, _ tensor: Tensor) {
        values[slot] = tensor.data
        shapes[slot] = tensor.shape
    }

    mutating func runAll() throws(EngineError) {
        for step in engine.plan.steps {
            try run(step)
            for slot in step.release { values[slot] = nil }
        }
    }

    func tensor(slot: Int) throws(EngineError) -> Tensor {
        let (data, shape) = try value(slot)
        do { return try Tensor(shape: shape, data: data) } catch { throw .shape(error) }
    }

    /// The value of a slot a step reads; a missing value would be a planning bug, reported, not trapped.
    func value(_ slot: Int) throws(EngineError) -> (data: [Float], shape: [Int]) {
        guard let data = values[slot], let shape = shapes[slot] else {
            throw .shape(.unknownTensor(node: "engine", tensor: engine.plan.slotNames[slot]))
        }
        return (data, shape)
    }

    /// The step's single input, moved out of its slot if nothing later reads it so that mutating it
    /// does not copy.
    mutating func takeInput(_ step: Step) throws(EngineError) -> [Float] {
        let slot = step.inputs[0]
        let data = try value(slot).data
        if step.release.contains(slot) && step.inputs.count == 1 { values[slot] = nil }
        return data
    }

    private mutating func run(_ step: Step) throws(EngineError) {
        let node = engine.network.nodes[step.node]
        var inShapes = [[Int]]()
        for slot in step.inputs { inShapes.append(try value(slot).shape) }
        var outShape: [Int]
        if case .computedEarlier(let input) = step.kernel {
            outShape = inShapes[input]
        } else {
            do { outShape = try ShapeInference.outputShape(of: node, inputShapes: inShapes) } catch { throw .shape(error) }
        }
        if engine.plan.batched[step.output] && outShape.first != batch {
            throw .batchAxisChanged(node: node.name, shape: outShape)
        }
        guard let outCount = Tensor.elementCount(outShape) else {
            throw .tooLarge("node '\(node.name)' would produce shape \(outShape)")
        }
        let parallel = parallelism
        let output: [Float]
        switch step.kernel {
        case .dense(let bias, let matrix):
            output = try dense(step, node: node, bias: bias, matrix: matrix, outCount: outCount)
        case .conv(let op, let matrix, let relu, let pool, let residual):
            output = try convolution(step, node: node, op: op, matrix: matrix, relu: relu, pool: pool,
                                     residual: try residual.map { (slot) throws(EngineError) in try value(slot).data },
                                     inShape: inShapes[0], outShape: outShape)
            if pool { outShape = [outShape[0], outShape[1], outShape[2] / 2, outShape[3] / 2] }
        case .affine(let scale, let shift):
            var x = try takeInput(step)
            let s = inShapes[0]
            x.withUnsafeMutableBufferPointer { x in
                Elementwise.affine(x, batch: s[0], channels: s[1], inner: s.dropFirst(2).reduce(1, *),
                                   scale: scale, shift: shift, parallel: parallel)
            }
            output = x
        case .activation(let activation):
            var x = try takeInput(step)
            x.withUnsafeMutableBufferPointer { Elementwise.apply(activation, to: $0, parallel: parallel) }
            output = x
        case .softmax(let axis):
            var x = try takeInput(step)
            let s = inShapes[0]
            let a = axis < 0 ? axis + s.count : axis
            x.withUnsafeMutableBufferPointer { x in
                Softmax.apply(x, outer: s[..<a].reduce(1, *), length: s[a], inner: s[(a + 1)...].reduce(1, *),
                              parallel: parallel)
            }
            output = x
        case .view:
            output = try takeInput(step)
        case .computedEarlier(let input):
            output = input == 0 ? try takeInput(step) : try value(step.inputs[input]).data
        default:
            output = try layoutKernel(step, inShapes: inShapes, outShape: outShape, outCount: outCount)
        }
        values[step.output] = output
        shapes[step.output] = outShape
    }
}

/// A float array whose every element the initializer writes, without zero-filling it first.
func uninitializedArray(_ count: Int, _ fill: (UnsafeMutableBufferPointer<Float>) -> Void) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        fill(buffer)
        initialized = count
    }
}

import NetworkModel

/// A group of ONNX nodes converted as one Imprint operation.
enum ONNXFusion: Sendable, Equatable {
    /// x·½·(1 + erf(x/√2)) → exact GELU of `x`, producing `output`.
    case gelu(x: String, output: String)
    /// x·sigmoid(x) → swish of `x` (emitted at the Mul).
    case swish(x: String)
    /// MatMul followed by the Add (node index) of a constant bias vector → one dense layer.
    case matMulBias(add: Int)
}

/// Finds the patterns exporters spell out node by node. Only intermediates read exactly once are fused,
/// so no tensor another node needs disappears.
struct ONNXFusionPlan {
    /// Node index → the fusion emitted in its place.
    private(set) var fused: [Int: ONNXFusion] = [:]
    /// Nodes absorbed into a fusion emitted elsewhere.
    private(set) var skipped: Set<Int> = []

    init(graph: ONNXGraph, uses: ONNXUses, literal: (String) -> Tensor?) throws(ImportError) {
        let nodes = graph.nodes
        func scalar(_ name: String, near value: Float) -> Bool {
            guard let t = literal(name), t.count == 1 else { return false }
            return abs(t.data[0] - value) <= 1e-4 * max(1, abs(value))
        }
        /// The input of binary node `n` other than `name`, when `name` is one of its two inputs.
        func other(_ n: ONNXNode, _ name: String) -> String? {
            guard n.inputs.count == 2 else { return nil }
            if n.inputs[0] == name { return n.inputs[1] }
            if n.inputs[1] == name { return n.inputs[0] }
            return nil
        }
        func reader(_ name: String, _ op: String) -> Int? {
            guard let r = uses.soleReader(name), nodes[r].opType == op, nodes[r].domain.isEmpty else { return nil }
            return r
        }
        func claim(_ group: [Int]) -> Bool {
            guard group.allSatisfy({ fused[$0] == nil && !skipped.contains($0) }) else { return false }
            return true
        }

        for (ie, erf) in nodes.enumerated() where erf.opType == "Erf" && erf.inputs.count == 1 {
            // erf's input: x / √2 or x · (1/√2), read only by the Erf.
            let d = erf.inputs[0]
            guard uses.soleReader(d) == ie, let ip = uses.producer[d], nodes[ip].inputs.count == 2 else { continue }
            let scale = nodes[ip]
            let x: String
            if scale.opType == "Div", scalar(scale.inputs[1], near: Float(2).squareRoot()) { x = scale.inputs[0] }
            else if scale.opType == "Mul", scalar(scale.inputs[1], near: Float(0.5).squareRoot()) { x = scale.inputs[0] }
            else if scale.opType == "Mul", scalar(scale.inputs[0], near: Float(0.5).squareRoot()) { x = scale.inputs[1] }
            else { continue }
            guard let e = erf.outputs.first, let ia = reader(e, "Add"), let one = other(nodes[ia], e),
                  scalar(one, near: 1), let a = nodes[ia].outputs.first, let im = reader(a, "Mul"),
                  let m = other(nodes[im], a), let mOut = nodes[im].outputs.first else { continue }
            var group = [ip, ie, ia, im]
            var final = im
            if m == x, let ih = reader(mOut, "Mul"), let half = other(nodes[ih], mOut), scalar(half, near: 0.5) {
                group.append(ih); final = ih                        // (x · (1 + erf)) · ½
            } else if scalar(m, near: 0.5), let ih = reader(mOut, "Mul"), other(nodes[ih], mOut) == x {
                group.append(ih); final = ih                        // ((1 + erf) · ½) · x
            } else if let ih = uses.producer[m], uses.soleReader(m) == im, nodes[ih].opType == "Mul",
                      let half = other(nodes[ih], x), scalar(half, near: 0.5) {
                group.append(ih)                                    // (x · ½) · (1 + erf)
            } else { continue }
            guard claim(group), let output = nodes[final].outputs.first else { continue }
            fused[final] = .gelu(x: x, output: output)
            for i in group where i != final { skipped.insert(i) }
        }

        for (isg, sigmoid) in nodes.enumerated() where sigmoid.opType == "Sigmoid" && sigmoid.inputs.count == 1 {
            guard let s = sigmoid.outputs.first, let im = reader(s, "Mul"), other(nodes[im], s) == sigmoid.inputs[0],
                  claim([isg, im]) else { continue }
            fused[im] = .swish(x: sigmoid.inputs[0])
            skipped.insert(isg)
        }

        for (imm, mm) in nodes.enumerated() where mm.opType == "MatMul" && mm.inputs.count == 2 {
            guard let w = literal(mm.inputs[1]), w.rank == 2, let out = mm.outputs.first,
                  let ia = reader(out, "Add"), let b = other(nodes[ia], out), b != out, let bias = literal(b),
                  bias.count == w.shape[1], bias.rank <= 2, bias.shape.dropLast().allSatisfy({ $0 == 1 }), claim([imm, ia]) else { continue }
            fused[imm] = .matMulBias(add: ia)
            skipped.insert(ia)
        }
    }
}

import NetworkModel

/// Folds inference batch norms into the matrix product before them, so the crossbar holds
/// W' = W·s and the digital bias becomes b' = (b − mean)·s + β, with s = γ/√(var + ε) per output.
///
/// Only a batch norm that is the sole consumer of a matrix product's output (and that output is not
/// a graph output) is folded: anything else reading the un-normalised tensor would change meaning.
/// A batch norm named in `keepDigital` stays as it is. Folded batch norms disappear from the
/// network; the matrix-product node takes over their output tensor name, so consumers are unchanged.
enum BatchNormFolding {
    static func fold(_ network: Network, keepDigital: Set<String>) throws(CompileError) -> Network {
        var consumers = [String: Int]()
        for node in network.nodes { for t in node.inputs { consumers[t, default: 0] += 1 } }
        let graphOutputs = Set(network.outputs)
        var producer = [String: Int]()
        for (i, node) in network.nodes.enumerated() { producer[node.output] = i }

        var nodes = network.nodes
        var removed = Set<Int>()
        for (i, node) in network.nodes.enumerated() {
            guard case .batchNorm(let bn) = node.operation, !keepDigital.contains(node.name),
                  node.inputs.count == 1, let p = producer[node.inputs[0]], !removed.contains(p),
                  consumers[node.inputs[0]] == 1, !graphOutputs.contains(node.inputs[0]) else { continue }
            // The batch norm normalises axis 1, which must be the matrix product's output axis.
            guard let shape = network.shapes[node.inputs[0]],
                  bn.variance.allSatisfy({ Double($0) + Double(bn.epsilon) > 0 }) else { continue }
            var target = nodes[p]
            switch target.operation {
            case .dense(var d):
                guard shape.count == 2, d.outputs == bn.channels else { continue }
                let s = scales(bn)
                var w = d.weight.data
                for r in 0..<d.inputs { for c in 0..<d.outputs { w[r * d.outputs + c] *= s[c] } }
                d.weight.data = w
                d.bias = try foldedBias(d.bias, bn: bn, scales: s)
                target.operation = .dense(d)
            case .conv2d(var c):
                guard c.outChannels == bn.channels else { continue }
                let s = scales(bn)
                let per = c.weight.count / max(c.outChannels, 1)
                var w = c.weight.data
                for o in 0..<c.outChannels { for j in 0..<per { w[o * per + j] *= s[o] } }
                c.weight.data = w
                c.bias = try foldedBias(c.bias, bn: bn, scales: s)
                target.operation = .conv2d(c)
            default:
                continue
            }
            target.output = node.output
            nodes[p] = target
            removed.insert(i)
        }
        guard !removed.isEmpty else { return network }
        let kept = nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        do {
            return try Network(name: network.name, inputs: network.inputs, outputs: network.outputs,
                               nodes: kept, constants: network.constants)
        } catch {
            throw .network(error.description)
        }
    }

    private static func scales(_ bn: BatchNormOp) -> [Float] {
        (0..<bn.channels).map { Float(Double(bn.scale[$0]) / (Double(bn.variance[$0]) + Double(bn.epsilon)).squareRoot()) }
    }

    private static func foldedBias(_ bias: Tensor?, bn: BatchNormOp, scales s: [Float]) throws(CompileError) -> Tensor {
        let b = (0..<bn.channels).map { c -> Float in
            let old = bias.map { Double($0.data[c]) } ?? 0
            return Float((old - Double(bn.mean[c])) * Double(s[c]) + Double(bn.bias[c]))
        }
        do { return try Tensor(shape: [bn.channels], data: b) } catch { throw .network(error.description) }
    }
}

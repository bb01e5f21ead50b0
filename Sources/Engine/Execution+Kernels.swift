import NetworkModel

/// Steps that write a fresh output of a different layout: pooling, reductions, transpose,
/// broadcasting arithmetic, concatenation.
extension Execution {
    func layoutKernel(_ step: Step, inShapes: [[Int]], outShape: [Int], outCount: Int) throws(EngineError) -> [Float] {
        let parallel = parallelism
        let node = engine.network.nodes[step.node]
        switch step.kernel {
        case .pool(let op):
            let x = try value(step.inputs[0]).data
            let s = inShapes[0]
            let p = op.padding.resolve(inputHW: (s[2], s[3]), kernel: (op.kernel[0], op.kernel[1]),
                                       stride: (op.strides[0], op.strides[1]), dilation: (op.dilations[0], op.dilations[1]))
            let height = WindowAxis(input: s[2], kernel: op.kernel[0], stride: op.strides[0], dilation: op.dilations[0],
                                    padBegin: p.top, padEnd: p.bottom, output: outShape[2])
            let width = WindowAxis(input: s[3], kernel: op.kernel[1], stride: op.strides[1], dilation: op.dilations[1],
                                   padBegin: p.left, padEnd: p.right, output: outShape[3])
            return x.withUnsafeBufferPointer { x in
                uninitializedArray(outCount) { y in
                    Pooling.pool2d(op, input: x, planes: s[0] * s[1], height: height, width: width,
                                   output: y, parallel: parallel)
                }
            }
        case .globalPool(let kind):
            let x = try value(step.inputs[0]).data
            let s = inShapes[0]
            return x.withUnsafeBufferPointer { x in
                uninitializedArray(outCount) { y in
                    Pooling.global(kind, input: x, planes: s[0] * s[1], inner: s.dropFirst(2).reduce(1, *),
                                   output: y, parallel: parallel)
                }
            }
        case .reduceMean(let axes):
            let x = try value(step.inputs[0]).data
            let s = inShapes[0]
            var reduced = [Bool](repeating: false, count: s.count)
            for axis in axes {
                do { reduced[try ShapeInference.normalise(axis, rank: s.count, node.name)] = true } catch { throw .shape(error) }
            }
            var y = [Float](repeating: 0, count: outCount)
            x.withUnsafeBufferPointer { x in
                y.withUnsafeMutableBufferPointer { y in
                    Reduction.mean(x, shape: s, reduced: reduced, into: y, parallel: parallel)
                }
            }
            return y
        case .transpose(let perm):
            let x = try value(step.inputs[0]).data
            return x.withUnsafeBufferPointer { x in
                uninitializedArray(outCount) { y in
                    Layout.transpose(x, shape: inShapes[0], perm: perm, into: y, parallel: parallel)
                }
            }
        case .binary(let op):
            var (acc, accShape) = try value(step.inputs[0])
            for (slot, shape) in zip(step.inputs.dropFirst(), inShapes.dropFirst()) {
                let b = try value(slot).data
                let resultShape: [Int]
                do { resultShape = try ShapeInference.broadcast(node.name, accShape, shape) } catch { throw .shape(error) }
                let layout = BroadcastLayout(output: resultShape, a: accShape, b: shape)
                acc = acc.withUnsafeBufferPointer { a in
                    b.withUnsafeBufferPointer { b in
                        uninitializedArray(resultShape.reduce(1, *)) { y in
                            Broadcast.apply(op, layout, a: a, b: b, into: y, parallel: parallel)
                        }
                    }
                }
                accShape = resultShape
            }
            return acc
        case .concat(let axis):
            let a = axis < 0 ? axis + outShape.count : axis
            let inner = outShape[(a + 1)...].reduce(1, *)
            var arrays = [[Float]]()
            for slot in step.inputs { arrays.append(try value(slot).data) }
            let blocks = inShapes.map { $0[a] * inner }
            return withBuffers(arrays) { inputs in
                uninitializedArray(outCount) { y in
                    Layout.concat(inputs, blockSizes: blocks, outer: outShape[..<a].reduce(1, *), into: y, parallel: parallel)
                }
            }
        default:
            throw .invalidArgument("node '\(node.name)' reached the wrong kernel dispatcher")
        }
    }
}

/// Lends buffers of several arrays at once (recursively nested `withUnsafeBufferPointer` calls).
private func withBuffers<R>(_ arrays: [[Float]], _ acc: [UnsafeBufferPointer<Float>] = [],
                            _ body: ([UnsafeBufferPointer<Float>]) -> R) -> R {
    if acc.count == arrays.count { return body(acc) }
    return arrays[acc.count].withUnsafeBufferPointer { withBuffers(arrays, acc + [$0], body) }
}

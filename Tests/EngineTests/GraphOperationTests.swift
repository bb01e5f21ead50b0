import Engine
import NetworkModel
import Testing

struct BroadcastCase: Sendable, CustomStringConvertible {
    var name: String
    var input: [Int]
    var constant: [Int]
    var constantFirst = false
    var description: String { name }
}

let broadcastCases: [BroadcastCase] = [
    BroadcastCase(name: "same shape", input: [3, 4, 5], constant: [1, 3, 4, 5]),
    BroadcastCase(name: "trailing vector", input: [3, 4, 5], constant: [5]),
    BroadcastCase(name: "per channel", input: [3, 4, 5], constant: [1, 3, 1, 1]),
    BroadcastCase(name: "per channel, rank 3 constant", input: [3, 4, 5], constant: [3, 1, 1], constantFirst: true),
    BroadcastCase(name: "middle column", input: [3, 4, 5], constant: [4, 1]),
    BroadcastCase(name: "scalar", input: [3, 4, 5], constant: []),
    BroadcastCase(name: "input broadcast up", input: [1, 5], constant: [3, 5], constantFirst: true),
    BroadcastCase(name: "features", input: [6], constant: [1, 6]),
]

@Suite struct GraphOperationTests {
    static let operators: [(Operation, @Sendable (Float, Float) -> Float)] = [
        (.add, { $0 + $1 }), (.sub, { $0 - $1 }), (.mul, { $0 * $1 }), (.div, { $0 / $1 }),
    ]

    @Test(arguments: broadcastCases, 0..<4)
    func broadcastingWithConstant(_ c: BroadcastCase, _ opIndex: Int) throws {
        let (op, f) = Self.operators[opIndex]
        var constant = try randomTensor(c.constant, seed: 81)
        constant.data = constant.data.map { $0 + ($0 >= 0 ? 0.5 : -0.5) }  // away from zero for div
        let x = try randomTensor([2] + c.input, seed: 82)
        let network = try Network(
            name: "t", inputs: [NetworkInput(name: "x", shape: c.input)], outputs: ["y"],
            nodes: [Node(name: "op", operation: op, inputs: c.constantFirst ? ["c", "x"] : ["x", "c"], output: "y")],
            constants: ["c": constant])
        let expected = c.constantFirst ? try Reference.broadcast(constant, x, f) : try Reference.broadcast(x, constant, f)
        expectClose(try runNetwork(network, x), expected)
    }

    @Test func broadcastingBetweenInputsAndThreeOperandAdd() throws {
        let network = try Network(
            name: "t", inputs: [NetworkInput(name: "a", shape: [3, 1, 5]), NetworkInput(name: "b", shape: [1, 4, 1])],
            outputs: ["y"],
            nodes: [Node(name: "add", operation: .add, inputs: ["a", "b", "a"], output: "y")])
        let a = try randomTensor([2, 3, 1, 5], seed: 91), b = try randomTensor([2, 1, 4, 1], seed: 92)
        let y = try InferenceEngine(network: network).run(inputs: ["a": a, "b": b])
        let expected = try Reference.broadcast(try Reference.broadcast(a, b, +), a, +)
        expectClose(try #require(y["y"]), expected)
    }

    @Test(arguments: [(1, [2, 3]), (2, [1, 3]), (3, [4, 2]), (-1, [1, 1])])
    func concatAlongAxis(_ c: (axis: Int, sizes: [Int])) throws {
        let base = [2, 3, 4]
        let a = c.axis < 0 ? base.count + c.axis : c.axis - 1
        var shapeA = base, shapeB = base
        shapeA[a] = c.sizes[0]; shapeB[a] = c.sizes[1]
        let network = try Network(
            name: "t", inputs: [NetworkInput(name: "a", shape: shapeA), NetworkInput(name: "b", shape: shapeB)],
            outputs: ["y"], nodes: [Node(name: "cat", operation: .concat(axis: c.axis), inputs: ["a", "b"], output: "y")])
        let ta = try randomTensor([2] + shapeA, seed: 101), tb = try randomTensor([2] + shapeB, seed: 102)
        let y = try #require(try InferenceEngine(network: network).run(inputs: ["a": ta, "b": tb])["y"])
        // Reference: each output index picks from a or b by its coordinate on the axis.
        let axis = a + 1
        var outShape = [2] + shapeA
        outShape[axis] += shapeB[a]
        var data = [Float]()
        let sa = referenceStrides(ta.shape), sb = referenceStrides(tb.shape)
        for i in 0..<outShape.reduce(1, *) {
            var index = referenceIndex(i, outShape)
            if index[axis] < ta.shape[axis] {
                data.append(ta.data[zip(index, sa).map(*).reduce(0, +)])
            } else {
                index[axis] -= ta.shape[axis]
                data.append(tb.data[zip(index, sb).map(*).reduce(0, +)])
            }
        }
        #expect(y == (try Tensor(shape: outShape, data: data)))
    }

    @Test(arguments: [[0, 2, 3, 1], [0, 3, 1, 2], [0, 1, 3, 2], [0, 3, 2, 1], [0, 1, 2, 3]])
    func transposeByDefinition(_ perm: [Int]) throws {
        let network = try singleNodeNetwork(.transpose(perm: perm), input: [2, 3, 4])
        let x = try randomTensor([2, 2, 3, 4], seed: 111)
        #expect(try runNetwork(network, x) == (try Reference.transpose(x, perm: perm)))
    }

    @Test(arguments: [([0, -1], [24]), ([0, 4, -1], [4, 6]), ([-1, 6, 4], [6, 4]), ([0, 0, 12], [2, 12])])
    func reshapeCopiesZerosAndInfersMinusOne(_ c: (target: [Int], sample: [Int])) throws {
        let network = try singleNodeNetwork(.reshape(shape: c.target), input: [2, 3, 4])
        let x = try randomTensor([5, 2, 3, 4], seed: 121)
        let y = try runNetwork(network, x)
        #expect(y.shape == [5] + c.sample)
        #expect(y.data == x.data)
    }

    @Test func flattenAndIdentity() throws {
        let network = try Network(
            name: "t", inputs: [NetworkInput(name: "x", shape: [2, 3, 4])], outputs: ["y"],
            nodes: [Node(name: "f", operation: .flatten(axis: 1), inputs: ["x"], output: "f"),
                    Node(name: "i", operation: .identity, inputs: ["f"], output: "y")])
        let x = try randomTensor([3, 2, 3, 4], seed: 131)
        let y = try runNetwork(network, x)
        #expect(y.shape == [3, 24])
        #expect(y.data == x.data)
    }

    @Test(arguments: [([2, 3], true), ([2, 3], false), ([1], true), ([-1], false), ([1, 3], false)])
    func reduceMean(_ c: (axes: [Int], keep: Bool)) throws {
        let network = try singleNodeNetwork(.reduceMean(axes: c.axes, keepDims: c.keep), input: [3, 4, 5])
        let x = try randomTensor([2, 3, 4, 5], seed: 141)
        let axes = Set(c.axes.map { $0 < 0 ? $0 + 4 : $0 })
        let keptShape = x.shape.indices.map { axes.contains($0) ? 1 : x.shape[$0] }
        var sums = [Double](repeating: 0, count: keptShape.reduce(1, *))
        let keptStrides = referenceStrides(keptShape)
        for i in 0..<x.count {
            let index = referenceIndex(i, x.shape)
            let o = index.indices.map { axes.contains($0) ? 0 : index[$0] * keptStrides[$0] }.reduce(0, +)
            sums[o] += Double(x.data[i])
        }
        let count = Double(axes.map { x.shape[$0] }.reduce(1, *))
        let outShape = c.keep ? keptShape : x.shape.indices.filter { !axes.contains($0) }.map { x.shape[$0] }
        expectClose(try runNetwork(network, x), try Tensor(shape: outShape, data: sums.map { Float($0 / count) }))
    }

    @Test func reshapeAcrossTheBatchAxisIsRejected() throws {
        let network = try singleNodeNetwork(.reshape(shape: [-1]), input: [2, 3])
        #expect(throws: EngineError.batchAxisChanged(node: "op", shape: [12])) {
            try runNetwork(network, try randomTensor([2, 2, 3], seed: 1))
        }
    }
}

import Testing
@testable import NetworkModel

@Suite struct NetworkTests {
    func dense(_ i: Int, _ o: Int) throws -> DenseOp {
        DenseOp(weight: try Tensor(shape: [i, o], data: (0..<(i * o)).map { Float($0) / 10 }), bias: nil)
    }

    @Test func infersShapesThroughConvAndDense() throws {
        let conv = Conv2DOp(weight: Tensor(shape: [8, 1, 3, 3]), bias: Tensor(shape: [8]), padding: .sameUpper)
        let pool = Pool2DOp(kind: .max, kernel: [2, 2], strides: [2, 2])
        let net = try Network(name: "t", inputs: [NetworkInput(name: "x", shape: [1, 28, 28])], outputs: ["y"], nodes: [
            Node(name: "fc", operation: .dense(try dense(8 * 14 * 14, 10)), inputs: ["f"], output: "y"),
            Node(name: "conv", operation: .conv2d(conv), inputs: ["x"], output: "c"),
            Node(name: "pool", operation: .pool2d(pool), inputs: ["c"], output: "p"),
            Node(name: "flat", operation: .flatten(axis: 1), inputs: ["p"], output: "f"),
        ])
        #expect(net.nodes.map(\.name) == ["conv", "pool", "flat", "fc"])
        #expect(net.shapes["c"] == [1, 8, 28, 28])
        #expect(net.shapes["p"] == [1, 8, 14, 14])
        #expect(net.shapes["y"] == [1, 10])
        #expect(net.matrixNodes.count == 2)
        #expect(net.nodes[0].crossbarMatrix == CrossbarMatrix(rows: 9, columns: 8, groups: 1))
    }

    @Test func rejectsDanglingTensorsCyclesAndNaN() throws {
        let x = NetworkInput(name: "x", shape: [4])
        #expect(throws: NetworkError.unknownTensor(node: "a", tensor: "nope")) {
            try Network(name: "t", inputs: [x], outputs: ["y"], nodes: [
                Node(name: "a", operation: .identity, inputs: ["nope"], output: "y")])
        }
        #expect(throws: NetworkError.self) {
            try Network(name: "t", inputs: [x], outputs: ["b"], nodes: [
                Node(name: "a", operation: .add, inputs: ["x", "b"], output: "a"),
                Node(name: "b", operation: .add, inputs: ["x", "a"], output: "b")])
        }
        var d = try dense(4, 2)
        d.weight.data[3] = .nan
        #expect(throws: NetworkError.nonFiniteParameter(node: "fc", parameter: "kernel")) {
            try Network(name: "t", inputs: [x], outputs: ["y"], nodes: [
                Node(name: "fc", operation: .dense(d), inputs: ["x"], output: "y")])
        }
        #expect(throws: NetworkError.self) {
            try Network(name: "t", inputs: [x], outputs: ["y"], nodes: [
                Node(name: "fc", operation: .dense(try dense(5, 2)), inputs: ["x"], output: "y")])
        }
    }

    @Test(arguments: [
        (Padding2D.sameUpper, 5, 3, 2, (1, 1, 1, 1)),
        (Padding2D.sameUpper, 6, 3, 2, (0, 0, 1, 1)),
        (Padding2D.sameLower, 6, 3, 2, (1, 1, 0, 0)),
    ])
    func samePadding(padding: Padding2D, size: Int, k: Int, s: Int, expected: (Int, Int, Int, Int)) {
        let p = padding.resolve(inputHW: (size, size), kernel: (k, k), stride: (s, s), dilation: (1, 1))
        #expect(p.top == expected.0 && p.left == expected.1 && p.bottom == expected.2 && p.right == expected.3)
    }

    @Test func transposeMatchesIndexFormula() throws {
        let t = try Tensor(shape: [2, 3, 4], data: (0..<24).map(Float.init))
        let u = try t.transposed([2, 0, 1])
        #expect(u.shape == [4, 2, 3])
        for a in 0..<2 { for b in 0..<3 { for c in 0..<4 {
            #expect(u.data[c * 6 + a * 3 + b] == t.data[a * 12 + b * 4 + c])
        } } }
    }

    @Test func reshapeCopiesZeroAndInfersMinusOne() throws {
        #expect(try ShapeInference.reshape("r", [5, 3, 4], [0, -1]) == [5, 12])
        #expect(throws: NetworkError.self) { try ShapeInference.reshape("r", [5, 3, 4], [0, 7]) }
    }
}

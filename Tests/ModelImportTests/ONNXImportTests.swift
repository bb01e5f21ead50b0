import Foundation
import Testing
import NetworkModel
@testable import ModelImport
import TestSupport

/// Structural checks of the numeric ONNX fixtures (examples/make_onnx_fixtures.py).
@Suite struct ONNXImportTests {
    static let folder = Fixtures.examples.appendingPathComponent("fixtures/onnx")

    static func load(_ name: String) throws -> Network {
        try ONNXImporter.load(folder.appendingPathComponent("\(name).onnx"))
    }

    static func kinds(_ n: Network) -> [String] { n.nodes.map(\.operation.kindName) }

    /// Every numeric fixture imports, with its input shape and expected operation kinds.
    @Test(arguments: [
        ("gemm", [4], ["Dense", "ReLU", "Dense"]),
        ("matmul_add", [6], ["Dense", "Tanh", "Dense", "Softmax"]),
        ("matmul_shared", [4], ["Dense", "Add", "Mul"]),
        ("conv_variants", [3, 11, 10], ["Conv2D", "Conv2D", "GroupConv2D", "DepthwiseConv2D", "Conv2D"]),
        ("bn_activations", [2, 5, 5], ["Conv2D", "BatchNorm", "LeakyReLU", "Clip", "ELU", "HardSigmoid", "Mul", "Softplus", "Clip"]),
        ("clip_opset10", [4], ["Clip", "Dense", "ReLU6"]),
        ("pools", [3, 11, 9], ["MaxPool2D", "AvgPool2D", "AvgPool2D", "MaxPool2D", "GlobalAvgPool", "GlobalMaxPool", "Add", "Flatten"]),
        ("pools_autopad", [2, 7, 8], ["AvgPool2D", "MaxPool2D"]),
        ("reducemean_13", [2, 3, 4], ["ReduceMean", "Sub", "ReduceMean"]),
        ("reducemean_18", [2, 3, 4], ["ReduceMean", "Div", "ReduceMean"]),
        ("softmax_11_coerced", [2, 3, 4], ["Reshape", "Softmax", "Reshape"]),
        ("softmax_11_last", [4], ["Dense", "Softmax"]),
        ("gelu_erf", [4], ["Dense", "GELU", "Dense", "GELU", "Swish"]),
        ("gelu_20", [4], ["Dense", "GELU"]),
        ("shape_ops", [2, 3, 3], ["Reshape", "Add", "Reshape", "Transpose", "Reshape", "Sub", "Concat", "Div"]),
        ("elementwise", [2, 3, 3], ["Conv2D", "Sigmoid", "Mul", "Sub", "Div", "Concat", "Transpose", "Flatten"]),
        ("external_data", [8], ["Dense", "ReLU"]),
        ("torch_cnn_opset13", [1, 8, 8], ["Conv2D", "ReLU", "MaxPool2D", "GroupConv2D", "ReLU6", "GlobalAvgPool", "Flatten", "Dense", "Softmax"]),
        ("torch_cnn_opset17", [1, 8, 8], ["Conv2D", "ReLU", "MaxPool2D", "GroupConv2D", "ReLU6", "GlobalAvgPool", "Flatten", "Dense", "Softmax"]),
        ("torch_mlp_opset13", [3, 4], ["Flatten", "Dense", "GELU", "Dense", "Swish", "Dense"]),
        ("torch_mlp_opset17", [3, 4], ["Flatten", "Dense", "GELU", "Dense", "Swish", "Dense"]),
        ("keras_cnn_tf2onnx", [6, 6, 2], ["Transpose", "Conv2D", "ReLU", "Mul", "Add", "MaxPool2D", "Transpose", "Reshape", "Dense", "Softmax"]),
    ])
    func fixtureImports(name: String, inputShape: [Int], expected: [String]) throws {
        let network = try Self.load(name)
        #expect(network.inputs.count == 1)
        #expect(network.inputs.first?.shape == inputShape)
        #expect(network.inputs.first?.sourceLayout == .nchw)
        #expect(Self.kinds(network) == expected)
    }

    @Test func gemmFoldsTransposeAlphaAndBeta() throws {
        let network = try Self.load("gemm")
        guard case .dense(let fc1) = network.nodes[0].operation, case .dense(let fc2) = network.nodes[2].operation else {
            Issue.record("expected dense layers"); return
        }
        #expect(network.nodes[0].name == "fc1")
        // W1 is [5, 4] with transB = 1: stored as [in 4, out 5], scaled by alpha 0.5; C scaled by beta 2.
        #expect(fc1.weight.shape == [4, 5])
        #expect(fc1.bias?.shape == [5])
        #expect(fc2.weight.shape == [5, 3])
        #expect(fc2.bias == nil)
        // Compare with the file's own initializers: W1ᵀ·alpha, C1·beta, W2·1.5.
        let bytes = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent("gemm.onnx")))
        let initializers = try #require(ONNXModel.parse(bytes)?.graph?.initializers)
        func raw(_ name: String) -> [Float] {
            let t = initializers.first { $0.name == name }
            return t?.rawData.map { b in stride(from: 0, to: b.count, by: 4).map { i in
                Float(bitPattern: UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24) } } ?? []
        }
        let w1 = raw("W1"), c1 = raw("C1"), w2 = raw("W2")
        for i in 0..<4 { for o in 0..<5 { #expect(fc1.weight.data[i * 5 + o] == 0.5 * w1[o * 4 + i]) } }
        #expect(fc1.bias?.data == c1.map { 2 * $0 })
        #expect(fc2.weight.data == w2.map { 1.5 * $0 })
        #expect(network.shapes[network.outputs[0]] == [1, 3])
    }

    @Test func matMulAddBecomesDenseBiasOnlyWhenSoleReader() throws {
        let fused = try Self.load("matmul_add")
        for node in fused.nodes.prefix(3) where node.operation.kindName == "Dense" {
            guard case .dense(let d) = node.operation else { continue }
            #expect(d.bias != nil)
        }
        #expect(fused.constants.isEmpty)
        let shared = try Self.load("matmul_shared")
        guard case .dense(let d) = shared.nodes[0].operation else { Issue.record("expected dense"); return }
        #expect(d.bias == nil)
        #expect(shared.constants["b1"]?.shape == [3])
    }

    @Test func convAttributesAreKept() throws {
        let network = try Self.load("conv_variants")
        let convs = network.nodes.compactMap { n -> Conv2DOp? in if case .conv2d(let c) = n.operation { return c } else { return nil } }
        #expect(convs.map(\.padding) == [.sameUpper, .sameLower, .explicit(top: 1, left: 2, bottom: 2, right: 1),
                                         .explicit(top: 1, left: 1, bottom: 1, right: 1), .valid])
        #expect(convs[0].strides == [2, 2])
        #expect(convs[2].group == 2 && convs[2].dilations == [2, 2])
        #expect(convs[3].group == 4)
        #expect(convs[4].strides == [1, 2])
    }

    @Test func poolAttributesAreKept() throws {
        let network = try Self.load("pools")
        let pools = network.nodes.compactMap { n -> Pool2DOp? in if case .pool2d(let p) = n.operation { return p } else { return nil } }
        #expect(pools[0].ceilMode && pools[0].kind == .max)
        #expect(pools[1].countIncludePad && !pools[1].ceilMode)
        #expect(!pools[2].countIncludePad && pools[2].ceilMode)
        #expect(pools[3].dilations == [2, 2])
    }

    @Test func clipBoundsFromInputsAndAttributes() throws {
        let bn = try Self.load("bn_activations")
        let clips = bn.nodes.compactMap { n -> Activation? in if case .activation(let a) = n.operation, case .clip = a { return a } else { return nil } }
        #expect(clips == [.clip(min: -0.5, max: 1.5), .clip(min: -.infinity, max: 1.5)])
        let old = try Self.load("clip_opset10")
        #expect(old.nodes.first?.operation == .activation(.clip(min: -0.3, max: 0.8)))
    }

    @Test(arguments: [("reducemean_13", [3], [1, 2, 3]), ("reducemean_18", [1], [1, 3, 4])])
    func reduceMeanBothForms(name: String, lastAxes: [Int], outputShape: [Int]) throws {
        let network = try Self.load(name)
        #expect(network.nodes[0].operation == .reduceMean(axes: [2, 3], keepDims: true))
        #expect(network.nodes[2].operation == .reduceMean(axes: lastAxes, keepDims: false))
        #expect(network.shapes[network.outputs[0]] == outputShape)
    }

    @Test func shapeArithmeticFoldsToBatchCopyingReshape() throws {
        let network = try Self.load("shape_ops")
        #expect(network.nodes[0].operation == .reshape(shape: [0, 18]))
        #expect(network.constants["ones"] == Tensor(shape: [18], repeating: 0.25))
        #expect(network.shapes[network.outputs[0]] == [1, 36])
        // tf2onnx's Shape → Gather → Cast → Slice → Concat → Cast chain.
        let keras = try Self.load("keras_cnn_tf2onnx")
        #expect(keras.nodes.contains { $0.operation == .reshape(shape: [0, -1]) || $0.operation == .reshape(shape: [0, 36]) })
        #expect(keras.nodes.first?.operation == .transpose(perm: [0, 3, 1, 2]))
    }

    @Test func oldSoftmaxIsLoweredFaithfully() throws {
        let network = try Self.load("softmax_11_coerced")
        #expect(network.nodes.map(\.operation) == [.reshape(shape: [0, 1, 24]), .softmax(axis: 2), .reshape(shape: [0, 2, 3, 4])])
        #expect(network.outputs == ["y"])
    }

    @Test func geluAndSwishAreFused() throws {
        let network = try Self.load("gelu_erf")
        #expect(network.nodes[1].operation == .activation(.gelu(approximateTanh: false)))
        #expect(network.nodes[4].operation == .activation(.swish))
        #expect(network.constants.isEmpty)
        let mlp = try Self.load("torch_mlp_opset13")
        #expect(mlp.nodes.contains { $0.operation == .activation(.gelu(approximateTanh: false)) })
    }

    @Test func externalDataIsRead() throws {
        let network = try Self.load("external_data")
        guard case .dense(let d) = network.nodes[0].operation else { Issue.record("expected dense"); return }
        #expect(d.weight.shape == [8, 6])
        #expect(d.weight.data.contains { $0 != 0 })
    }

    @Test func torchExportKeepsDynamicBatch() throws {
        let network = try Self.load("torch_cnn_opset13")
        #expect(network.inputs[0].name == "input")
        #expect(network.outputs == ["output"])
        #expect(network.shapes["output"] == [1, 5])
        #expect(network.nodes[0].name == "/0/Conv")
    }

    @Test func halfPrecisionConverts() {
        #expect(halfToFloat(0x3C00) == 1)
        #expect(halfToFloat(0xC000) == -2)
        #expect(halfToFloat(0x0001) == Float(sign: .plus, exponent: -24, significand: 1))
        #expect(halfToFloat(0x7C00) == .infinity)
        #expect(halfToFloat(0x7E00).isNaN)
    }
}

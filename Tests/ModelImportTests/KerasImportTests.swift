import Foundation
import HDF5Support
import ModelImport
import NetworkModel
import Testing
import TestSupport

/// Structure of the networks imported from the committed Keras fixtures (numbers are checked
/// against Keras by the conformance tests).
@Suite struct KerasImportTests {
    static let dir = Fixtures.examples.appendingPathComponent("fixtures/keras")
    static func url(_ name: String) -> URL { dir.appendingPathComponent(name) }

    /// Every model fixture with the architecture it needs, loaded through ModelLoader's dispatch.
    static let models: [(String, String?)] = [
        ("mlp_k2.h5", nil), ("cnn_k2.h5", nil), ("branches_k2.h5", nil), ("activations_k2.h5", nil),
        ("flatten_mix_k2.h5", nil), ("nested_k2.h5", nil),
        ("mlp_k3.h5", nil), ("cnn_k3.h5", nil), ("branches_k3.h5", nil), ("activations_k3.h5", nil),
        ("flatten_mix_k3.h5", nil), ("nested_k3.h5", nil),
        ("mlp_k3.keras", nil), ("cnn_k3.keras", nil), ("branches_k3.keras", nil), ("activations_k3.keras", nil),
        ("flatten_mix_k3.keras", nil), ("nested_k3.keras", nil),
        ("mlp_k3w.weights.h5", "mlp_k3w.config.json"), ("cnn_k3w.weights.h5", "cnn_k3w.config.json"),
        ("branches_k3w.weights.h5", "branches_k3w.config.json"), ("cnn_k3w.weights.h5", "cnn_k3.keras"),
    ]

    static func load(_ name: String, _ architecture: String? = nil) throws -> Network {
        try ModelLoader.load(url(name), architecture: architecture.map(url))
    }

    /// Shape from a `.npy` header ("'shape': (3, 10, 10, 3)").
    static func npyShape(_ url: URL) throws -> [Int] {
        let head = String(decoding: try Data(contentsOf: url).prefix(256), as: UTF8.self)
        guard let open = head.range(of: "'shape': ("), let close = head[open.upperBound...].firstIndex(of: ")") else { return [] }
        return head[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    static func stem(_ name: String) -> String {
        for suffix in [".weights.h5", ".h5", ".keras"] where name.hasSuffix(suffix) { return String(name.dropLast(suffix.count)) }
        return name
    }

    static func node(_ n: Network, _ name: String) -> Node? { n.nodes.first { $0.name == name } }

    @Test(arguments: models)
    func loadsWithShapesMatchingKerasData(_ name: String, _ architecture: String?) throws {
        let network = try Self.load(name, architecture)
        let stem = Self.stem(name)
        let inShape = try Self.npyShape(Self.url(stem + ".in.npy"))
        let outShape = try Self.npyShape(Self.url(stem + ".out.npy"))
        #expect(network.inputs.count == 1 && network.outputs.count == 1)
        let input = try #require(network.inputs.first)
        if inShape.count == 4 {
            #expect(input.sourceLayout == .nhwc)
            #expect(input.shape == [inShape[3], inShape[1], inShape[2]])
        } else {
            #expect(input.shape == Array(inShape.dropFirst()))
        }
        #expect(network.sampleShape(of: network.outputs[0]) == Array(outShape.dropFirst()))
    }

    @Test func mlpKeras2Structure() throws {
        let n = try Self.load("mlp_k2.h5")
        #expect(n.name == "mlp")
        #expect(n.nodes.map(\.operation.kindName) == ["Dense", "ReLU", "Dense", "Tanh", "BatchNorm", "Dense", "Softmax"])
        guard case .dense(let fc2)? = Self.node(n, "fc2")?.operation else { Issue.record("no fc2"); return }
        #expect(fc2.bias == nil && fc2.weight.shape == [16, 8])
    }

    @Test func keras2AndKeras3ImportTheSameGraph() throws {
        for model in ["mlp", "cnn", "branches", "flatten_mix", "nested"] {
            let k2 = try Self.load(model + "_k2.h5")
            let k3 = try Self.load(model + "_k3.h5")
            let archive = try Self.load(model + "_k3.keras")
            #expect(k2.nodes.map(\.operation.kindName) == k3.nodes.map(\.operation.kindName), "\(model)")
            #expect(k3.nodes == archive.nodes, "\(model): legacy .h5 and .keras differ")
        }
    }

    /// Keras flattens images in (h, w, c) order; the importer flattens NCHW in (c, h, w) order and
    /// permutes the Dense kernel rows to match, with no transpose at run time.
    @Test(arguments: [("cnn_k2.h5", "/model_weights/fc/fc/kernel:0"), ("cnn_k3.h5", "/model_weights/fc/cnn/fc/kernel")])
    func flattenThenDensePermutesKernelRows(_ name: String, _ kernelPath: String) throws {
        let n = try Self.load(name)
        #expect(!n.nodes.contains { if case .transpose = $0.operation { return true }; return false })
        guard case .dense(let fc)? = Self.node(n, "fc")?.operation,
              let flatIn = Self.node(n, "flat")?.inputs.first, let image = n.sampleShape(of: flatIn) else {
            Issue.record("no fc/flat"); return
        }
        let (c, h, w) = (image[0], image[1], image[2])
        let keras = try HDF5File(reading: Self.url(name)).readArray(path: kernelPath)
        let outs = fc.outputs
        #expect(keras.shape == [h * w * c, outs])
        for ci in 0..<c { for hi in 0..<h { for wi in 0..<w { for o in 0..<outs {
            let ours = fc.weight.data[((ci * h + hi) * w + wi) * outs + o]
            let theirs = keras.values[((hi * w + wi) * c + ci) * outs + o]
            #expect(ours == theirs)
        } } } }
    }

    /// Keras' depthwise output channel c·M + m must read kernel[:, :, c, m].
    @Test func depthwiseChannelOrder() throws {
        let n = try Self.load("cnn_k2.h5")
        guard case .conv2d(let dw)? = Self.node(n, "dw")?.operation else { Issue.record("no dw"); return }
        let keras = try HDF5File(reading: Self.url("cnn_k2.h5")).readArray(path: "/model_weights/dw/dw/depthwise_kernel:0")
        let (kh, kw, cin, m) = (keras.shape[0], keras.shape[1], keras.shape[2], keras.shape[3])
        #expect(dw.group == cin && dw.weight.shape == [cin * m, 1, kh, kw])
        for ci in 0..<cin { for mi in 0..<m { for i in 0..<kh { for j in 0..<kw {
            #expect(dw.weight.data[((ci * m + mi) * kh + i) * kw + j] == keras.values[((i * kw + j) * cin + ci) * m + mi])
        } } } }
    }

    @Test func convolutionAttributes() throws {
        let n = try Self.load("cnn_k3.keras")
        guard case .conv2d(let same)? = Self.node(n, "conv_same")?.operation,
              case .conv2d(let strided)? = Self.node(n, "conv_stride")?.operation,
              case .conv2d(let dilated)? = Self.node(n, "conv_dil")?.operation,
              case .pool2d(let avg)? = Self.node(n, "avg_same")?.operation else { Issue.record("missing nodes"); return }
        #expect(same.padding == .sameUpper && same.weight.shape == [4, 3, 3, 3])
        #expect(strided.strides == [2, 1] && strided.padding == .valid && strided.kernel == [3, 2])
        #expect(dilated.dilations == [2, 2])
        #expect(avg.kind == .average && avg.padding == .sameUpper && !avg.countIncludePad && avg.strides == [2, 2])
    }

    @Test func branchesUseChannelAxes() throws {
        let n = try Self.load("branches_k3.keras")
        let kinds = Set(n.nodes.map(\.operation.kindName))
        for k in ["Add", "Sub", "Mul", "Concat", "GroupConv2D", "ReduceMean", "GlobalMaxPool", "LeakyReLU", "ReLU6", "ELU"] {
            #expect(kinds.contains(k), "\(k) missing")
        }
        #expect(Self.node(n, "concat")?.operation == .concat(axis: 1))
        guard case .conv2d(let g)? = Self.node(n, "grouped")?.operation else { Issue.record("no grouped conv"); return }
        #expect(g.group == 2)
    }

    @Test func flattenIntoNonDenseAndReshapeUseTransposes() throws {
        let n = try Self.load("flatten_mix_k2.h5")
        let transposes = n.nodes.filter { if case .transpose = $0.operation { return true }; return false }
        #expect(transposes.count >= 3)
    }

    @Test func nestedModelLayersArePrefixed() throws {
        for name in ["nested_k2.h5", "nested_k3.h5", "nested_k3.keras"] {
            let n = try Self.load(name)
            #expect(Self.node(n, "inner/inner_fc") != nil, "\(name)")
        }
    }

    @Test func hardSigmoidFollowsTheKerasVersion() throws {
        let k2 = try Self.load("activations_k2.h5")
        let k3 = try Self.load("activations_k3.keras")
        #expect(Self.node(k2, "act_hard_sigmoid")?.operation == .activation(.hardSigmoid(alpha: 0.2, beta: 0.5)))
        #expect(Self.node(k3, "act_hard_sigmoid")?.operation == .activation(.hardSigmoid(alpha: 1.0 / 6.0, beta: 0.5)))
        #expect(Self.node(k3, "act_gelu")?.operation == .activation(.gelu(approximateTanh: false)))
        #expect(Self.node(k3, "relu_max")?.operation == .activation(.clip(min: 0, max: 0.5)))
    }
}

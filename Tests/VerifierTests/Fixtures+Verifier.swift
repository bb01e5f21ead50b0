import Compiler
import Datasets
import Devices
import Foundation
import ModelImport
import NetworkModel
import Plan
import TestSupport
import Verifier

/// Small plans and data shared by the verifier tests, compiled once per process.
enum VerifierFixtures {
    static func compile(_ n: Network, _ device: DeviceSpec = .pcm, _ o: CompileOptions = CompileOptions()) throws -> Plan {
        try PlanCompiler.compile(n, device: device, options: o, source: SourceModel(fileName: "test", sha256: ""), toolVersion: "test")
    }

    static func dense(inputs: Int, outputs: Int, seed: UInt64 = 1) throws -> Network {
        var rng = SplitMix64(seed: seed)
        let w = try Tensor(shape: [inputs, outputs], data: (0..<(inputs * outputs)).map { _ in Float.random(in: -1...1, using: &rng) })
        let b = try Tensor(shape: [outputs], data: (0..<outputs).map { _ in Float.random(in: -0.1...0.1, using: &rng) })
        return try Network(name: "dense", inputs: [NetworkInput(name: "x", shape: [inputs])], outputs: ["y"],
                           nodes: [Node(name: "fc", operation: .dense(DenseOp(weight: w, bias: b)), inputs: ["x"], output: "y")])
    }

    static func conv(inChannels: Int, outChannels: Int, kernel: Int, group: Int, size: Int = 6,
                     padding: Padding2D = .valid, seed: UInt64 = 2) throws -> Network {
        var rng = SplitMix64(seed: seed)
        let shape = [outChannels, inChannels / group, kernel, kernel]
        let w = try Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &rng) })
        let op = Conv2DOp(weight: w, bias: nil, padding: padding, group: group)
        return try Network(name: "conv", inputs: [NetworkInput(name: "x", shape: [inChannels, size, size])], outputs: ["y"],
                           nodes: [Node(name: "conv", operation: .conv2d(op), inputs: ["x"], output: "y")])
    }

    static func options(_ pairs: PairMode, _ scale: ScaleMode = .layer, clip: ClipMode = .max) -> CompileOptions {
        var o = CompileOptions()
        o.pairs = pairs; o.scale = scale; o.clip = clip
        o.tileRows = 7; o.tileColumns = 5
        return o
    }

    /// The bundled PyTorch CNN compiled for PCM.
    static let cnnPlan: Result<Plan, Error> = Result {
        try compile(try ModelLoader.load(Fixtures.models.appendingPathComponent("fmnist_cnn_torch.onnx")))
    }

    static let fashion: Result<Dataset, Error> = Result { try DatasetLoader.load("fashion-mnist") }

    static func fashion(_ n: Int) throws -> Dataset { try fashion.get().prefix(n) }

    /// The training set, where calibration samples come from, loaded once.
    static let fashionTrain: Result<Dataset, Error> = Result { try DatasetLoader.load("fashion-mnist:train") }

    static func fashionTrain(_ n: Int) throws -> Dataset { try fashionTrain.get().prefix(n) }
}

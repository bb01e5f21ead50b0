import Datasets
import Engine
import FileSupport
import Foundation
import NetworkModel

/// Streams a data set through the digital engine in batches: accuracy, optional outputs file.
struct DigitalInference {
    struct Result {
        var samples: Int
        var correct: Int?
        var accuracy: Double?
        var outputsPerSample: Int
        var seconds: Double
    }

    let network: Network
    let engine: InferenceEngine

    init(network: Network, threads: Int?) throws {
        self.network = network
        var options = InferenceEngine.Options()
        if let threads { options.threads = threads }
        self.engine = try InferenceEngine(network: network, options: options)
    }

    func run(_ set: Dataset, batchSize: Int, pixelScale: Float?, outputFile: OutputDestination?) throws -> Result {
        let input = network.inputs[0]
        try set.checkFits(inputShape: input.shape, inputName: input.name)
        let outShape = network.sampleShape(of: network.outputs[0]) ?? []
        let perSample = outShape.reduce(1, *)
        if let labels = set.labels, let bad = labels.first(where: { $0 >= perSample }) {
            throw DatasetError(file: set.source, "label \(bad) is out of range for the model's \(perSample) outputs")
        }
        let writer = try outputFile.map { output throws -> NPYFormat.Writer in
            try NPYFormat.Writer(destination: output, shape: [set.count, perSample])
        }
        let progress = ProgressBar(total: set.count, label: "infer")
        let start = Date()
        var correct = 0
        var done = 0
        while done < set.count {
            let range = done..<(done + min(set.count - done, batchSize))
            let x = set.batch(range, inputShape: input.shape, channelsLast: input.sourceLayout == .nhwc, pixelScale: pixelScale)
            let y = try engine.run(try Tensor(shape: [range.count] + input.shape, data: x), firstSample: range.lowerBound)
            if let labels = set.labels {
                for (k, i) in range.enumerated() where argmax(y.data, offset: k * perSample, count: perSample) == labels[i] {
                    correct += 1
                }
            }
            try writer?.append(y.data)
            done = range.upperBound
            progress.update(done: done)
        }
        progress.finish()
        try writer?.commit()
        let seconds = Date().timeIntervalSince(start)
        let hasLabels = set.labels != nil && set.count > 0
        return Result(samples: set.count, correct: hasLabels ? correct : nil,
                      accuracy: hasLabels ? Double(correct) / Double(set.count) : nil,
                      outputsPerSample: perSample, seconds: seconds)
    }
}

/// Index of the first largest value (NaN never wins).
func argmax(_ v: [Float], offset: Int, count: Int) -> Int {
    var best = 0
    var bestValue = -Float.infinity
    for j in 0..<count where v[offset + j] > bestValue {
        bestValue = v[offset + j]
        best = j
    }
    return best
}

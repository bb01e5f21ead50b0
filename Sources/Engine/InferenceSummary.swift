/// What `imprint infer` reports: the document its `--json` prints, so a library user running the
/// same inference gets the same fields.
public struct InferenceSummary: Sendable, Equatable, Encodable {
    /// The model file and data set as the user named them.
    public var model: String
    public var data: String
    public var samples: Int
    /// Top-1 accuracy as a fraction (0–1), and the count behind it; nil without labels.
    public var accuracy: Double?
    public var correct: Int?
    /// Values per sample of the network's output.
    public var outputs: Int
    public var seconds: Double
    /// Where the outputs were written (float32 .npy), if anywhere.
    public var output: String?

    public init(model: String, data: String, samples: Int, accuracy: Double?, correct: Int?, outputs: Int,
                seconds: Double, output: String?) {
        self.model = model; self.data = data; self.samples = samples; self.accuracy = accuracy
        self.correct = correct; self.outputs = outputs; self.seconds = seconds; self.output = output
    }

    enum CodingKeys: String, CodingKey { case model, data, samples, accuracy, correct, outputs, seconds, output }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model); try c.encode(data, forKey: .data); try c.encode(samples, forKey: .samples)
        try c.encode(accuracy, forKey: .accuracy); try c.encode(correct, forKey: .correct)
        try c.encode(outputs, forKey: .outputs); try c.encode(seconds, forKey: .seconds); try c.encode(output, forKey: .output)
    }
}

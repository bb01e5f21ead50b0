/// What `imprint inspect MODEL` reports about a network: the document its `--json` prints and the
/// numbers its text shows, so a library user gets exactly what the command line writes.
public struct NetworkSummary: Sendable, Equatable, Encodable {
    public struct Input: Sendable, Equatable, Encodable {
        public var name: String
        /// Per sample, in the layout the network computes in.
        public var shape: [Int]
        /// Samples stored channels-last (NHWC) are transposed to the network's NCHW on loading
        /// (Keras models); otherwise data are used in the layout the model declares.
        public var transposedFromChannelsLast: Bool

        enum CodingKeys: String, CodingKey { case name, shape, transposedFromChannelsLast = "transposed_from_channels_last" }
    }

    public struct Output: Sendable, Equatable, Encodable {
        public var name: String
        public var shape: [Int]
    }

    public struct Crossbar: Sendable, Equatable, Encodable {
        public var rows: Int
        public var columns: Int
        public var groups: Int
        public var weights: Int
    }

    public struct Layer: Sendable, Equatable, Encodable {
        public var name: String
        public var type: String
        public var outputShape: [Int]
        public var parameters: Int
        /// The matrix a crossbar holds, or nil for a layer that stays digital.
        public var crossbar: Crossbar?

        enum CodingKeys: String, CodingKey { case name, type, outputShape = "output_shape", parameters, crossbar }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(type, forKey: .type)
            try c.encode(outputShape, forKey: .outputShape)
            try c.encode(parameters, forKey: .parameters)
            try c.encode(crossbar, forKey: .crossbar)
        }
    }

    /// The model file as the user named it, and its format in words ("Keras HDF5").
    public var model: String
    public var format: String
    public var inputs: [Input]
    public var outputs: [Output]
    public var layers: [Layer]
    public var parameters: Int
    public var crossbarLayers: Int
    public var crossbarWeights: Int

    enum CodingKeys: String, CodingKey {
        case model, format, inputs, outputs, layers, parameters
        case crossbarLayers = "crossbar_layers", crossbarWeights = "crossbar_weights"
    }

    public init(_ network: Network, model: String, format: String) {
        self.model = model
        self.format = format
        inputs = network.inputs.map { Input(name: $0.name, shape: $0.shape, transposedFromChannelsLast: $0.sourceLayout == .nhwc) }
        outputs = network.outputs.map { Output(name: $0, shape: network.sampleShape(of: $0) ?? []) }
        layers = network.nodes.map { node in
            Layer(name: node.name, type: node.operation.kindName, outputShape: network.sampleShape(of: node.output) ?? [],
                  parameters: node.operation.parameterCount,
                  crossbar: node.crossbarMatrix.map { Crossbar(rows: $0.rows, columns: $0.columns, groups: $0.groups, weights: $0.weightCount) })
        }
        parameters = network.parameterCount
        crossbarLayers = layers.filter { $0.crossbar != nil }.count
        crossbarWeights = layers.compactMap(\.crossbar).reduce(0) { $0 + $1.weights }
    }
}

import NetworkModel

/// What `inspect` reports about a network, shared by its text and JSON forms.
struct NetworkSummary {
    struct Layer {
        var name: String
        var type: String
        var outputShape: [Int]
        var parameters: Int
        var crossbar: CrossbarMatrix?
    }

    var layers: [Layer]
    var parameters: Int
    var crossbarLayers: Int
    var crossbarWeights: Int

    init(_ network: Network) {
        layers = network.nodes.map { node in
            Layer(name: node.name, type: node.operation.kindName,
                  outputShape: network.sampleShape(of: node.output) ?? [],
                  parameters: node.operation.parameterCount, crossbar: node.crossbarMatrix)
        }
        parameters = network.parameterCount
        crossbarLayers = layers.filter { $0.crossbar != nil }.count
        crossbarWeights = layers.compactMap(\.crossbar).reduce(0) { $0 + $1.weightCount }
    }

    static func matrixText(_ m: CrossbarMatrix) -> String {
        let base = "\(m.rows) × \(m.columns)"
        return m.groups == 1 ? base : "\(m.groups) × (\(base))"
    }

    func text(model: String, format: String, network: Network) -> String {
        var lines = ["Model: \(model) (\(format))"]
        for input in network.inputs {
            let layout = input.sourceLayout == .nhwc ? "; data given channels-last (NHWC) are transposed" : ""
            lines.append("Input: \(input.name) \(shapeText(input.shape)) (per sample, NCHW\(layout))")
        }
        for out in network.outputs {
            lines.append("Output: \(out) \(shapeText(network.sampleShape(of: out) ?? []))")
        }
        lines.append("")
        let header = ["#", "layer", "type", "output shape", "parameters", "crossbar matrix (rows × cols)"]
        var rows = [header]
        for (i, l) in layers.enumerated() {
            rows.append([String(i + 1), l.name, l.type, shapeText(l.outputShape), grouped(l.parameters),
                         l.crossbar.map(NetworkSummary.matrixText) ?? "—"])
        }
        lines += Table.render(rows, rightAligned: [0, 4])
        lines.append("")
        lines.append("Parameters: \(grouped(parameters))")
        lines.append("Crossbar layers: \(crossbarLayers), holding \(grouped(crossbarWeights)) weights")
        return lines.joined(separator: "\n")
    }

    func json(model: String, format: String, network: Network) -> JSONValue.Object {
        JSONValue.Object(pairs: [
            ("model", model),
            ("format", format),
            ("inputs", network.inputs.map { i -> Any? in
                JSONValue.Object(pairs: [("name", i.name), ("shape", i.shape as [Any?]), ("source_layout", i.sourceLayout.rawValue)])
            }),
            ("outputs", network.outputs.map { o -> Any? in
                JSONValue.Object(pairs: [("name", o), ("shape", (network.sampleShape(of: o) ?? []) as [Any?])])
            }),
            ("layers", layers.map { l -> Any? in
                JSONValue.Object(pairs: [
                    ("name", l.name), ("type", l.type), ("output_shape", l.outputShape as [Any?]),
                    ("parameters", l.parameters),
                    ("crossbar", l.crossbar.map { m in
                        JSONValue.Object(pairs: [("rows", m.rows), ("columns", m.columns), ("groups", m.groups),
                                                 ("weights", m.weightCount)])
                    }),
                ])
            }),
            ("parameters", parameters),
            ("crossbar_layers", crossbarLayers),
            ("crossbar_weights", crossbarWeights),
        ])
    }
}

/// Plain-text column alignment for terminal tables.
enum Table {
    static func render(_ rows: [[String]], rightAligned: Set<Int> = []) -> [String] {
        guard let first = rows.first else { return [] }
        var widths = [Int](repeating: 0, count: first.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        return rows.map { r in
            r.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return rightAligned.contains(i) ? pad + c : c + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
    }
}

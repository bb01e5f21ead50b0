import ArgumentParser
import Compiler
import FileSupport
import Foundation
import NetworkModel
import Plan

/// `imprint inspect MODEL|PLAN`: what a network is and which layers a crossbar can hold, or what a
/// compiled plan holds (the same summary `compile` prints).
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise a model (layers, shapes, parameters, crossbar matrices) or a compiled plan.",
        discussion: """
            Examples:

              imprint inspect examples/models/fmnist_cnn_k2.h5
              imprint inspect model.onnx --json > summary.json
              imprint inspect cnn.plan
            """
    )

    @OptionGroup var model: ModelOptions

    @Flag(help: "Print the summary as one JSON document on stdout.")
    var json = false

    func run() throws {
        try InputFiles.requireReadable(model.model)
        let url = URL(fileURLWithPath: model.model)
        if Self.isPlan(url) {
            if model.architecture != nil { throw ValidationError("--architecture applies to models, and \(model.model) is a plan") }
            let summary = PlanSummary(plan: try PlanFile.read(url))
            if json {
                try printDocument(summary)
            } else {
                print(summary.renderText() + "\n" + summary.renderPlacementText(), terminator: "")
            }
            return
        }
        let network = try model.load()
        let summary = NetworkSummary(network, model: model.model, format: model.formatName)
        if json { try printDocument(summary) } else { print(Self.text(summary)) }
    }

    static func text(_ s: NetworkSummary) -> String {
        var lines = ["Model: \(s.model) (\(s.format))"]
        for input in s.inputs {
            let layout = input.transposedFromChannelsLast
                ? "per sample, NCHW; data given channels-last (NHWC) are transposed"
                : "per sample, as the model declares it; data are used in this layout"
            lines.append("Input: \(input.name) \(shapeText(input.shape)) (\(layout))")
        }
        for out in s.outputs { lines.append("Output: \(out.name) \(shapeText(out.shape))") }
        lines.append("")
        var rows = [["#", "layer", "type", "output shape", "parameters", "crossbar matrix (rows × cols)"]]
        for (i, l) in s.layers.enumerated() {
            let matrix = l.crossbar.map { m in
                m.groups == 1 ? "\(m.rows) × \(m.columns)" : "\(m.groups) × (\(m.rows) × \(m.columns))"
            }
            rows.append([String(i + 1), l.name, l.type, shapeText(l.outputShape), grouped(l.parameters), matrix ?? "—"])
        }
        lines += TextTable.render(rows, rightAligned: [0, 4])
        lines.append("")
        lines.append("Parameters: \(grouped(s.parameters))")
        lines.append("Crossbar layers: \(s.crossbarLayers), holding \(counted(s.crossbarWeights, "weight"))")
        return lines.joined(separator: "\n")
    }

    /// A plan is recognised by its magic bytes, whatever its name.
    static func isPlan(_ url: URL) -> Bool {
        guard let h = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? h.close() }
        let head = (try? h.read(upToCount: PlanFile.magic.count)) ?? Data()
        return [UInt8](head) == Array(PlanFile.magic)
    }
}

import ArgumentParser
import Compiler
import Foundation
import Plan

/// `imprint inspect MODEL|PLAN`: what a network is and which layers a crossbar can hold, or what a
/// compiled plan holds (the same summary `compile` prints).
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise a model (layers, shapes, parameters, crossbar matrices) or a compiled plan.",
        discussion: """
            Example:
              imprint inspect examples/models/fmnist_cnn_k2.h5
              imprint inspect model.onnx --json > summary.json
              imprint inspect cnn.plan
            """
    )

    @OptionGroup var model: ModelOptions

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let url = URL(fileURLWithPath: model.model)
            if Self.isPlan(url) {
                let summary = PlanSummary(plan: try PlanFile.read(url))
                print(json ? summary.renderJSON() : summary.renderText())
                return
            }
            let network = try model.load()
            let summary = NetworkSummary(network)
            if json {
                print(jsonText(summary.json(model: model.model, format: model.formatName, network: network)))
            } else {
                print(summary.text(model: model.model, format: model.formatName, network: network))
            }
        }
    }

    /// A plan is recognised by its magic bytes, whatever its name.
    static func isPlan(_ url: URL) -> Bool {
        guard let h = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? h.close() }
        let head = (try? h.read(upToCount: PlanFile.magic.count)) ?? Data()
        return [UInt8](head) == Array(PlanFile.magic)
    }
}

import ArgumentParser
import Compiler
import Devices
import FileSupport
import Foundation
import Plan
import TesterFiles

/// `imprint compile MODEL --device D --output PLAN`: the programming plan of a trained network.
struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile a trained network into a programming plan for crossbar arrays.",
        discussion: """
            Every matrix-product layer (dense; convolutions unrolled to (C_in·K_h·K_w) × C_out) is \
            tiled onto crossbars and every weight mapped to device conductance targets with \
            acceptance windows and the device's program-verify schedule. Biases and the other \
            layers stay digital. Devices: \(DeviceSpec.presetNames.joined(separator: ", ")), or a JSON spec \
            (see `imprint devices`).

            Examples:

              imprint compile examples/models/fmnist_cnn_k2.h5 --device pcm \\
                  --output cnn.plan
              imprint compile model.onnx --device rram --pairs dual \\
                  --significance 3 --clip percentile:99.5 --scale column \\
                  --keep-digital conv1,fc_out --output model.plan
              imprint compile examples/models/fmnist_cnn_k2.h5 --device rram \\
                  --defects chip7.defects.csv --output chip7.plan
            """
    )

    @OptionGroup var model: ModelOptions

    @Option(help: ArgumentHelp("A device preset (\(DeviceSpec.presetNames.joined(separator: ", "))) or a device spec JSON file.",
                               valueName: "preset|file.json"),
            completion: .presets(DeviceSpec.presetNames, orFilesEndingIn: "json"))
    var device: String

    @Option(help: ArgumentHelp("Where to write the plan (written atomically).", valueName: "file.plan"),
            completion: .file(extensions: ["plan"]))
    var output: String

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Weight tile: rows (inputs, word lines) x columns (outputs, bit lines), each at most \(CompileArguments.maximumSide).",
                               valueName: "ROWSxCOLS"))
    var tile: String = "256x256"

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Physical array in devices; default: the footprint of one full tile.", valueName: "ROWSxCOLS"))
    var array: String?

    @Option(help: ArgumentHelp("single (one differential pair), offset (one device against a zero point, see --reference), or dual (MSP/LSP pairs).",
                               valueName: "mode"))
    var pairs: PairsArgument = .single

    @Option(help: ArgumentHelp("With --pairs offset: column (reference bit lines per tile, programmed to the zero point and read with the weights, so a shift all devices share cancels; the default on RRAM) or digital (a fixed zero point; the default on PCM).",
                               valueName: "mode"))
    var reference: ReferenceArgument?

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Reference bit lines per tile with --reference column, averaged (default \(CompileOptions.defaultReferenceColumns)); they must fit beside a tile on the --array.",
                               valueName: "N"))
    var referenceColumns: Int?

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Significance factor F of the most-significant pair, with --pairs dual only (default 3).", valueName: "F"))
    var significance: Double?

    @Option(parsing: .unconditional, help: "Devices wired in parallel per conductance (default: the device spec's).")
    var devicesPerConductance: Int?

    @Option(help: ArgumentHelp("Where w_max is taken: layer, tile, or column (with a digital per-column gain).", valueName: "unit"))
    var scale: ScaleMode = .layer

    @Option(help: ArgumentHelp("w_max: max |W|, the P-th percentile of |W|, or K standard deviations; weights beyond are clipped.",
                               valueName: "max|percentile:P|sigma:K"),
            completion: .list(["max", "percentile:", "sigma:"]))
    var clip: String = "max"

    @Flag(help: "Fold a batch norm that follows a matrix product into its weights (a warning if the model has none).")
    var foldBatchnorm = false

    @Option(help: ArgumentHelp("Matrix-product layers (node names, as `imprint inspect` lists them) kept off the crossbars.",
                               valueName: "names"))
    var keepDigital: String?

    @Flag(help: "Do not snap targets to the device's discrete levels.")
    var noSnap = false

    @Option(help: ArgumentHelp("The chip's known stuck devices, a defect map (CSV array,row,col,kind[,value_uS]; formats/tester-plan.md): each tile's rows and columns are permuted so that faults meet the weights they hurt least, and the partners of stuck devices re-targeted.",
                               valueName: "file.csv"),
            completion: .file(extensions: ["csv", "jsonl"]))
    var defects: String?

    @OptionGroup var threading: ThreadOptions

    @Flag(help: "Print the summary as one JSON document on stdout (with the plan's path as \"output\").")
    var json = false

    func options() throws -> CompileOptions {
        var o = CompileOptions()
        (o.tileRows, o.tileColumns) = try CompileArguments.size(tile, option: "--tile")
        if let array { (o.arrayRows, o.arrayColumns) = try CompileArguments.size(array, option: "--array") }
        o.pairs = try CompileArguments.pairs(pairs, significance: significance)
        o.referenceColumns = try CompileArguments.referenceColumns(reference, columns: referenceColumns, pairs: pairs)
        if let n = devicesPerConductance {
            guard n >= 1 else { throw ValidationError("--devices-per-conductance must be at least 1 (got \(n))") }
            o.devicesPerConductance = n
        }
        o.scale = scale
        o.clip = try CompileArguments.clip(clip)
        o.foldBatchNorm = foldBatchnorm
        o.keepDigital = keepDigital.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        o.snapToLevels = !noSnap
        return o
    }

    func validate() throws {
        _ = try options()
    }

    func run() throws {
        let options = try options()
        // Classified before the long run: a bad path or an output that is an input fails now.
        let destination = try OutputDestination(output, inputs: model.inputFiles + [device] + (defects.map { [$0] } ?? []))
        try OutputFiles.refuseBinaryOnTerminal(destination, what: "a plan")
        let network = try model.load()
        if foldBatchnorm, !network.nodes.contains(where: { $0.operation.kindName == "BatchNorm" }) {
            Terminal.warning("--fold-batchnorm ignored: \(model.model) has no batch norm")
        }
        let spec = try DeviceSpec.load(presetOrPath: device)
        let modelURL = URL(fileURLWithPath: model.model)
        let source = SourceModel(fileName: modelURL.lastPathComponent,
                                 sha256: SHA256Digest.hex(try SHA256Digest.hash(fileAt: modelURL)))
        var mapped = options
        var known = [Defect]()
        if let defects {
            let map = try DefectMap.read(defects)
            known = map.defects
            mapped.defectMap = SourceModel(fileName: URL(fileURLWithPath: defects).lastPathComponent, sha256: map.sha256 ?? "")
        }
        let plan = try PlanCompiler.compile(network, device: spec, options: mapped, source: source,
                                            toolVersion: ImprintVersion.string,
                                            threads: threading.threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                            defects: known)
        try PlanFile.write(plan, to: destination)
        var summary = PlanSummary(plan: plan)
        summary.output = output
        if destination.kind == .standardOutput {
            // The plan is on standard output, so the summary goes to standard error.
            Terminal.standardError(json ? try JSONDocument.text(summary) : summary.renderText())
            Terminal.wrote("standard output", "plan")
        } else if json {
            try printDocument(summary)
        } else {
            print(summary.renderText(), terminator: "")
            Terminal.wrote(output, "plan")
        }
    }
}

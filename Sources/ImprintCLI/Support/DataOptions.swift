import ArgumentParser
import Datasets

/// The data-set options shared by every command that runs a network over samples (`infer`, `verify`),
/// with one set of loading rules.
struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Input samples: .npy, IDX (*-ubyte[.gz]), file.h5:/dataset, or fashion-mnist (its 10,000 test images, with labels).",
                               valueName: "data"),
            completion: .dataSets)
    var data: String

    @Option(help: ArgumentHelp("Class labels, one integer per sample (.npy, IDX, file.h5:/dataset). Named data sets bring their own.",
                               valueName: "labels"),
            completion: .file(extensions: ["npy", "idx", "gz", "h5"]))
    var labels: String?

    // Numbers parse unconditionally, so "--limit -1" reaches validate()'s message, not "missing value".
    @Option(parsing: .unconditional, help: "Use only the first N samples.")
    var limit: Int?

    @Option(parsing: .unconditional, help: "Samples per batch.")
    var batch: Int = 256

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Multiply integer (8-bit) samples by this factor; by default they are divided by 255, so pixels land in [0, 1]. Float samples are used as they are (a warning says so).",
                               valueName: "factor"))
    var pixelScale: Float?

    @OptionGroup var threading: ThreadOptions
    var threads: Int? { threading.threads }

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1 (got \(limit))") }
        if batch < 1 { throw ValidationError("--batch must be at least 1 (got \(batch))") }
        if let pixelScale, !(pixelScale.isFinite && pixelScale > 0) { throw ValidationError("--pixel-scale must be a positive number") }
    }

    /// The files read, which no output may overwrite.
    var inputFiles: [String] { DatasetLoader.files(of: data) + (labels.map(DatasetLoader.files(of:)) ?? []) }

    /// The samples with `--labels` attached, then limited. The labels must match the whole data set
    /// one for one (a labels file of another set is an error even when `--limit` would hide it).
    func load() throws -> Dataset {
        try InputFiles.requireReadable(data: data)
        if let labels { try InputFiles.requireReadable(data: labels) }
        var set = try DatasetLoader.load(data)
        if let labels { set = try set.withLabels(try DatasetLoader.loadLabels(labels)) }
        if let limit { set = set.prefix(limit) }
        // A script may pass --pixel-scale for every data set; on float data it has nothing to scale.
        if pixelScale != nil, !set.samples.isInteger {
            Terminal.warning("--pixel-scale ignored: \(data) holds float samples, which are used as they are")
        }
        return set
    }
}

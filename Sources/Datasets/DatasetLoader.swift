import Foundation

/// Resolves a `--data` / `--labels` argument to a data set.
///
/// Accepted: a `.npy` file; an IDX file (`*.idx`, `*-ubyte`, optionally `.gz`); an HDF5 dataset
/// `file.h5:/path/to/dataset`; or a named set: `fashion-mnist` (the test split of Debian's
/// dataset-fashion-mnist package, with labels), `fashion-mnist:train`. A file of another name, a
/// pipe among them (`/dev/stdin`, `<(zcat …)`), is recognised by its content.
public enum DatasetLoader {
    /// Where Debian's dataset-fashion-mnist package installs its IDX files.
    public static let fashionMNISTFolder = "/usr/share/datasets/fashion-mnist"

    public enum Split: String, Sendable { case train, test }

    public static let namedSets = ["fashion-mnist", "fashion-mnist:test", "fashion-mnist:train"]

    public static func load(_ spec: String) throws(DatasetError) -> Dataset {
        if let split = namedSplit(spec) { return try fashionMNIST(split) }
        let array = try readArray(spec)
        return try Dataset(source: spec, samples: array).checkedUsable()
    }

    /// Loads class labels: integers, one per sample (a 1-D array, or [N, 1]).
    public static func loadLabels(_ spec: String) throws(DatasetError) -> [Int] {
        if let split = namedSplit(spec) {
            return try fashionMNIST(split).labels!
        }
        let array = try readArray(spec)
        guard array.shape.count == 1 || (array.shape.count == 2 && array.shape[1] == 1) else {
            throw DatasetError(file: spec, "labels must be a 1-D array of class indices, got shape \(array.shape)")
        }
        guard let ints = array.integers() else { throw DatasetError(file: spec, "labels must be whole numbers") }
        if let bad = ints.first(where: { $0 < 0 }) { throw DatasetError(file: spec, "label \(bad) is negative") }
        return ints
    }

    /// The named split of Fashion-MNIST, with labels.
    public static func fashionMNIST(_ split: Split) throws(DatasetError) -> Dataset {
        let prefix = split == .test ? "t10k" : "train"
        let folder = URL(fileURLWithPath: fashionMNISTFolder)
        let images = folder.appendingPathComponent("\(prefix)-images-idx3-ubyte.gz")
        let labels = folder.appendingPathComponent("\(prefix)-labels-idx1-ubyte.gz")
        guard FileManager.default.fileExists(atPath: images.path) else {
            throw DatasetError(file: images.path, "Fashion-MNIST is not installed (install Debian's dataset-fashion-mnist package, or run `make demo`)")
        }
        let x = try IDXFormat.read(images)
        let y = try IDXFormat.read(labels)
        guard let ints = y.integers() else { throw DatasetError(file: labels.path, "labels are not integers") }
        return try Dataset(source: "fashion-mnist:\(split.rawValue)", samples: x, labels: ints)
    }

    /// The named set holding the training split of `spec` when `spec` names a set imprint knows
    /// (every spelling of Fashion-MNIST → `fashion-mnist:train`), else nil: files have no known split.
    public static func trainingSplit(of spec: String) -> String? {
        namedSplit(spec) == nil ? nil : "fashion-mnist:train"
    }

    /// The file a data spec reads (`file.h5` of `file.h5:/images`), or nil for a named set, so a
    /// caller can tell a missing file from a malformed one before loading.
    public static func filePath(of spec: String) -> String? {
        if namedSplit(spec) != nil { return nil }
        if let r = spec.range(of: ".h5:") ?? spec.range(of: ".hdf5:") { return String(spec[..<r.upperBound].dropLast()) }
        return spec
    }

    static func namedSplit(_ spec: String) -> Split? {
        switch spec.lowercased() {
        case "fashion-mnist", "fashion-mnist:test", "fashionmnist": return .test
        case "fashion-mnist:train": return .train
        default: return nil
        }
    }

    /// The files a `--data` or `--labels` spec reads, so a command can refuse an output that would
    /// overwrite one of them.
    public static func files(of spec: String) -> [String] {
        if let split = namedSplit(spec) {
            let prefix = split == .test ? "t10k" : "train"
            return ["images-idx3", "labels-idx1"].map { "\(fashionMNISTFolder)/\(prefix)-\($0)-ubyte.gz" }
        }
        return [hdf5Parts(spec)?.file ?? spec]
    }

    /// `file.h5:/path/to/dataset` split into the file and the dataset path.
    static func hdf5Parts(_ spec: String) -> (file: String, dataset: String)? {
        guard let r = spec.range(of: ".h5:") ?? spec.range(of: ".hdf5:") else { return nil }
        return (String(spec[..<r.upperBound].dropLast()), String(spec[r.upperBound...]))
    }

    static func readArray(_ spec: String) throws(DatasetError) -> NumericArray {
        if let (file, path) = hdf5Parts(spec) {
            return try HDF5Arrays.read(file: file, dataset: path)
        }
        let url = URL(fileURLWithPath: spec)
        let lower = url.lastPathComponent.lowercased()
        if lower.hasSuffix(".npy") { return try NPYFormat.read(url) }
        if lower.hasSuffix(".idx") || lower.contains("-ubyte") || lower.hasSuffix(".idx.gz") {
            return try IDXFormat.read(url)
        }
        if lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") {
            throw DatasetError(file: spec, "name the dataset inside the HDF5 file, e.g. \(spec):/images")
        }
        // Unknown extension: sniff the content.
        let bytes = try FileBytes.read(url)
        if bytes.count >= 6, bytes[0] == 0x93, bytes[1] == 0x4E { return try NPYFormat.parse(bytes, file: spec) }
        if bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 { return try IDXFormat.parse(bytes, file: spec) }
        throw DatasetError(file: spec, "unknown data format; expected .npy, IDX (*-ubyte[.gz]), file.h5:/dataset or fashion-mnist")
    }
}

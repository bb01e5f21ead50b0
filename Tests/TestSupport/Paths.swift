import Foundation

/// Locations of committed fixtures, found from this file's path so tests run from any directory.
public enum Fixtures {
    /// The repository root.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let examples = root.appendingPathComponent("examples")
    public static let models = examples.appendingPathComponent("models")
    /// The fuzzers' seed corpora; inputs that once crashed a reader are named `regress-*`.
    public static let fuzzCorpus = root.appendingPathComponent("Fuzz/corpus")
    /// Debian's dataset-fashion-mnist package.
    public static let fashionMNIST = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")

    /// A fresh temporary directory.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

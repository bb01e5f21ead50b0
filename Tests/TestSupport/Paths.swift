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

    /// A fresh temporary directory, inside this test process's own folder (`TestFolder`), which
    /// goes when the process exits.
    public static func temporaryDirectory() throws -> URL {
        let url = try TestFolder.root.get().appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// One folder per test process for every temporary file the tests write, removed when the process
/// exits: the tests' read-back files alone are ≈ 400 MB a run, and with a folder per test left
/// behind, repeated `make test` runs once filled the disk (8,523 folders, 76 GB of /tmp). Folders of
/// processes that are no longer running (a crashed or killed run) are removed when the next test
/// process starts; those of running ones (another checkout's tests) are left alone.
enum TestFolder {
    static let prefix = "imprint-tests-"

    static let root: Result<URL, Error> = Result {
        let temporary = FileManager.default.temporaryDirectory
        removeAbandoned(in: temporary)
        let url = temporary.appendingPathComponent("\(prefix)\(getpid())")
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TestFolder.ownPath) }
        return url
    }

    /// This process's folder, by its process id (an `atexit` handler captures nothing).
    static var ownPath: URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)\(getpid())")
    }

    /// Removes the folders of test processes that are no longer running.
    static func removeAbandoned(in temporary: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: temporary.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
            }
        }
    }
}

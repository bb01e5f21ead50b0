import Foundation

/// Programs outside Swift that some tests need as independent checkers (Debian packages installed by
/// `make deps`). Where one is missing a test is skipped with its reason (`.enabled(if:)`), except in
/// CI (`CI=true`), where every such test runs and a missing tool is a failure, so CI can never pass
/// by skipping.
public enum ExternalTools {
    /// True when the environment says this is a CI run.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"]?.lowercased() == "true" }

    /// The first executable `name` on the PATH.
    public static func find(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Whether a test needing `names` should run: always in CI, elsewhere when all are installed.
    public static func runnable(_ names: String...) -> Bool { isCI || names.allSatisfy { find($0) != nil } }

    /// Debian's Python (`/usr/bin/python3`, where `python3-protobuf` and `python3-numpy` install
    /// their modules; a pyenv or venv `python3` earlier on the PATH usually lacks them).
    public static let debianPython = URL(fileURLWithPath: "/usr/bin/python3")

    /// Whether Debian's Python imports protobuf and numpy (checked once by running it).
    public static let pythonHasProtobufAndNumPy: Bool = {
        guard FileManager.default.isExecutableFile(atPath: debianPython.path) else { return false }
        let p = Process()
        p.executableURL = debianPython
        p.arguments = ["-c", "import google.protobuf, numpy"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    /// Whether the Python checkers (`examples/read_plan.py`, `examples/read_tester_files.py`) can run:
    /// Debian's python3 with python3-protobuf and python3-numpy, and `protoc` (protobuf-compiler).
    public static var pythonCheckersRunnable: Bool { isCI || (pythonHasProtobufAndNumPy && find("protoc") != nil) }

    /// Why a test was skipped, for `.enabled(if:_:)` (as `Comment(rawValue:)`).
    public static func missing(_ what: String) -> String {
        "\(what) is not installed (make deps installs it); in CI (CI=true) this test runs and fails instead"
    }
}

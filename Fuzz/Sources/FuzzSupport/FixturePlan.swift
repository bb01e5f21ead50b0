import Foundation

/// The small committed plan (every operation, dual pairs) that read-backs and defect maps are joined
/// to: examples/fixtures/plan/every-op-dual.plan, found from this file's place in the repository.
public func fixturePlanURL() -> URL {
    URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/fixtures/plan/every-op-dual.plan")
}

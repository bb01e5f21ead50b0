import Dispatch

/// The one parallel-for of Imprint: splits work over threads so that results never depend on the
/// thread count.
///
/// Every item is computed by exactly one thread with the same code whatever the split, and nothing
/// is reduced across items, so results are bitwise identical for any thread count. Callers own the
/// guarantee that the items they hand out write disjoint memory. Every concurrent loop of the
/// engine, the device simulation, the verifier and the compiler goes through `forEach`, so a change
/// to how work is dispatched (or a cap on threads) is made here once.
public struct Parallelism: Sendable {
    public let threads: Int

    public init(threads: Int) { self.threads = threads }

    /// Below roughly this many element operations a thread hand-off costs more than it saves.
    /// Callers whose every item is worth a hand-off on its own (a device's programming, a tile, a
    /// layer) pass it as `workPerItem`, so the work is split into as many parts as there are threads.
    public static let grain = 1 << 16

    /// Calls `body` on disjoint contiguous ranges covering `0..<count`, concurrently if worthwhile:
    /// at most `threads` ranges, and no more than `count × workPerItem / grain`.
    public func forEach(_ count: Int, workPerItem: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let (total, overflow) = count.multipliedReportingOverflow(by: max(1, workPerItem))
        let byWork = overflow ? Int.max : max(1, total / Self.grain)
        let parts = min(max(1, threads), count, byWork)
        if parts <= 1 { body(0..<count); return }
        let split = Split(count: count, parts: parts)
        // The spinning pool when it is free (one region at a time), Dispatch otherwise.
        if SpinningPool.shared.run(parts: parts, { body(split.range($0)) }) { return }
        withoutActuallyEscaping(body) { escapable in
            // The ranges are disjoint, so handing the closure to other threads is race-free.
            let shared = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: parts) { shared.value(split.range($0)) }
        }
    }
}

/// `count` items cut into `parts` contiguous ranges whose sizes differ by at most one.
private struct Split: Sendable {
    let count: Int, parts: Int
    func range(_ part: Int) -> Range<Int> {
        let lower = count / parts * part + min(part, count % parts)
        return lower..<(lower + count / parts + (part < count % parts ? 1 : 0))
    }
}

/// Carries a value the caller has proven safe to share across the threads of one `forEach`.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

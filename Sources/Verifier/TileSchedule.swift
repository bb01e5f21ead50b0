import Parallel

/// How the per-tile work of a hardware instance (programming, or reading at one time) is spread
/// over threads.
///
/// A plan has many tiles of very different sizes (a ResNet-50 has hundreds, from a few thousand
/// devices to a full array), so splitting each tile over all threads in turn wastes the threads on
/// the small ones. Instead each tile is handed whole to one worker, longest first to the least
/// loaded worker (`Parallelism.balancedBins`, Graham's LPT rule). Tiles larger than a quarter
/// of a worker's fair share would still unbalance that, so those run one after another, each split
/// over all threads. Every device's numbers come from its own key, so the assignment changes only
/// who computes a tile, never its values.
struct TileSchedule: Sendable {
    /// Tiles run one after another, each over all threads.
    let large: [Int]
    /// Per worker, the tiles it runs whole, one thread each.
    let perWorker: [[Int]]
    let threads: Int

    init(sizes: [Int], threads: Int) {
        let workers = max(1, threads)
        self.threads = workers
        let total = sizes.reduce(0, +)
        let limit = workers == 1 ? Int.max : max(1, total / (4 * workers))
        large = sizes.indices.filter { sizes[$0] > limit }
        perWorker = Parallelism.balancedBins(sizes.indices.filter { sizes[$0] <= limit }, sizes: sizes, bins: workers)
    }

    /// `body(tile, threads)` for every tile, as the schedule says; results in tile order.
    func map<T: Sendable>(tileCount: Int, _ body: @Sendable (_ tile: Int, _ threads: Int) -> T) -> [T] {
        var results = [T?](repeating: nil, count: tileCount)
        results.withUnsafeMutableBufferPointer { slots in
            let out = Slots(base: slots.baseAddress!)
            for t in large { out.base[t] = body(t, threads) }
            Parallelism(threads: threads).forEach(bins: perWorker) { t in out.base[t] = body(t, 1) }
        }
        return results.map { $0! }
    }
}

/// Result slots written by several workers, each to tiles no other worker has.
private struct Slots<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T?>
}

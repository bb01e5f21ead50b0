/// Items of very different sizes (a network's layers, a plan's tiles), each run whole on one thread.
///
/// Contiguous ranges of such items balance badly (one range may hold the one huge layer), so the
/// items are first put into one bin per thread, longest first into the least loaded bin (Graham's
/// LPT rule, within 4/3 of the best balance), and the bins are then run through `forEach`, one bin
/// per range. The binning depends only on the sizes; which thread runs an item never changes what
/// the item computes.
extension Parallelism {
    /// Bins `items` (indices into `sizes`) for `bins` workers, longest first into the least loaded
    /// bin; ties go to the lower index, so the result depends only on its arguments.
    public static func balancedBins(_ items: [Int], sizes: [Int], bins: Int) -> [[Int]] {
        var result = [[Int]](repeating: [], count: max(1, bins))
        var loads = [Int](repeating: 0, count: result.count)
        for i in items.sorted(by: { (sizes[$0], $1) > (sizes[$1], $0) }) {
            let w = loads.indices.min { (loads[$0], $0) < (loads[$1], $1) }!
            result[w].append(i)
            loads[w] += sizes[i]
        }
        return result
    }

    /// Calls `body(item)` for every item of every bin; bins run concurrently (one range of
    /// `forEach` each, when there are no more bins than threads), the items of a bin in order.
    public func forEach(bins: [[Int]], _ body: (Int) -> Void) {
        let bins = bins.filter { !$0.isEmpty }
        forEach(bins.count, workPerItem: Self.grain) { range in
            for w in range { for item in bins[w] { body(item) } }
        }
    }

    /// Calls `body(i)` for every `i` in `sizes.indices`, each whole on one thread, balanced by size.
    public func forEach(sizes: [Int], _ body: (Int) -> Void) {
        forEach(bins: Self.balancedBins(Array(sizes.indices), sizes: sizes, bins: threads), body)
    }
}

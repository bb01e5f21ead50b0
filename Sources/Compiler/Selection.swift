/// Order statistics without a full sort: w_max by percentile needs one or two ranks of |W| per
/// scaling unit, and a sort of each of ResNet-50's 25 M weights' units would dominate compile time.
enum Selection {
    /// The k-th smallest value (0-based) of `values`, reordering them in place (Hoare quickselect
    /// with a median-of-three pivot: expected linear time). Afterwards every value before index k
    /// is ≤ the result and every value after it is ≥ it.
    static func select(_ k: Int, in values: UnsafeMutableBufferPointer<Float>) -> Float {
        precondition(k >= 0 && k < values.count)
        var lo = 0
        var hi = values.count - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            // Median of three into `mid`, so sorted or constant inputs stay linear.
            if values[mid] < values[lo] { values.swapAt(mid, lo) }
            if values[hi] < values[lo] { values.swapAt(hi, lo) }
            if values[hi] < values[mid] { values.swapAt(hi, mid) }
            let pivot = values[mid]
            var i = lo
            var j = hi
            while i <= j {
                while values[i] < pivot { i += 1 }
                while pivot < values[j] { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return values[k] }
        }
        return values[k]
    }

    /// The P-th percentile with linear interpolation between ranks (NumPy's default, as used by
    /// NeuRRAM's `np.percentile` mapping, devices.md §2). Reorders `values`.
    static func percentile(_ p: Double, of values: UnsafeMutableBufferPointer<Float>) -> Float {
        let n = values.count
        guard n > 0 else { return 0 }
        let rank = p / 100 * Double(n - 1)
        let lower = min(max(Int(rank.rounded(.down)), 0), n - 1)
        let fraction = rank - Double(lower)
        let a = select(lower, in: values)
        guard fraction > 0, lower + 1 < n else { return a }
        // After selection every value above index `lower` is ≥ a; the next rank is their minimum.
        var b = Float.infinity
        for i in (lower + 1)..<n where values[i] < b { b = values[i] }
        return Float(Double(a) + fraction * (Double(b) - Double(a)))
    }
}

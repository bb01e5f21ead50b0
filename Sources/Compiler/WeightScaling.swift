import Plan

/// w_max of one scaling unit (a layer, a tile or an output column) and how many of its weights lie
/// beyond it.
struct UnitScale: Sendable {
    var wMax: Float
    var clipped: Int
}

enum WeightScaling {
    /// Computes the unit's w_max from its weights per `clip`, reordering `values` (a scratch copy).
    ///
    /// If the statistic is 0 while the unit has non-zero weights (a pruned layer whose percentile
    /// falls among the zeros), max |W| is used instead, so no unit collapses to zero. An all-zero
    /// unit gets w_max = 0: the caller then uses k = 0 and maps every weight to the zero point,
    /// never dividing by w_max.
    static func scale(of values: UnsafeMutableBufferPointer<Float>, clip: ClipMode) -> UnitScale {
        let n = values.count
        guard n > 0 else { return UnitScale(wMax: 0, clipped: 0) }
        var stat: Float
        switch clip {
        case .sigma(let k):
            // Population standard deviation (NumPy's default), accumulated in Double.
            var sum = 0.0, sumSq = 0.0
            for v in values { let d = Double(v); sum += d; sumSq += d * d }
            let mean = sum / Double(n)
            stat = Float(k * (max(sumSq / Double(n) - mean * mean, 0)).squareRoot())
            absInPlace(values)
        case .max:
            absInPlace(values)
            stat = maxValue(values)
        case .percentile(let p):
            absInPlace(values)
            stat = Selection.percentile(p, of: values)
        }
        if !(stat > 0) || !stat.isFinite { stat = maxValue(values) }
        var clipped = 0
        for v in values where v > stat { clipped &+= 1 }
        return UnitScale(wMax: stat, clipped: clipped)
    }

    private static func absInPlace(_ values: UnsafeMutableBufferPointer<Float>) {
        for i in values.indices { values[i] = abs(values[i]) }
    }

    private static func maxValue(_ values: UnsafeMutableBufferPointer<Float>) -> Float {
        var m: Float = 0
        for v in values where v > m { m = v }
        return m
    }
}

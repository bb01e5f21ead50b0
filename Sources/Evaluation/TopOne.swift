import NetworkModel

/// The top-1 rule every accuracy of Imprint is counted with (`infer`'s accuracy, verify's baseline
/// and per-trial accuracies), written once so that they agree by construction.
public enum TopOne {
    /// The predicted class of one output row: the index of the first largest value. Ties go to the
    /// lower index. NaN never wins (every comparison with NaN is false), so a row that is all NaN (or
    /// all −∞) predicts class 0; that is why the data sets refuse NaN samples up front
    /// (`Dataset.checkedUsable`) instead of letting them score.
    public static func prediction(_ row: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        var bestValue = -Float.infinity
        for j in row.indices where row[j] > bestValue {
            bestValue = row[j]
            best = j
        }
        return best
    }

    /// How many samples of a batch are predicted as labelled. `outputs` holds one row per sample of
    /// `samples` (data-set indices, in order); `labels` is indexed by data-set index.
    public static func correct(_ outputs: Tensor, samples: Range<Int>, labels: [Int]) -> Int {
        let perSample = samples.isEmpty ? 0 : outputs.count / samples.count
        var correct = 0
        outputs.data.withUnsafeBufferPointer { v in
            for (k, i) in samples.enumerated() {
                let row = UnsafeBufferPointer(rebasing: v[(k * perSample)..<((k + 1) * perSample)])
                if prediction(row) == labels[i] { correct += 1 }
            }
        }
        return correct
    }
}

/// Correct top-1 predictions out of the samples counted.
public struct TopOneCount: Sendable, Equatable {
    public var correct: Int
    public var samples: Int

    public init(correct: Int, samples: Int) { self.correct = correct; self.samples = samples }

    /// The fraction correct; nil for no samples (0 % would look like a result).
    public var accuracy: Double? { samples == 0 ? nil : Double(correct) / Double(samples) }
}

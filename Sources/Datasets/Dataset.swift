/// Samples (and optionally class labels) held in their stored element type; batches are converted
/// to float32 on demand so a whole test set costs its on-disk size, not four times it.
public struct Dataset: Sendable {
    /// Where the samples came from, for messages.
    public let source: String
    /// Samples along axis 0.
    public let samples: NumericArray
    public let labels: [Int]?

    public init(source: String, samples: NumericArray, labels: [Int]? = nil) throws(DatasetError) {
        guard samples.shape.count >= 1 else { throw DatasetError(file: source, "a data set needs a sample axis") }
        // A zero-length axis makes the element count 0 whatever the other axes claim, so the readers'
        // size checks pass; the other axes still size samples and batches, so their product must fit.
        guard NPYFormat.elementCount(samples.shape.map { max($0, 1) }) != nil else {
            throw DatasetError(file: source, "shape \(samples.shape) is too large")
        }
        if let labels, labels.count != samples.shape[0] {
            throw DatasetError(file: source, "\(labels.count) labels for \(samples.shape[0]) samples")
        }
        self.source = source
        self.samples = samples
        self.labels = labels
    }

    public var count: Int { samples.shape[0] }
    /// Shape of one sample as stored.
    public var sampleShape: [Int] { Array(samples.shape.dropFirst()) }
    public var elementsPerSample: Int { sampleShape.reduce(1, *) }

    /// Returns a copy limited to the first `n` samples.
    public func prefix(_ n: Int) -> Dataset {
        let n = max(0, min(n, count))
        let e = elementsPerSample
        let storage: NumericArray.Storage
        switch samples.storage {
        case .uint8(let v): storage = .uint8(Array(v[0..<(n * e)]))
        case .float32(let v): storage = .float32(Array(v[0..<(n * e)]))
        case .int64(let v): storage = .int64(Array(v[0..<(n * e)]))
        }
        // Labels and samples were checked to agree in count, so this cannot fail.
        return (try? Dataset(source: source, samples: NumericArray(shape: [n] + sampleShape, storage: storage),
                             labels: labels.map { Array($0[0..<n]) }))!
    }

    /// Refuses a set no accuracy can be measured on: no samples at all (an accuracy of 0 % would look
    /// like a result), or a NaN or infinite value (NaN outputs never win an argmax, so an all-NaN image
    /// set would score as if every prediction were class 0). Every verb loads through this check.
    public func checkedUsable() throws(DatasetError) -> Dataset {
        guard count > 0 else { throw DatasetError(file: source, "the data set has no samples") }
        guard case .float32(let values) = samples.storage else { return self }
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            let e = max(elementsPerSample, 1)
            let what = values[i].isNaN ? "NaN" : "an infinite value"
            throw DatasetError(file: source, "sample \(i / e) holds \(what) (element \(i % e)); samples must be finite numbers")
        }
        return self
    }

    /// Attaches labels, checking their count.
    public func withLabels(_ labels: [Int]) throws(DatasetError) -> Dataset {
        try Dataset(source: source, samples: samples, labels: labels)
    }

    /// Checks that each sample can feed an input of `inputShape` elements (any layout with that count).
    public func checkFits(inputShape: [Int], inputName: String) throws(DatasetError) {
        let need = inputShape.reduce(1, *)
        guard elementsPerSample == need else {
            throw DatasetError(file: source, "samples of shape \(sampleShape) (\(elementsPerSample) values) do not fit the model input '\(inputName)' of shape \(inputShape) (\(need) values)")
        }
    }

    /// Converts samples `range` to float32, laid out for a model input.
    ///
    /// - Parameters:
    ///   - inputShape: the model's per-sample input shape (C, H, W for images).
    ///   - channelsLast: the samples are stored H, W, C (as Keras expects them) and must be
    ///     transposed to the model's C, H, W.
    ///   - pixelScale: factor for integer samples (nil: divide by 255, so 8-bit pixels land in [0, 1]);
    ///     float samples are used as they are.
    public func batch(_ range: Range<Int>, inputShape: [Int], channelsLast: Bool, pixelScale: Float?) -> [Float] {
        let e = elementsPerSample
        let lo = range.lowerBound * e, hi = range.upperBound * e
        var out: [Float]
        switch (samples.storage, pixelScale) {
        // x / 255: 8-bit pixel codes to [0, 1] exactly as the frameworks' preprocessing divides
        // (examples/README.md); a multiplication by 1/255 would differ in the last bit.
        case (.uint8(let v), nil): out = Self.pixelsOver255(v[lo..<hi])
        case (.int64(let v), nil): out = v[lo..<hi].map { Float($0) / 255 }
        case (.uint8(let v), let scale?): out = v[lo..<hi].map { Float($0) * scale }
        case (.int64(let v), let scale?): out = v[lo..<hi].map { Float($0) * scale }
        case (.float32(let v), _): out = Array(v[lo..<hi])
        }
        if channelsLast, inputShape.count == 3, inputShape[0] > 1 {
            let (c, h, w) = (inputShape[0], inputShape[1], inputShape[2])
            var t = [Float](repeating: 0, count: out.count)
            for s in 0..<range.count {
                let base = s * e
                for y in 0..<h {
                    for x in 0..<w {
                        for ch in 0..<c {
                            t[base + (ch * h + y) * w + x] = out[base + (y * w + x) * c + ch]
                        }
                    }
                }
            }
            out = t
        }
        return out
    }

    /// Every 8-bit code divided by 255, 16 at a time: IEEE division lane by lane, so the same bits
    /// as `Float(code) / 255` (a scalar division per pixel took a quarter of the MLP's single-thread
    /// inference time; this and the 256-entry table it replaced are within noise of each other,
    /// about 1.7 ms of the MLP's 24 ms). The engine calls it once per part of a batch, on the part's
    /// thread (`InferenceEngine.forEachBatch`).
    private static func pixelsOver255(_ codes: ArraySlice<UInt8>) -> [Float] {
        [Float](unsafeUninitializedCapacity: codes.count) { out, initialized in
            codes.withUnsafeBufferPointer { codes in
                guard let src = codes.baseAddress, let dst = out.baseAddress else { return }
                let count = codes.count, vectors = count & ~15
                var i = 0
                while i < vectors {
                    let bytes = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD16<UInt8>.self)
                    let values = SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: bytes)) / 255
                    UnsafeMutableRawPointer(dst + i).storeBytes(of: values, as: SIMD16<Float>.self)
                    i &+= 16
                }
                for j in vectors..<count { dst[j] = Float(src[j]) / 255 }
            }
            initialized = codes.count
        }
    }
}

/// Per-read noise as the verifier needs it (ARCHITECTURE.md): with independent Gaussian device
/// noise, y_c = Σ_r x_r W_rc is exactly Gaussian around the noise-free product with variance
/// Σ_r x_r² V_rc, where V_rc is the variance of weight (r, c). So one extra GEMM of x² with V
/// replaces a weight sample per input.
public enum ReadNoise {
    /// V (rows × columns, row-major, weight units²) of one tile:
    /// V_rc = (k_c)² Σ_s significance_s² σ²_{s,r,c}, with σ in the plan's slot-major layout
    /// `readSigma_uS[(s · rows + r) · columns + c]` and k_c the tile's weight units per µS of column c
    /// (`Tile.weightPerMicrosiemens`). Signs drop out of a variance; replicas are separate slots.
    public static func weightVariance(readSigma_uS: [Float], rows: Int, columns: Int, significances: [Double],
                                      weightPerMicrosiemens: [Float], into variance: inout [Float]) {
        precondition(readSigma_uS.count == significances.count * rows * columns, "σ buffer does not fit the tile")
        precondition(weightPerMicrosiemens.count == columns, "one weight-per-µS per column")
        let plane = rows * columns
        if variance.count != plane { variance = [Float](repeating: 0, count: plane) }
        variance.withUnsafeMutableBufferPointer { v in
            readSigma_uS.withUnsafeBufferPointer { sig in
                weightPerMicrosiemens.withUnsafeBufferPointer { k in
                    for i in 0..<plane { v[i] = 0 }
                    for (s, significance) in significances.enumerated() {
                        let f = Float(significance * significance)
                        let base = s * plane
                        for i in 0..<plane { v[i] += f * sig[base + i] * sig[base + i] }
                    }
                    for r in 0..<rows {
                        for c in 0..<columns { v[r * columns + c] *= k[c] * k[c] }
                    }
                }
            }
        }
    }
}

internal import CBLAS
import Parallel

/// One GEMM block of a matrix product: exactly `GEMMBlocks.rows` input and output rows, block row
/// `r` holding the call's vector `firstVector + r` when `r` is in `valid`, zero padding otherwise.
package struct GEMMBlock {
    /// `GEMMBlocks.rows × k` inputs, row-major.
    package let x: UnsafePointer<Float>
    /// `GEMMBlocks.rows × n` outputs, row-major; only the `valid` rows are kept.
    package let y: UnsafeMutablePointer<Float>
    /// The call-local index of the vector in block row 0 (negative when the block starts before the
    /// call's first vector).
    package let firstVector: Int
    /// Block rows that hold the call's vectors.
    package let valid: Range<Int>
}

/// The one place matrix products are cut into BLAS calls, so that an output row's bits depend on its
/// own input row and nothing else: not on the batch size, the convolution chunk, the thread count or
/// the other vectors of the call.
///
/// Why: OpenBLAS picks its micro-kernels and edge paths by the number of rows M of a call, and a
/// row's rounding can depend on which path it took (measured: with the Haswell kernels verify's
/// accuracies moved between batch 37, 64, 100 and 256; with SkylakeX a ResNet's outputs changed in
/// the last bit between batch 64 and 256). So every call here has exactly `rows` rows, and the
/// blocks are aligned to the dataset-wide vector index (sample · vectorsPerSample + position, see
/// `MatrixProductContext`): block b always holds global vectors b·rows ..< (b + 1)·rows, and a block
/// a call covers only partly is copied into a zero-padded scratch block. Blocks are spread over
/// `context.threads` threads, one single-threaded GEMM each (OpenBLAS itself runs one thread).
package enum GEMMBlocks {
    /// Rows per GEMM call: large enough to amortise packing the weights, small enough to spread a
    /// 256-sample dense layer over several threads, and to keep a padded block cheap.
    package static let rows = 64

    /// Calls `body` once per block covering the context's vectors, concurrently over
    /// `context.threads` threads. `input` holds `context.vectorCount × k` values and `output`
    /// `context.vectorCount × n`, both row-major; `body` writes the block's `y` (all `valid` rows),
    /// which lands in `output`. Sizes are the caller's, checked with `checkedBLASSizes`.
    package static func forEach(input: UnsafePointer<Float>, k: Int, output: UnsafeMutablePointer<Float>, n: Int,
                               context: MatrixProductContext, _ body: (GEMMBlock) -> Void) {
        forEach(input: input, k: k, output: output, n: n, context: context, scratchFloats: 0) { block, _ in body(block) }
    }

    /// As `forEach`, lending `body` `scratchFloats` floats of its thread's own (uninitialised),
    /// allocated once per thread rather than per block: with two threads allocating per block,
    /// a default-periphery verify spent 10 % of its time in malloc's arena lock.
    package static func forEach(input: UnsafePointer<Float>, k: Int, output: UnsafeMutablePointer<Float>, n: Int,
                               context: MatrixProductContext, scratchFloats: Int,
                               _ body: (GEMMBlock, UnsafeMutablePointer<Float>) -> Void) {
        let m = context.vectorCount
        guard m > 0 else { return }
        let lead = leadingOffset(context)
        let blocks = (lead + m + rows - 1) / rows
        Parallelism(threads: context.threads).forEach(blocks, workPerItem: rows * max(k, 1) * max(n, 1)) { range in
            var xScratch: UnsafeMutablePointer<Float>? = nil, yScratch: UnsafeMutablePointer<Float>? = nil
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(scratchFloats, 1))
            defer { xScratch?.deallocate(); yScratch?.deallocate(); scratch.deallocate() }
            for b in range {
                let first = b * rows - lead
                let valid = max(0, -first)..<min(rows, m - first)
                if valid == 0..<rows {
                    body(GEMMBlock(x: input + first * k, y: output + first * n, firstVector: first, valid: valid), scratch)
                    continue
                }
                let xs = xScratch ?? UnsafeMutablePointer<Float>.allocate(capacity: rows * k)
                let ys = yScratch ?? UnsafeMutablePointer<Float>.allocate(capacity: rows * n)
                xScratch = xs; yScratch = ys
                xs.update(repeating: 0, count: rows * k)
                (xs + valid.lowerBound * k).update(from: input + (first + valid.lowerBound) * k, count: valid.count * k)
                body(GEMMBlock(x: xs, y: ys, firstVector: first, valid: valid), scratch)
                (output + (first + valid.lowerBound) * n).update(from: ys + valid.lowerBound * n, count: valid.count * n)
            }
        }
    }

    /// y[rows × n] = x[rows × k] · w[k × n], all row-major: one block's single-threaded SGEMM.
    package static func multiply(_ x: UnsafePointer<Float>, k: Int32, _ w: UnsafePointer<Float>, n: Int32,
                                into y: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), n, k, 1, x, k, w, n, 0, y, n)
    }

    /// As `multiply`, with W given as its transpose, row-major `[n × k]`.
    package static func multiplyTransposed(_ x: UnsafePointer<Float>, k: Int32, _ wT: UnsafePointer<Float>, n: Int32,
                                           into y: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), n, k, 1, x, k, wT, k, 0, y, n)
    }

    /// The block row of the context's first vector: (first sample · vectorsPerSample) mod `rows`,
    /// computed from the residues so that no product can overflow.
    static func leadingOffset(_ context: MatrixProductContext) -> Int {
        let sample = context.samples.lowerBound % rows, per = context.vectorsPerSample % rows
        return sample * per % rows
    }
}

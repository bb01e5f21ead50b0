import NetworkModel

/// A matrix-product node's weights seen as its crossbar matrices, without copying: element (g, r, c)
/// of group g's matrix sits at `g · groupStride + r · rowStride + c · columnStride` of the weight
/// tensor's data.
///
/// Dense [in, out] is already row-major rows × columns. A convolution [C_out, C_in/group, K_h, K_w]
/// stores each output channel's (c_in, k_h, k_w) kernel contiguously, so a crossbar column is
/// contiguous and the matrix is that slab transposed — the ONNX row order the plan promises.
struct LayerMatrix: Sendable {
    let node: String
    let matrix: CrossbarMatrix
    let weights: [Float]
    let groupStride: Int
    let rowStride: Int
    let columnStride: Int

    init?(node: Node) {
        guard let m = node.crossbarMatrix else { return nil }
        self.node = node.name
        self.matrix = m
        switch node.operation {
        case .dense(let d):
            weights = d.weight.data
            groupStride = 0; rowStride = m.columns; columnStride = 1
        case .conv2d(let c):
            weights = c.weight.data
            groupStride = m.columns * m.rows; rowStride = 1; columnStride = m.rows
        default:
            return nil
        }
    }

    @inline(__always) func offset(group g: Int, row r: Int, column c: Int) -> Int {
        g &* groupStride &+ r &* rowStride &+ c &* columnStride
    }

    /// Copies the weights of a rectangle of group g into `out` (row-major over the rectangle) and
    /// returns how many were written. `out` must hold rows.count · columns.count values.
    func gather(group g: Int, rows: Range<Int>, columns: Range<Int>, into out: UnsafeMutableBufferPointer<Float>) -> Int {
        weights.withUnsafeBufferPointer { w in
            var i = 0
            for r in rows {
                var o = offset(group: g, row: r, column: columns.lowerBound)
                for _ in columns {
                    out[i] = w[o]
                    i &+= 1
                    o &+= columnStride
                }
            }
            return i
        }
    }
}

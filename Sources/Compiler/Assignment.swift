/// Minimum-cost perfect assignment of an n × n cost matrix (the Hungarian method with potentials,
/// shortest augmenting paths, O(n³)): `solve(cost, n)[i]` is the column row i gets, and
/// Σ cost[i·n + result[i]] is minimal. Deterministic: ties go to the lowest column index.
enum Assignment {
    static func solve(_ cost: [Double], n: Int) -> [Int] {
        precondition(cost.count == n * n, "the cost matrix must be n × n")
        guard n > 0 else { return [] }
        // 1-based potentials u (rows), v (columns); p[j] = row matched to column j; way = path back.
        var u = [Double](repeating: 0, count: n + 1), v = [Double](repeating: 0, count: n + 1)
        var p = [Int](repeating: 0, count: n + 1), way = [Int](repeating: 0, count: n + 1)
        var minv = [Double](repeating: 0, count: n + 1)
        var used = [Bool](repeating: false, count: n + 1)
        for i in 1...n {
            p[0] = i
            var j0 = 0
            for j in 0...n { minv[j] = .infinity; used[j] = false }
            repeat {
                used[j0] = true
                let i0 = p[j0]
                var delta = Double.infinity, j1 = 0
                for j in 1...n where !used[j] {
                    let cur = cost[(i0 - 1) * n + (j - 1)] - u[i0] - v[j]
                    if cur < minv[j] { minv[j] = cur; way[j] = j0 }
                    if minv[j] < delta { delta = minv[j]; j1 = j }
                }
                for j in 0...n {
                    if used[j] { u[p[j]] += delta; v[j] -= delta } else { minv[j] -= delta }
                }
                j0 = j1
            } while p[j0] != 0
            repeat {
                let j1 = way[j0]
                p[j0] = p[j1]
                j0 = j1
            } while j0 != 0
        }
        var result = [Int](repeating: 0, count: n)
        for j in 1...n where p[j] > 0 { result[p[j] - 1] = j - 1 }
        return result
    }
}

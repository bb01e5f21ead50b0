import Foundation
import Testing
import Parallel

@Suite struct ParallelismTests {
    /// Collects what the workers report, from whichever threads call.
    final class Collected<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var values = [T]()
        func add(_ v: T) { lock.lock(); values.append(v); lock.unlock() }
        var all: [T] { lock.lock(); defer { lock.unlock() }; return values }
    }

    /// Disjoint contiguous ranges cover 0..<count exactly once, at most `threads` of them, and none
    /// when the work is too small to be worth a hand-off.
    @Test(arguments: [0, 1, 2, 7, 1000], [1, 2, 3, 8])
    func rangesCoverEveryItemOnce(count: Int, threads: Int) {
        let ranges = Collected<Range<Int>>()
        Parallelism(threads: threads).forEach(count, workPerItem: Parallelism.grain) { ranges.add($0) }
        let got = ranges.all.sorted { $0.lowerBound < $1.lowerBound }
        #expect(got.count == min(count, threads))
        #expect(got.allSatisfy { !$0.isEmpty })
        #expect(got.flatMap { Array($0) } == Array(0..<count))
        let tiny = Collected<Range<Int>>()
        Parallelism(threads: threads).forEach(count, workPerItem: 1) { tiny.add($0) }
        #expect(tiny.all == (count == 0 ? [] : [0..<count]))
    }

    /// Longest first into the least loaded bin; ties to the lower index; every item once.
    @Test func balancedBinsAreLongestFirst() {
        let sizes = [1, 3, 2, 9, 8, 7, 4, 5, 6, 3]
        let bins = Parallelism.balancedBins(Array(sizes.indices), sizes: sizes, bins: 3)
        #expect(bins == [[3, 6, 1], [4, 7, 9], [5, 8, 2, 0]])
        #expect(bins.flatMap { $0 }.sorted() == Array(sizes.indices))
        let loads = bins.map { $0.reduce(0) { $0 + sizes[$1] } }
        #expect(loads == [16, 16, 16])
    }

    /// Every item runs exactly once, whole, with results in their own slots whatever the thread count.
    @Test(arguments: [1, 2, 5])
    func forEachBySizeRunsEveryItemOnce(threads: Int) {
        let sizes = [50, 1, 1, 20, 3, 0, 7]
        let calls = Collected<Int>()
        Parallelism(threads: threads).forEach(sizes: sizes) { calls.add($0) }
        #expect(calls.all.sorted() == Array(sizes.indices))
    }

    /// Regions started from several threads at once (the spinning pool serves one at a time, the
    /// others go to Dispatch), and regions started inside a part: every region still covers its
    /// items exactly once, and nothing hangs (the time limit fails a deadlock).
    @Test(.timeLimit(.minutes(1)))
    func concurrentAndNestedRegionsCoverTheirItems() {
        let failures = Collected<String>()
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            for round in 0..<500 {
                let count = 2 + (caller + round) % 15
                let seen = Collected<Int>()
                Parallelism(threads: 2).forEach(count, workPerItem: Parallelism.grain) { range in
                    for i in range {
                        seen.add(i)
                        if round % 50 == 0 {
                            let inner = Collected<Int>()
                            Parallelism(threads: 2).forEach(3, workPerItem: Parallelism.grain) { r in r.forEach(inner.add) }
                            if inner.all.sorted() != [0, 1, 2] { failures.add("nested region in \(caller)/\(round)") }
                        }
                    }
                }
                if seen.all.sorted() != Array(0..<count) { failures.add("caller \(caller), round \(round): \(seen.all.sorted())") }
            }
        }
        #expect(failures.all.isEmpty)
    }

    /// Back-to-back short regions from one thread, as a small network's batches make them.
    @Test(.timeLimit(.minutes(1)))
    func manyShortRegionsInARow() {
        var slots = [Int](repeating: 0, count: 64)
        for _ in 0..<20_000 {
            slots.withUnsafeMutableBufferPointer { slots in
                Parallelism(threads: 2).forEach(slots.count, workPerItem: Parallelism.grain) { range in
                    for i in range { slots[i] += 1 }
                }
            }
        }
        #expect(slots.allSatisfy { $0 == 20_000 })
    }
}

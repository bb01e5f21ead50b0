internal import CKernels
import Foundation
import Synchronization

/// Worker threads that wait for the next parallel region by spinning for a while before they
/// sleep, and a caller that spins until the region's parts are done, so that short regions do not
/// pay two thread wake-ups each. Measured on the MLP (batches of 256 in two parts of ≈ 0.3 ms): with
/// `DispatchQueue.concurrentPerform` the second part started ≈ 30 µs late and the caller woke ≈ 30 µs
/// after it ended, in a 2-core VM where a sleeping core takes that long to wake.
///
/// One region at a time: a caller that finds the pool busy (another thread's region, or a region
/// started from inside a part) gets `false` and runs its region another way. Which thread runs which
/// part never changes what a part computes (`Parallelism`'s contract).
///
/// Protocol: the caller publishes the job, then a new generation. A worker that sees it takes one
/// of `parts − 1` seats before it reads the job, and counts itself done after its last part; parts
/// are handed out by an atomic counter. When the caller has run out of parts it withdraws the seats
/// no worker took, and waits for the seated workers only, so a sleeping worker never delays it, and
/// no worker reads the job once the caller moves on.
///
/// Workers are started as regions first need them (a region of p parts needs p − 1), up to one fewer
/// than the machine's cores, so `--threads 2` on a large machine keeps one worker, not a core's worth
/// of spinning threads.
final class SpinningPool: @unchecked Sendable {
    static let shared = SpinningPool(maximumWorkers: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

    /// How long an idle worker spins before it sleeps, and a waiting caller before it backs off.
    private static let spinNanoseconds: UInt64 = 200_000

    let maximumWorkers: Int
    /// Workers started so far; changed only by a caller holding `busy`.
    private var workers = 0
    private let busy = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    private let seats = Atomic<Int>(0)
    private let done = Atomic<Int>(0)
    private let nextPart = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let wakeUp = NSCondition()
    /// Written by the caller before it publishes a generation; read only by seated workers.
    private var job: ((Int) -> Void)?
    private var parts = 0

    init(maximumWorkers: Int) {
        self.maximumWorkers = maximumWorkers
    }

    /// Runs `body(p)` for every p in 0..<parts on the caller and up to `parts − 1` workers, and
    /// returns when all are done; false (nothing run) when the pool is busy or too small.
    func run(parts: Int, _ body: (Int) -> Void) -> Bool {
        guard parts >= 2, parts <= maximumWorkers + 1,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        while workers < parts - 1 {
            // A new worker has seen no generation yet: it starts from the current one.
            let thread = Thread { [unowned self, seen = generation.load(ordering: .acquiring)] in self.work(seen: seen) }
            thread.stackSize = 8 << 20
            thread.start()
            workers += 1
        }
        return withoutActuallyEscaping(body) { body in
            job = body
            self.parts = parts
            nextPart.store(0, ordering: .relaxed)
            done.store(0, ordering: .relaxed)
            seats.store(parts - 1, ordering: .releasing)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                wakeUp.lock(); wakeUp.broadcast(); wakeUp.unlock()
            }
            runParts(body, parts: parts)
            // Seats still free are withdrawn: workers arriving later skip this region.
            let untaken = max(0, seats.exchange(Int.min / 2, ordering: .acquiringAndReleasing))
            let seated = parts - 1 - untaken
            let start = DispatchTime.now().uptimeNanoseconds
            while done.load(ordering: .acquiring) < seated {
                if DispatchTime.now().uptimeNanoseconds - start < Self.spinNanoseconds { imprint_spin_pause() } else { usleep(20) }
            }
            job = nil
            return true
        }
    }

    private func runParts(_ body: (Int) -> Void, parts: Int) {
        while true {
            let p = nextPart.add(1, ordering: .relaxed).oldValue
            if p >= parts { return }
            body(p)
        }
    }

    private func work(seen start: Int) {
        var seen = start
        while true {
            var current = generation.load(ordering: .acquiring)
            if current == seen {
                let start = DispatchTime.now().uptimeNanoseconds
                while current == seen && DispatchTime.now().uptimeNanoseconds - start < Self.spinNanoseconds {
                    for _ in 0..<64 { imprint_spin_pause() }
                    current = generation.load(ordering: .acquiring)
                }
                if current == seen {
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    wakeUp.lock()
                    while generation.load(ordering: .sequentiallyConsistent) == seen { wakeUp.wait() }
                    wakeUp.unlock()
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    current = generation.load(ordering: .acquiring)
                }
            }
            seen = current
            guard seats.subtract(1, ordering: .acquiringAndReleasing).newValue >= 0 else { continue }
            runSeated()
            done.add(1, ordering: .releasing)
        }
    }

    /// A seated worker's share of the region. Its own function so that its reference to the job is
    /// released before the worker counts itself done: the caller's `withoutActuallyEscaping` traps
    /// if the closure outlives the region.
    @inline(never)
    private func runSeated() {
        if let job { runParts(job, parts: parts) }
    }
}

import Foundation

/// How the process's allocator treats the engine's large, short-lived buffers.
public enum FreedMemory {
    /// Keeps freed memory in the process for reuse instead of returning it to the system.
    ///
    /// Why: every activation, im2col buffer and batch is allocated and freed once per batch, and
    /// glibc serves blocks above its mmap threshold (128 KiB at first) with fresh mappings whose
    /// pages the kernel zeroes again on first touch, and trims the heap top above 128 KiB. Measured
    /// on the small ResNet, 2,560 images, 1 thread (`perf stat`): 105,547 page faults and 1.33 s of
    /// CPU before, 13,687 and 1.18 s after. Peak memory: the CNN's 69 → 64 MiB (one arena, below),
    /// a ResNet-50-sized network's 401 → 437 MiB (16 images at 224², 3.22 → 2.83 s): freed blocks
    /// stay mapped until exit and fragment. For the command-line tool, called first thing in
    /// `main`; a library user decides for their own process.
    public static func keepForReuse() {
        // glibc's mallopt (malloc.h, which Swift's Glibc module does not import), looked up so that
        // another C library simply keeps its defaults. Parameters from malloc.h: M_TRIM_THRESHOLD
        // −1, M_MMAP_THRESHOLD −3, M_MMAP_MAX −4. glibc caps the mmap threshold at 32 MiB on
        // 64-bit systems, so larger blocks (a ResNet-50-sized network's activations at batch 16
        // are 51 MiB) would still be mapped afresh per batch; M_MMAP_MAX 0 serves them from the
        // heap too (glibc still maps when the heap cannot grow). Measured on that network, 64
        // images, 1 thread: 9.7–10.0 → 9.2–9.3 s (the kernel's page zeroing had taken 6 % of the
        // samples), peak memory 470 → 491 MiB; the CNN and the small ResNet unchanged.
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        _ = mallopt(-3, 32 << 20)
        _ = mallopt(-1, 512 << 20)
        // One arena (M_ARENA_MAX, −8): with one per thread, each part of a batch kept its own freed
        // blocks and peak memory grew by a fifth (CNN, 2 threads: 84 MiB, against 69 MiB with
        // glibc's defaults and 64 MiB with one arena). The engine allocates a few large blocks per
        // layer, so the arena's lock is not contended.
        _ = mallopt(-8, 1)
        _ = mallopt(-4, 0)
    }
}

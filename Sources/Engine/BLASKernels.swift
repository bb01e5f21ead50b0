internal import CBLAS
import Foundation

/// OpenBLAS picks its kernels by CPU model at load time and falls back to its slowest ones
/// (Prescott, SSE3) on CPUs it does not recognise, such as many virtual machines' "generic" Xeons,
/// although they have AVX2 or AVX-512: GEMMs then run 4–6× slower. The choice can only be changed
/// before the library loads, through OPENBLAS_CORETYPE, so the executable re-runs itself once with it set.
public enum BLASKernels {
    public static func reexecWithFasterKernelsIfNeeded() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              InferenceEngine.blasCoreName.lowercased() == "prescott",
              let core = bestCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let args = CommandLine.arguments
        var cArgs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        cArgs.append(nil)
        execv("/proc/self/exe", &cArgs)
        // execv only returns on failure: carry on with the slow kernels.
        unsetenv("OPENBLAS_CORETYPE")
    }

    /// The OpenBLAS core matching the CPU's vector extensions, from /proc/cpuinfo.
    static func bestCoreType() -> String? {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        if flags.contains("avx512f") && flags.contains("avx512bw") { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        if flags.contains("avx") { return "Sandybridge" }
        return nil
    }

    /// Sets OpenBLAS to one thread and stops the worker threads it started at load time.
    ///
    /// Why stop them: OpenBLAS's pthread build starts one worker per core when it loads, and each
    /// spins on `sched_yield` for about 2^28 cycles (≈ 0.1 s) waiting for work that never comes, since
    /// every product here is a single-threaded call. Measured with `perf record -e cpu-clock` on
    /// `imprint infer` of the bundled CNN: 14 % of the process's samples were that spinning, on the
    /// second core while the model and data loaded. `blas_thread_shutdown_` is looked up at run time because only
    /// the pthread build has it (OpenMP builds start no such workers); single-threaded calls never
    /// restart the workers.
    public static func useOneThread() {
        _ = oneThread
    }

    private static let oneThread: Void = {
        openblas_set_num_threads(1)
        typealias Shutdown = @convention(c) () -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_") {
            _ = unsafeBitCast(symbol, to: Shutdown.self)()
        }
    }()
}

import Foundation

/// The temporary files this process has open (atomic outputs before their rename, extracted archive
/// members), so that an interrupted run removes them instead of leaving hundreds of megabytes of
/// `.NAME.UUID.tmp` behind. A writer creates its file through `create` (which registers it) and
/// unregisters it once the file is renamed into place or removed.
///
/// Process-wide by nature: a signal ends the whole process, whichever writer is live.
public enum TemporaryFiles {
    private final class Registry: @unchecked Sendable {
        let lock = NSLock()
        var paths = Set<String>()
        var installed = false
    }
    private static let registry = Registry()

    /// Creates a temporary file or folder and registers it in one step, under the lock: registered only
    /// after its creation, a file made just before a signal would be left behind; registered before it, the
    /// cleanup could run between the two and the file be made afterwards. `make` returns nil when it
    /// created nothing (nothing is then registered); it must not call back into `TemporaryFiles`.
    public static func create<T>(_ path: String, _ make: () throws -> T?) rethrows -> T? {
        registry.lock.lock(); defer { registry.lock.unlock() }
        guard let made = try make() else { return nil }
        registry.paths.insert(path)
        return made
    }

    public static func unregister(_ path: String) {
        registry.lock.lock(); defer { registry.lock.unlock() }
        registry.paths.remove(path)
    }

    /// Renames a registered temporary file into place and unregisters it, under the lock, so a signal
    /// cleanup sees either the finished destination or the temporary file, never a rename half-way.
    /// Returns 0, or the errno of a failed rename (the temporary file is then removed).
    public static func renameIntoPlace(_ temporary: String, _ destination: String) -> Int32 {
        registry.lock.lock(); defer { registry.lock.unlock() }
        registry.paths.remove(temporary)
        if rename(temporary, destination) == 0 { return 0 }
        let error = errno
        unlink(temporary)
        return error
    }

    /// Paths currently registered (for tests and diagnostics).
    public static var live: Set<String> {
        registry.lock.lock(); defer { registry.lock.unlock() }
        return registry.paths
    }

    /// On SIGINT, SIGTERM or SIGHUP: removes the registered files, then dies of the same signal with
    /// its default action, so the shell sees 128 + the signal number (130 for Ctrl-C, 143 for `kill`).
    ///
    /// The signal handler only writes the signal number to a pipe (async-signal-safe, whichever thread
    /// the kernel picks, BLAS threads included); a dedicated thread reads it, takes the lock, removes the
    /// files and raises the signal again. Call once, early in `main`.
    public static func removeOnSignals() {
        registry.lock.lock(); defer { registry.lock.unlock() }
        guard !registry.installed else { return }
        // A parent may start us with these signals blocked (Foundation's Process does); then they would
        // stay pending and the run would finish regardless. Threads started later inherit this mask.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&unblock, sig) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        SignalPipe.writeEnd = fds[1]
        let readEnd = fds[0]
        let thread = Thread {
            var sig: Int32 = 0
            while read(readEnd, &sig, MemoryLayout<Int32>.size) != MemoryLayout<Int32>.size {}
            // Keep the lock until the process dies, so no writer renames or registers a file meanwhile.
            registry.lock.lock()
            for p in registry.paths.sorted(by: { $0.count > $1.count }) { remove(p) }
            signal(sig, SIG_DFL)
            var mask = sigset_t()
            sigemptyset(&mask)
            sigaddset(&mask, sig)
            pthread_sigmask(SIG_UNBLOCK, &mask, nil)
            raise(sig)
        }
        thread.name = "imprint.signals"
        thread.start()
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                var s = sig
                _ = write(SignalPipe.writeEnd, &s, MemoryLayout<Int32>.size)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(sig, &action, nil)
        }
        registry.installed = true
    }
}

/// The write end of the signal pipe, read by the C signal handler, which cannot capture context.
private enum SignalPipe {
    nonisolated(unsafe) static var writeEnd: Int32 = -1
}

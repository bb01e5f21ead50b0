import ArgumentParser

/// `--threads`, with one meaning wherever a command spreads work over threads (`infer`, `verify`,
/// `compile`): a cap on worker threads that never changes a result.
struct ThreadOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
    }
}

import Foundation

/// A progress bar on standard error, shown only when standard error is a terminal and the work has
/// already taken more than a second; silent otherwise so logs and pipes stay clean.
final class ProgressBar {
    private let total: Int
    private let label: String
    private let start = Date()
    private let enabled: Bool
    private var shown = false
    private var lastDraw = Date.distantPast

    init(total: Int, label: String) {
        self.total = max(total, 1)
        self.label = label
        self.enabled = Terminal.standardErrorIsTerminal && ProcessInfo.processInfo.environment["CI"] == nil
    }

    func update(done: Int) {
        guard enabled else { return }
        let now = Date()
        let elapsed = now.timeIntervalSince(start)
        guard elapsed > 1, now.timeIntervalSince(lastDraw) > 0.1 || done >= total else { return }
        lastDraw = now
        shown = true
        let fraction = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let eta = fraction > 0 ? elapsed / fraction - elapsed : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = String(format: "\r%@ %@ %3.0f%% %@/%@  %.0f s left ", label, bar, fraction * 100,
                          grouped(done), grouped(total), eta)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Clears the bar's line.
    func finish() {
        guard shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}

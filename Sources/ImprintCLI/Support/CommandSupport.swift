import FileSupport
import Foundation

enum Terminal {
    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static var standardErrorIsTerminal: Bool { isatty(2) != 0 }

    /// A warning about an option that does not apply but is harmless, on stderr so that stdout
    /// (and `--json`) stays clean.
    static func warning(_ text: String) { standardError("imprint: warning: \(text)") }

    /// Where a file went, on stderr: stdout holds the result (text or `--json`).
    static func wrote(_ path: String, _ what: String) { standardError("Wrote \(what): \(path)") }
}

/// Thousands separated ("1,234,567"); see `Int.grouped`.
func grouped(_ n: Int) -> String { n.grouped }

/// "1 device", "2 arrays".
func counted(_ n: Int, _ noun: String) -> String { "\(n.grouped) \(noun)\(n == 1 ? "" : "s")" }

func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

/// Prints a command's result document on stdout through the one encoder.
func printDocument(_ value: some Encodable) throws {
    print(try JSONDocument.text(value), terminator: "")
}

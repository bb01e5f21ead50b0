import ArgumentParser
import FileSupport
import Foundation

/// Prints an error as one line on standard error and exits non-zero, instead of ArgumentParser's
/// generic wrapping, so a lab engineer reads "imprint: error: FILE: what is wrong".
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch let error as any KindedError {
        Terminal.standardError("imprint: error: \(error)")
        throw ExitCode(error.failureKind.exitCode)
    } catch {
        Terminal.standardError("imprint: error: \(error)")
        throw ExitCode(1)
    }
}

enum Terminal {
    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static var standardErrorIsTerminal: Bool { isatty(2) != 0 }
}

/// Thousands separated ("1,234,567"); see `Int.grouped`.
func grouped(_ n: Int) -> String { n.grouped }

func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

/// A JSON document printed or written by a command; keys keep their insertion order.
func jsonText(_ value: Any) -> String {
    // JSONSerialization sorts nothing and pretty-prints stably with .sortedKeys; we prefer readable order,
    // so encode by hand for dictionaries given as ordered key/value arrays.
    JSONValue.render(value)
}

/// Minimal ordered JSON encoding for command output.
enum JSONValue {
    /// An ordered object.
    struct Object { var pairs: [(String, Any?)] }

    static func render(_ v: Any?, indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent)
        let inner = String(repeating: "  ", count: indent + 1)
        switch v {
        case nil: return "null"
        case let o as Object:
            if o.pairs.isEmpty { return "{}" }
            let body = o.pairs.map { "\(inner)\(JSONString.quote($0.0)): \(render($0.1, indent: indent + 1))" }
            return "{\n" + body.joined(separator: ",\n") + "\n\(pad)}"
        case let a as [Any?]:
            if a.isEmpty { return "[]" }
            if a.allSatisfy({ $0 is Int || $0 is Double || $0 is Float }) {
                return "[" + a.map { render($0) }.joined(separator: ", ") + "]"
            }
            return "[\n" + a.map { inner + render($0, indent: indent + 1) }.joined(separator: ",\n") + "\n\(pad)]"
        case let s as String: return JSONString.quote(s)
        case let b as Bool: return b ? "true" : "false"
        case let i as Int: return String(i)
        case let d as Double: return d.isFinite ? String(d) : "null"
        case let f as Float: return f.isFinite ? String(Double(f)) : "null"
        default: return JSONString.quote(String(describing: v!))
        }
    }

}

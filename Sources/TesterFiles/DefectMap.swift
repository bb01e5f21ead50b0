import FileSupport
import Foundation
import Plan

/// Known faulty devices of one chip (formats/tester-plan.md, "Defect maps"): written by a lab's
/// forming/test step or by `touchup`, read by `compile` (fault-aware mapping) and `verify` (simulating
/// exactly those faults). Addresses are physical (array, word line, bit line), as `emit` writes them.
public struct DefectMap: Sendable, Equatable {
    public var defects: [Defect]
    /// Where it came from (a file name), for messages; nil when made in code.
    public var source: String?
    /// SHA-256 of the file it was read from (lowercase hex), which a plan records; nil when made in code.
    public var sha256: String?

    public init(defects: [Defect], source: String? = nil, sha256: String? = nil) {
        self.defects = defects
        self.source = source
        self.sha256 = sha256
    }

    /// The CSV columns, in order.
    public static let columns = ["array", "row", "col", "kind", "value_uS"]

    /// The file's text: optional `# key: value` comment lines, the header row, one line per defect
    /// (`*` for a whole line, `value_uS` empty unless `stuck_at`). Values are printed in the shortest
    /// form that reads back as the same double.
    public func csvText(comments: [(key: String, value: String)] = []) -> String {
        var out = ""
        for (key, value) in comments {
            out += "# \(key): \(value.replacingOccurrences(of: "\n", with: " "))\n"
        }
        out += Self.columns.joined(separator: ",") + "\n"
        for d in defects {
            let value: String
            if case .stuckAt(let v) = d.kind { value = v.description } else { value = "" }
            out += "\(d.array),\(d.row.map(String.init) ?? "*"),\(d.column.map(String.init) ?? "*"),\(d.kind.name),\(value)\n"
        }
        return out
    }

    /// Writes the CSV to `output` atomically (a regular file is renamed into place only when complete).
    public func write(to output: OutputDestination, comments: [(key: String, value: String)] = []) throws(FileWriteError) {
        let writer = try AtomicFileWriter(output)
        try writer.write(Array(csvText(comments: comments).utf8))
        try writer.commit()
    }
}

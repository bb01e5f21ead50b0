/// The one renderer of aligned plain-text tables (command output, plan summaries): columns padded
/// to their widest cell, two spaces apart, numbers right-aligned, no trailing blanks.
public enum TextTable {
    /// `rows[0]` is the header. `indent` starts every line.
    public static func render(_ rows: [[String]], rightAligned: Set<Int> = [], indent: String = "") -> [String] {
        guard let first = rows.first else { return [] }
        var widths = [Int](repeating: 0, count: first.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        return rows.map { r in
            var line = indent + r.enumerated().map { i, c in
                let pad = String(repeating: " ", count: max(0, widths[min(i, widths.count - 1)] - c.count))
                return rightAligned.contains(i) ? pad + c : c + pad
            }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}

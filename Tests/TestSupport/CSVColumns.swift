import Foundation

/// Reads the comma-separated files Imprint writes (emit's CSV, read-backs, touch-ups: `#` comment
/// lines before the header, no quoted fields) in one pass over their bytes, keeping only the columns
/// a test asks for. Splitting hundreds of thousands of rows as Swift Strings, grapheme by grapheme,
/// into a dictionary of every field took seconds per file in a debug build.
public enum CSVColumns {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The data rows of `url`, each as its fields of `columns` in that order. Throws when the header
    /// lacks one of them or a row has not the header's number of fields.
    public static func read(_ url: URL, columns: [String]) throws -> [[String]] {
        let (header, rows) = try read(url) { header in columns.map { header.firstIndex(of: $0) } }
        if let missing = columns.first(where: { !header.contains($0) }) {
            throw Failure(description: "\(url.lastPathComponent): no column \(missing) in \(header)")
        }
        return rows
    }

    /// The data rows of `url` as dictionaries of those of `columns` the header has (a column it lacks
    /// is absent, as in a dictionary of every field).
    public static func dictionaries(_ url: URL, columns: [String]) throws -> [[String: String]] {
        var present = [String]()
        let (_, rows) = try read(url) { header in
            present = columns.filter(header.contains)
            return present.map { header.firstIndex(of: $0) }
        }
        return rows.map { Dictionary(uniqueKeysWithValues: zip(present, $0)) }
    }

    /// Reads the header, asks `pick` which field index fills each place of a row (nil: none), and
    /// returns the header and the rows.
    static func read(_ url: URL, pick: ([String]) -> [Int?]) throws -> (header: [String], rows: [[String]]) {
        let data = try Data(contentsOf: url)
        let (newline, comma, hash) = (UInt8(ascii: "\n"), UInt8(ascii: ","), UInt8(ascii: "#"))
        guard data.last == newline else { throw Failure(description: "\(url.lastPathComponent): empty, or its last line has no newline") }
        var header = [String](), rows = [[String]](), ragged = [Int]()
        var place: [Int: Int]? = nil   // field index → place in a row, once the header is read
        var row = [String]()
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var lineStart = 0, fieldStart = 0, field = 0, line = 1
            for i in bytes.indices where bytes[i] == comma || bytes[i] == newline {
                let isComment = bytes[lineStart] == hash
                if !isComment {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[fieldStart..<i]), as: UTF8.self)
                    if let place { if let p = place[field] { row[p] = text } } else { header.append(text) }
                    field += 1
                }
                fieldStart = i + 1
                guard bytes[i] == newline else { continue }
                if !isComment {
                    if place == nil {
                        let picked = pick(header)
                        place = Dictionary(uniqueKeysWithValues: picked.enumerated().compactMap { p, f in f.map { ($0, p) } })
                        row = [String](repeating: "", count: picked.count)
                    } else {
                        rows.append(row)
                        if field != header.count { ragged.append(line) }
                    }
                }
                lineStart = i + 1; field = 0; line += 1
            }
        }
        if let first = ragged.first {
            throw Failure(description: "\(url.lastPathComponent):\(first): \(ragged.count) rows without the header's \(header.count) fields")
        }
        return (header, rows)
    }
}

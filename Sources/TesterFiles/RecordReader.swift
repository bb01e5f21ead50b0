import FileSupport
import Foundation

/// A text input of line records (a read-back, a defect map, characterisation data) could not be
/// read. One line naming the file and, where there is one, the line: "run1.csv:17: measured_uS is
/// not a number ('abc')".
public struct RecordFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based; nil for what concerns the whole file (cannot open, empty).
    public var line: Int?
    public var message: String
    public var failureKind: FailureKind

    public init(file: String, line: Int?, _ message: String, kind: FailureKind = .badData) {
        self.file = file; self.line = line; self.message = message; self.failureKind = kind
    }

    public var description: String { line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)" }
}

extension RecordFileError: KindedError {}

/// A column a caller reads: by name, required or optional. Required columns missing from a CSV
/// header fail at the header; in JSON Lines, at the first record without the key.
public struct RecordColumn: Sendable, Equatable {
    public var name: String
    public var required: Bool
    public init(_ name: String, required: Bool = true) { self.name = name; self.required = required }
    public static func optional(_ name: String) -> RecordColumn { RecordColumn(name, required: false) }
}

/// The one streaming reader of line records for every text input (formats/tester-plan.md,
/// "Read-back files", states the rules for users):
///
/// - CSV: leading `#` comment lines (`# key: value` pairs are kept, so `# plan_sha256: HEX` can tie a
///   file to a plan), one header row, then one record per line. RFC 4180 quoting within a line: a
///   field in double quotes may hold commas and doubled quotes (`""`), not line breaks, since records
///   are lines. Unquoted fields are trimmed of spaces and tabs.
/// - JSON Lines: one flat JSON object per line (values: numbers, strings, true/false, null; null
///   counts as absent). Leading `#` comment lines are accepted as in CSV.
///
/// Both: CRLF or LF line ends, a UTF-8 byte-order mark is skipped, blank lines and `#` lines anywhere
/// are skipped (a record never starts with `#`: its first field is a number or `{`), columns the
/// caller did not ask for are ignored. The format comes from the extension (.csv; .jsonl, .ndjson,
/// .json) or, failing that, from the first line that is not a comment (`{` starts JSON Lines).
///
/// The file is read in 1 MiB chunks and only the current line is kept, so memory does not grow with
/// the file; a line longer than `maxLineBytes` is refused rather than buffered without bound.
public struct RecordReader {
    public enum Format: String, Sendable, CaseIterable { case csv, jsonLines = "jsonl" }

    /// 1 MiB: an emitted device line is a few hundred bytes, so anything near this is not a record
    /// (a binary file, or a file whose line breaks were lost).
    public static let maxLineBytes = 1 << 20
    static let chunkBytes = 1 << 20

    public let path: String
    public private(set) var format: Format = .csv
    /// `# key: value` comment lines before the first record, in file order.
    public private(set) var comments: [Comment] = []

    /// A `# key: value` comment line: key and value trimmed of spaces, and the line it is on.
    public struct Comment: Sendable, Equatable {
        public var key: String
        public var value: String
        public var line: Int
    }
    /// The caller's columns.
    public let columns: [RecordColumn]

    private let handle: FileDescriptorBox
    private var buffer: [UInt8]
    private var start = 0, end = 0
    private var endOfFile = false
    private var lineNumber = 0
    private var atFileStart = true
    /// CSV: for each caller column, its field index in the header (nil: not in the file).
    private var fieldOfColumn: [Int?] = []
    private var headerFieldCount = 0
    /// JSON Lines: caller column by key.
    private var columnOfKey: [[UInt8]: Int] = [:]
    /// The current record's decoded bytes and, per caller column, its span in them.
    private var decoded = [UInt8]()
    private var spans = [Span?]()
    private var fieldStarts = [Int]()

    /// A field's place in `decoded`, and whether it was a JSON string or quoted (text, not a literal).
    struct Span { var range: Range<Int>; var quoted: Bool }

    /// Opens `url` and reads comments and (CSV) the header. `format` nil: from the extension, else sniffed.
    public init(url: URL, columns: [RecordColumn], format: Format? = nil) throws(RecordFileError) {
        path = url.path
        self.columns = columns
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw RecordFileError(file: path, line: nil, "no such file", kind: .missingInput)
        }
        guard info.st_mode & S_IFMT != S_IFDIR else {
            throw RecordFileError(file: path, line: nil, "is a folder, not a record file", kind: .missingInput)
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw RecordFileError(file: path, line: nil, "cannot open: \(String(cString: strerror(errno)))", kind: .missingInput)
        }
        handle = FileDescriptorBox(fd)
        buffer = [UInt8](repeating: 0, count: Self.chunkBytes)
        let ext = url.pathExtension.lowercased()
        let byExtension: Format? = ext == "csv" ? .csv : ["jsonl", "ndjson", "json"].contains(ext) ? .jsonLines : nil
        spans = Array(repeating: nil, count: columns.count)
        // Comments, then the first line that is not one: the CSV header, or the first JSON record.
        var first: Range<Int>? = nil
        while let line = try nextLine() {
            if line.isEmpty { continue }
            if buffer[line.lowerBound] == UInt8(ascii: "#") { keepComment(line); continue }
            first = line
            break
        }
        self.format = format ?? byExtension ?? (first.map { buffer[$0.lowerBound] == UInt8(ascii: "{") } == true ? .jsonLines : .csv)
        switch self.format {
        case .csv:
            guard let header = first else { throw RecordFileError(file: path, line: nil, "is empty: no header row (expected a CSV header naming the columns)") }
            try readHeader(header)
        case .jsonLines:
            for (i, c) in columns.enumerated() { columnOfKey[Array(c.name.utf8)] = i }
            pending = first
        }
    }

    /// JSON Lines: the first record, read while looking for the format.
    private var pending: Range<Int>?

    /// Whether the file has a column (CSV: in its header; JSON Lines: true for every caller column,
    /// since keys are per record).
    public func hasColumn(_ index: Int) -> Bool { format == .jsonLines || fieldOfColumn[index] != nil }

    /// The value of the first `# key: value` comment with this key.
    public func comment(_ key: String) -> Comment? { comments.first { $0.key == key } }

    /// The next record, or nil at the end of the file.
    public mutating func next() throws(RecordFileError) -> Record? {
        while true {
            let line: Range<Int>
            if let p = pending { line = p; pending = nil } else {
                guard let l = try nextLine() else { return nil }
                line = l
            }
            if line.isEmpty || buffer[line.lowerBound] == UInt8(ascii: "#") { continue }
            for i in spans.indices { spans[i] = nil }
            decoded.removeAll(keepingCapacity: true)
            switch format {
            case .csv: try parseCSVRecord(line)
            case .jsonLines: try parseJSONRecord(line)
            }
            for (i, c) in columns.enumerated() where c.required && spans[i] == nil {
                throw RecordFileError(file: path, line: lineNumber, "no value for the required column \(c.name)")
            }
            return Record(file: path, line: lineNumber, columns: columns, bytes: decoded, spans: spans)
        }
    }

    // MARK: lines

    /// The next line's byte range in `buffer` without its line end, or nil at the end of the file.
    private mutating func nextLine() throws(RecordFileError) -> Range<Int>? {
        while true {
            let found: Int? = buffer.withUnsafeBufferPointer { b in
                guard end > start, let p = memchr(b.baseAddress! + start, 0x0A, end - start) else { return nil }
                return UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self) - b.baseAddress!
            }
            if let nl = found {
                let line = start..<nl
                start = nl + 1
                return finish(line)
            }
            if end - start > Self.maxLineBytes {
                throw RecordFileError(file: path, line: lineNumber + 1, "line longer than \(Self.maxLineBytes >> 20) MiB without a line break: not a record file")
            }
            if endOfFile {
                guard end > start else { return nil }
                let line = start..<end
                start = end
                return finish(line)
            }
            try fill()
        }
    }

    /// Counts the line, drops a CR before the LF and a byte-order mark at the start of the file.
    private mutating func finish(_ raw: Range<Int>) -> Range<Int> {
        lineNumber += 1
        var line = raw
        if atFileStart {
            atFileStart = false
            if line.count >= 3, buffer[line.lowerBound] == 0xEF, buffer[line.lowerBound + 1] == 0xBB, buffer[line.lowerBound + 2] == 0xBF {
                line = (line.lowerBound + 3)..<line.upperBound
            }
        }
        if let last = line.last, buffer[last] == 0x0D { line = line.lowerBound..<(line.upperBound - 1) }
        return line
    }

    /// Moves the unread tail to the front and reads one more chunk behind it.
    private mutating func fill() throws(RecordFileError) {
        if start > 0 {
            let (n, from) = (end - start, start)
            if n > 0 {
                buffer.withUnsafeMutableBufferPointer { b in _ = memmove(b.baseAddress!, b.baseAddress! + from, n) }
            }
            start = 0; end = n
        }
        if buffer.count - end < Self.chunkBytes / 2 { buffer.append(contentsOf: repeatElement(0, count: Self.chunkBytes)) }
        let (fd, at) = (handle.fd, end)
        let got = buffer.withUnsafeMutableBufferPointer { b in read(fd, b.baseAddress! + at, b.count - at) }
        if got < 0 {
            if errno == EINTR { return }
            throw RecordFileError(file: path, line: nil, "cannot read: \(String(cString: strerror(errno)))", kind: .missingInput)
        }
        if got == 0 { endOfFile = true } else { end += got }
    }

    private mutating func keepComment(_ line: Range<Int>) {
        let text = String(decoding: buffer[(line.lowerBound + 1)..<line.upperBound], as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return }
        let key = text[..<colon].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else { return }
        comments.append(Comment(key: key, value: text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces), line: lineNumber))
    }

    // MARK: CSV

    private mutating func readHeader(_ line: Range<Int>) throws(RecordFileError) {
        try splitCSV(line)
        headerFieldCount = fieldStarts.count - 1
        var names = [String]()
        for f in 0..<headerFieldCount { names.append(String(decoding: decoded[fieldStarts[f]..<fieldEnd(f)], as: UTF8.self)) }
        fieldOfColumn = []
        for c in columns {
            let hits = names.indices.filter { names[$0] == c.name }
            if hits.count > 1 { throw RecordFileError(file: path, line: lineNumber, "the header names the column \(c.name) \(hits.count) times") }
            if hits.isEmpty && c.required {
                let shown = names.count > 12 ? names.prefix(12).joined(separator: ",") + ",…" : names.joined(separator: ",")
                throw RecordFileError(file: path, line: lineNumber, "the header has no column \(c.name) (it has: \(shown))")
            }
            fieldOfColumn.append(hits.first)
        }
    }

    private mutating func parseCSVRecord(_ line: Range<Int>) throws(RecordFileError) {
        try splitCSV(line)
        let count = fieldStarts.count - 1
        guard count == headerFieldCount else {
            throw RecordFileError(file: path, line: lineNumber, "\(count) field\(count == 1 ? "" : "s"), but the header has \(headerFieldCount)")
        }
        for (i, f) in fieldOfColumn.enumerated() {
            guard let f else { continue }
            let r = fieldStarts[f]..<fieldEnd(f)
            if !r.isEmpty { spans[i] = Span(range: r, quoted: quotedField[f]) }
        }
    }

    private var quotedField = [Bool]()

    /// The end of field `f` in `decoded` (fields are stored back to back).
    private func fieldEnd(_ f: Int) -> Int { fieldStarts[f + 1] }

    /// Splits a CSV line into `decoded` (quotes removed, `""` unescaped, unquoted fields trimmed),
    /// with field `f` at `fieldStarts[f]..<fieldStarts[f + 1]`.
    private mutating func splitCSV(_ line: Range<Int>) throws(RecordFileError) {
        decoded.removeAll(keepingCapacity: true)
        fieldStarts.removeAll(keepingCapacity: true)
        quotedField.removeAll(keepingCapacity: true)
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
        var i = line.lowerBound
        let n = line.upperBound
        while true {
            fieldStarts.append(decoded.count)
            while i < n, buffer[i] == space || buffer[i] == tab { i += 1 }
            if i < n, buffer[i] == quote {
                quotedField.append(true)
                i += 1
                var closed = false
                while i < n {
                    if buffer[i] == quote {
                        if i + 1 < n, buffer[i + 1] == quote { decoded.append(quote); i += 2; continue }
                        i += 1; closed = true; break
                    }
                    decoded.append(buffer[i]); i += 1
                }
                guard closed else { throw RecordFileError(file: path, line: lineNumber, "a quoted field is not closed (quoted fields cannot span lines)") }
                while i < n, buffer[i] == space || buffer[i] == tab { i += 1 }
                guard i == n || buffer[i] == comma else {
                    throw RecordFileError(file: path, line: lineNumber, "text after a closing quote (write a quote inside a quoted field as \"\")")
                }
            } else {
                quotedField.append(false)
                let s = i
                while i < n, buffer[i] != comma { i += 1 }
                var e = i
                while e > s, buffer[e - 1] == space || buffer[e - 1] == tab { e -= 1 }
                decoded.append(contentsOf: buffer[s..<e])
            }
            if i < n { i += 1 } else { break }   // past the comma; a trailing comma leaves one more, empty field
            if i == n { fieldStarts.append(decoded.count); quotedField.append(false); break }
        }
        fieldStarts.append(decoded.count)
    }

    // MARK: JSON Lines

    /// Parses one flat JSON object; keys the caller asked for land in `decoded`/`spans`.
    private mutating func parseJSONRecord(_ line: Range<Int>) throws(RecordFileError) {
        var p = JSONLineParser(bytes: buffer, index: line.lowerBound, end: line.upperBound)
        let file = path, number = lineNumber
        func fail(_ why: String) -> RecordFileError { RecordFileError(file: file, line: number, "not a flat JSON object: \(why)") }
        p.skipSpaces()
        guard p.take(UInt8(ascii: "{")) else { throw fail("a JSON Lines record starts with {") }
        p.skipSpaces()
        var key = [UInt8]()
        if !p.take(UInt8(ascii: "}")) {
            while true {
                p.skipSpaces()
                key.removeAll(keepingCapacity: true)
                guard p.string(into: &key) else { throw fail(p.problem ?? "expected a key in double quotes") }
                p.skipSpaces()
                guard p.take(UInt8(ascii: ":")) else { throw fail("expected : after a key") }
                p.skipSpaces()
                let column = columnOfKey[key]
                let s = decoded.count
                var quoted = false
                if p.peek == UInt8(ascii: "\"") {
                    quoted = true
                    guard p.string(into: &decoded) else { throw fail(p.problem ?? "unterminated string") }
                } else if p.peek == UInt8(ascii: "{") || p.peek == UInt8(ascii: "[") {
                    throw fail("the value of \(String(decoding: key, as: UTF8.self)) is an object or array")
                } else {
                    let v = p.literal()
                    guard !v.isEmpty else { throw fail("expected a value after \(String(decoding: key, as: UTF8.self)):") }
                    decoded.append(contentsOf: buffer[v])
                }
                if let column {
                    if spans[column] != nil { throw RecordFileError(file: file, line: number, "the key \(columns[column].name) appears twice") }
                    let isNull = !quoted && decoded[s..<decoded.count].elementsEqual("null".utf8)
                    if !isNull { spans[column] = Span(range: s..<decoded.count, quoted: quoted) }
                } else {
                    decoded.removeSubrange(s...)
                }
                p.skipSpaces()
                if p.take(UInt8(ascii: ",")) { continue }
                guard p.take(UInt8(ascii: "}")) else { throw fail("expected , or } after a value") }
                break
            }
        }
        p.skipSpaces()
        guard p.atEnd else { throw fail("text after the closing }") }
    }
}

/// A record: its line and typed access to the caller's columns, by their index in `columns`.
/// Every accessor's error names the file, the line and the column.
public struct Record {
    public let file: String
    /// 1-based line number in the file.
    public let line: Int
    let columns: [RecordColumn]
    let bytes: [UInt8]
    let spans: [RecordReader.Span?]

    /// Whether the record has a value for the column (present, not empty, not JSON null).
    public func has(_ column: Int) -> Bool { spans[column] != nil }

    /// True when the value is `*` (defect maps: a whole word or bit line).
    public func isWildcard(_ column: Int) -> Bool {
        guard let s = spans[column] else { return false }
        return s.range.count == 1 && bytes[s.range.lowerBound] == UInt8(ascii: "*")
    }

    /// An error at this record's line (for callers' own checks: an address not in the plan, say).
    public func error(_ message: String) -> RecordFileError { RecordFileError(file: file, line: line, message) }

    public func text(_ column: Int) -> String? { spans[column].map { String(decoding: bytes[$0.range], as: UTF8.self) } }

    public func string(_ column: Int) throws(RecordFileError) -> String {
        guard let s = text(column) else { throw missing(column) }
        return s
    }

    public func double(_ column: Int) throws(RecordFileError) -> Double {
        guard let v = try optionalDouble(column) else { throw missing(column) }
        return v
    }

    /// A decimal number (`1.5`, `-2e-3`, `inf`, `nan` as text: the caller judges finiteness).
    public func optionalDouble(_ column: Int) throws(RecordFileError) -> Double? {
        guard let s = spans[column] else { return nil }
        guard let v = Self.parseDouble(bytes, s.range) else { throw notA("number", column) }
        return v
    }

    public func int(_ column: Int) throws(RecordFileError) -> Int {
        guard let v = try optionalInt(column) else { throw missing(column) }
        return v
    }

    /// A decimal integer (`12`, `-3`, and `12.0` from writers that print every number as a float).
    public func optionalInt(_ column: Int) throws(RecordFileError) -> Int? {
        guard let s = spans[column] else { return nil }
        if let v = Self.parseInt(bytes, s.range) { return v }
        if let d = Self.parseDouble(bytes, s.range), d.rounded() == d, abs(d) < 9.0e15 { return Int(d) }
        throw notA("integer", column)
    }

    /// `1`/`0` or `true`/`false`.
    public func optionalBool(_ column: Int) throws(RecordFileError) -> Bool? {
        guard let t = text(column) else { return nil }
        switch t.lowercased() {
        case "1", "true", "1.0": return true
        case "0", "false", "0.0": return false
        default: throw RecordFileError(file: file, line: line, "\(columns[column].name) must be 0 or 1 (got '\(Self.shown(t))')")
        }
    }

    private func missing(_ column: Int) -> RecordFileError {
        RecordFileError(file: file, line: line, "no value for \(columns[column].name)")
    }

    private func notA(_ what: String, _ column: Int) -> RecordFileError {
        RecordFileError(file: file, line: line, "\(columns[column].name) is not a\(what == "integer" ? "n" : "") \(what) ('\(Self.shown(text(column) ?? ""))')")
    }

    /// A value as messages show it: at most 40 characters, one line.
    static func shown(_ s: String) -> String {
        let flat = s.replacingOccurrences(of: "\n", with: " ")
        return flat.count > 40 ? String(flat.prefix(40)) + "…" : flat
    }

    static func parseInt(_ b: [UInt8], _ r: Range<Int>) -> Int? {
        var i = r.lowerBound
        guard i < r.upperBound else { return nil }
        var negative = false
        if b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { negative = b[i] == UInt8(ascii: "-"); i += 1 }
        guard i < r.upperBound, r.upperBound - i <= 18 else { return nil }
        var v = 0
        while i < r.upperBound {
            let d = Int(b[i]) - 48
            guard (0...9).contains(d) else { return nil }
            v = v * 10 + d
            i += 1
        }
        return negative ? -v : v
    }

    /// Bytes a decimal number may contain (digits, sign, point, exponent, inf, nan); strtod also
    /// takes hex floats and leading spaces, which a record's number is not.
    static let numberBytes: [Bool] = (0..<256).map { c in
        (48...57).contains(c) || "+-.eEinfatyINFATY".utf8.contains(UInt8(c))
    }

    /// strtod over a NUL-terminated copy (numbers are short); the whole field must be the number.
    static func parseDouble(_ b: [UInt8], _ r: Range<Int>) -> Double? {
        guard !r.isEmpty, r.count < 64 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { tmp -> Double? in
            for (k, i) in r.enumerated() {
                let c = b[i]
                // strtod also takes hex floats and leading spaces; a record's number is decimal.
                guard numberBytes[Int(c)] else { return nil }
                tmp[k] = CChar(bitPattern: c)
            }
            tmp[r.count] = 0
            var endPointer: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(tmp.baseAddress!, &endPointer)
            guard let endPointer, endPointer - tmp.baseAddress! == r.count else { return nil }
            return v
        }
    }
}

/// Closes the reader's file when the last copy of the reader goes away.
private final class FileDescriptorBox {
    let fd: Int32
    init(_ fd: Int32) { self.fd = fd }
    deinit { close(fd) }
}

/// The little JSON a flat record needs: strings (with escapes) and bare literals.
private struct JSONLineParser {
    let bytes: [UInt8]
    var index: Int
    let end: Int
    var problem: String? = nil

    init(bytes: [UInt8], index: Int, end: Int) { self.bytes = bytes; self.index = index; self.end = end }

    var atEnd: Bool { index >= end }
    var peek: UInt8? { index < end ? bytes[index] : nil }

    mutating func skipSpaces() { while index < end, bytes[index] == 32 || bytes[index] == 9 { index += 1 } }

    mutating func take(_ c: UInt8) -> Bool {
        guard index < end, bytes[index] == c else { return false }
        index += 1
        return true
    }

    /// A number, true, false or null: up to the next separator.
    mutating func literal() -> Range<Int> {
        let s = index
        while index < end {
            let c = bytes[index]
            if c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == 32 || c == 9 { break }
            index += 1
        }
        return s..<index
    }

    /// A JSON string, decoded (escapes, \u with surrogate pairs) and appended to `out`.
    mutating func string(into out: inout [UInt8]) -> Bool {
        guard take(UInt8(ascii: "\"")) else { return false }
        while index < end {
            let c = bytes[index]
            index += 1
            if c == UInt8(ascii: "\"") { return true }
            if c != UInt8(ascii: "\\") { out.append(c); continue }
            guard index < end else { break }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "u"):
                guard var scalar = hex4() else { problem = "a bad \\u escape"; return false }
                if (0xD800..<0xDC00).contains(scalar), take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4(),
                   (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                out.append(contentsOf: String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
            default: problem = "an unknown escape \\\(Character(Unicode.Scalar(e)))"; return false
            }
        }
        problem = "a string is not closed"
        return false
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= end else { return nil }
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let d = Character(Unicode.Scalar(bytes[index])).hexDigitValue else { return nil }
            v = v * 16 + UInt32(d)
            index += 1
        }
        return v
    }
}

import FileSupport
import Foundation
import Testing
import TestSupport
@testable import TesterFiles

/// The shared line-record reader: both formats, comments, quoting, line ends, bad lines.
@Suite struct RecordReaderTests {
    static let columns = [RecordColumn("array"), RecordColumn("row"), RecordColumn("col"), RecordColumn("measured_uS"),
                          .optional("time_s"), .optional("note")]

    static func write(_ text: String, name: String) throws -> URL {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// Every record as (line, array, row, col, measured, time, note).
    static func readAll(_ url: URL, format: RecordReader.Format? = nil) throws -> (RecordReader, [(Int, Int, Int, Int, Double, Double?, String?)]) {
        var reader = try RecordReader(url: url, columns: columns, format: format)
        var out = [(Int, Int, Int, Int, Double, Double?, String?)]()
        while let r = try reader.next() {
            out.append((r.line, try r.int(0), try r.int(1), try r.int(2), try r.double(3), try r.optionalDouble(4), r.text(5)))
        }
        return (reader, out)
    }

    /// The error a file raises, with its message.
    static func failure(_ text: String, name: String = "bad.csv", columns: [RecordColumn] = columns) throws -> RecordFileError {
        let url = try write(text, name: name)
        do {
            var reader = try RecordReader(url: url, columns: columns)
            while let r = try reader.next() {
                for c in columns.indices where columns[c].required {
                    if ["array", "row", "col"].contains(columns[c].name) { _ = try r.int(c) } else { _ = try r.double(c) }
                }
            }
        } catch {
            return error
        }
        Issue.record("no error for \(name)")
        return RecordFileError(file: "", line: nil, "")
    }

    @Test func csvWithCommentsQuotingAndCRLF() throws {
        let text = "\u{FEFF}# plan_sha256: ABC123 \r\n# units: uS\r\n#no colon here\r\n"
            + "row, array ,col,extra,measured_uS,note\r\n"
            + "1,0,2,\"x,y\",12.5,\"say \"\"hi\"\", ok\"\r\n"
            + "\r\n"
            + "# a comment between records\r\n"
            + "3,1,4,,0,\r\n"
            + "5,0,6,z,1e-3,last"   // no line break at the end
        let (reader, rows) = try Self.readAll(try Self.write(text, name: "crlf.csv"))
        #expect(reader.format == .csv)
        #expect(reader.comment("plan_sha256") == RecordReader.Comment(key: "plan_sha256", value: "ABC123", line: 1))
        #expect(reader.comment("units")?.value == "uS")
        #expect(reader.comments.count == 2)
        #expect(rows.count == 3)
        #expect(rows[0].0 == 5 && rows[0].1 == 0 && rows[0].2 == 1 && rows[0].3 == 2 && rows[0].4 == 12.5)
        #expect(rows[0].6 == "say \"hi\", ok")
        #expect(rows[0].5 == nil, "time_s is not a column of the file")
        #expect(!reader.hasColumn(4) && reader.hasColumn(3))
        #expect(rows[1].0 == 8 && rows[1].1 == 1 && rows[1].4 == 0 && rows[1].6 == nil)
        #expect(rows[2].0 == 9 && rows[2].4 == 0.001 && rows[2].6 == "last")
    }

    @Test func jsonLinesFlatObjects() throws {
        let text = "# plan_sha256: abc\n"
            + "{\"array\": 0, \"row\": 1, \"col\": 2, \"measured_uS\": 3.5, \"nested_ignored\": \"a,}b\", \"note\": \"caf\\u00e9 \\\"q\\\"\"}\n"
            + "\n"
            + "{\"measured_uS\":4,\"col\":5,\"row\":6,\"array\":7,\"time_s\":null,\"success\":true}\r\n"
            + "{\"array\":1.0,\"row\":0,\"col\":0,\"measured_uS\":\"2.25\",\"time_s\":60}"
        for (name, format) in [("r.jsonl", RecordReader.Format?.none), ("r.txt", nil), ("r.data", .jsonLines)] {
            let (reader, rows) = try Self.readAll(try Self.write(text, name: name), format: format)
            #expect(reader.format == .jsonLines, "\(name)")
            #expect(reader.comment("plan_sha256")?.value == "abc")
            #expect(rows.count == 3)
            #expect(rows[0].0 == 2 && rows[0].1 == 0 && rows[0].2 == 1 && rows[0].3 == 2 && rows[0].4 == 3.5)
            #expect(rows[0].6 == "café \"q\"")
            #expect(rows[1].0 == 4 && rows[1].1 == 7 && rows[1].2 == 6 && rows[1].3 == 5 && rows[1].5 == nil)
            #expect(rows[2].1 == 1 && rows[2].4 == 2.25 && rows[2].5 == 60)
        }
    }

    @Test func sniffsCSVWithoutAKnownExtension() throws {
        let (reader, rows) = try Self.readAll(try Self.write("array,row,col,measured_uS\n0,0,0,1\n", name: "readback.txt"))
        #expect(reader.format == .csv && rows.count == 1)
    }

    @Test func headerOnlyHasNoRecordsAndEmptyCSVIsAnError() throws {
        let (_, rows) = try Self.readAll(try Self.write("# c: 1\narray,row,col,measured_uS\n", name: "h.csv"))
        #expect(rows.isEmpty)
        let (_, none) = try Self.readAll(try Self.write("", name: "empty.jsonl"))
        #expect(none.isEmpty, "an empty JSON Lines file has no records")
        let e = try Self.failure("# only a comment\n\n", name: "empty.csv")
        #expect(e.description.hasSuffix("empty.csv: is empty: no header row (expected a CSV header naming the columns)"))
        #expect(e.line == nil && e.failureKind == .badData)
    }

    @Test func wildcardsAndBools() throws {
        let url = try Self.write("array,row,col,kind,success\n0,*,3,stuck_low,1\n0,2,*,stuck_at,false\n", name: "d.csv")
        var reader = try RecordReader(url: url, columns: [RecordColumn("array"), RecordColumn("row"), RecordColumn("col"), RecordColumn("kind"), .optional("success")])
        let a = try #require(try reader.next()), b = try #require(try reader.next())
        #expect(a.isWildcard(1) && !a.isWildcard(2))
        #expect(try a.int(2) == 3)
        #expect(try a.string(3) == "stuck_low")
        #expect(try a.optionalBool(4) == true)
        #expect(b.isWildcard(2))
        #expect(try b.optionalBool(4) == false)
        #expect(throws: RecordFileError.self) { try a.int(1) }
        #expect(try reader.next() == nil)
    }

    /// Each malformed input fails with one line naming the file, the line and the problem.
    @Test(arguments: [
        ("array,row,col\n0,0,0\n", "bad.csv:1: the header has no column measured_uS (it has: array,row,col)"),
        ("array,row,col,measured_uS\n0,0,0\n", "bad.csv:2: 3 fields, but the header has 4"),
        ("array,row,col,measured_uS\n0,0,0,1,9\n", "bad.csv:2: 5 fields, but the header has 4"),
        ("array,row,col,measured_uS\n0,0,0,1\n0,0,1,abc\n", "bad.csv:3: measured_uS is not a number ('abc')"),
        ("array,row,col,measured_uS\n0,0,0,0x10\n", "bad.csv:2: measured_uS is not a number ('0x10')"),
        ("array,row,col,measured_uS\n0,0.5,0,1\n", "bad.csv:2: row is not an integer ('0.5')"),
        ("array,row,col,measured_uS\n0,0,,1\n", "bad.csv:2: no value for the required column col"),
        ("array,row,col,measured_uS\n0,0,\"1,1\n", "bad.csv:2: a quoted field is not closed (quoted fields cannot span lines)"),
        ("array,row,col,measured_uS\n0,0,\"1\"x,1\n", "bad.csv:2: text after a closing quote (write a quote inside a quoted field as \"\")"),
        ("array,row,col,measured_uS,array\n", "bad.csv:1: the header names the column array 2 times"),
    ])
    func csvErrors(text: String, message: String) throws {
        let e = try Self.failure(text)
        #expect(e.description.hasSuffix(message), "\(e.description)")
        #expect(!e.description.contains("\n"))
        #expect(e.failureKind == .badData)
    }

    @Test(arguments: [
        ("{\"array\":0,\"row\":0,\"col\":0}\n", "bad.jsonl:1: no value for the required column measured_uS"),
        ("{\"array\":0,\"row\":0,\"col\":0,\"measured_uS\":1}\n[1,2]\n", "bad.jsonl:2: not a flat JSON object: a JSON Lines record starts with {"),
        ("{\"array\":0,\"row\":0,\"col\":0,\"measured_uS\":{\"a\":1}}\n", "bad.jsonl:1: not a flat JSON object: the value of measured_uS is an object or array"),
        ("{\"array\":0,\"row\":0,\"col\":0,\"measured_uS\":1\n", "bad.jsonl:1: not a flat JSON object: expected , or } after a value"),
        ("{\"array\":0,\"row\":0,\"col\":0,\"measured_uS\":1,\"row\":2}\n", "bad.jsonl:1: the key row appears twice"),
        ("{\"array\":0,\"row\":0,\"col\":0,\"measured_uS\":1} x\n", "bad.jsonl:1: not a flat JSON object: text after the closing }"),
        ("{\"array\":0,\"row\":0,\"col\":0,\"measured_uS\":\"1\\q\"}\n", "bad.jsonl:1: not a flat JSON object: an unknown escape \\q"),
    ])
    func jsonErrors(text: String, message: String) throws {
        let e = try Self.failure(text, name: "bad.jsonl")
        #expect(e.description.hasSuffix(message), "\(e.description)")
    }

    @Test func missingFileAndFolder() throws {
        let dir = try Fixtures.temporaryDirectory()
        let missing = #expect(throws: RecordFileError.self) { _ = try RecordReader(url: dir.appendingPathComponent("nope.csv"), columns: Self.columns) }
        #expect(missing?.failureKind == .missingInput && missing?.description.hasSuffix("nope.csv: no such file") == true)
        let folder = #expect(throws: RecordFileError.self) { _ = try RecordReader(url: dir, columns: Self.columns) }
        #expect(folder?.failureKind == .missingInput)
    }

    /// A 10 MB line without a break is refused once it passes the limit, with its line number,
    /// instead of being buffered whole.
    @Test func overlongLineIsRefused() throws {
        var text = "array,row,col,measured_uS\n0,0,0,1\n"
        text += String(repeating: "9", count: 10_000_000)
        let e = try Self.failure(text)
        #expect(e.description.hasSuffix("bad.csv:3: line longer than 1 MiB without a line break: not a record file"), "\(e.description)")
    }

    /// Lines that straddle the 1 MiB read chunks come out whole, with the right numbers.
    @Test func recordsAcrossChunkBoundaries() throws {
        var text = "array,row,col,measured_uS,note\n"
        let n = 40_000
        for i in 0..<n { text += "\(i % 7),\(i),\(i * 3),\(Double(i) / 8),\(String(repeating: "x", count: i % 61))\n" }
        let (_, rows) = try Self.readAll(try Self.write(text, name: "big.csv"))
        #expect(rows.count == n)
        for (i, r) in rows.enumerated() where r.0 != i + 2 || r.1 != i % 7 || r.2 != i || r.3 != i * 3 || r.4 != Double(i) / 8
            || (r.6 ?? "").count != i % 61 {
            Issue.record("record \(i) read back as \(r)")
            break
        }
    }
}

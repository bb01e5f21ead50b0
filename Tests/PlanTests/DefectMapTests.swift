import FileSupport
import Foundation
import Plan
import Testing
import TestSupport
import TesterFiles

/// Defect maps: what the writer writes reads back the same, and every rule of formats/tester-plan.md
/// ("Defect maps") refuses its bad line with one message naming the file and line.
@Suite struct DefectMapTests {
    static func write(_ text: String, name: String = "map.csv") throws -> URL {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    static let sample = DefectMap(defects: [
        Defect(array: 0, row: 12, column: 40, kind: .stuckLow),
        Defect(array: 0, row: 13, column: nil, kind: .stuckHigh),
        Defect(array: 1, row: nil, column: 7, kind: .stuckAt(value_uS: 3.5)),
        Defect(array: 2, row: 0, column: 0, kind: .stuckAt(value_uS: 0.1 + 0.2)),
    ])

    @Test func writerAndReaderRoundTrip() throws {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("chip.csv")
        try Self.sample.write(to: try OutputDestination(url.path), comments: [("lab", "chip 7"), ("plan_sha256", "00ff")])
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.hasPrefix("# lab: chip 7\n# plan_sha256: 00ff\narray,row,col,kind,value_uS\n0,12,40,stuck_low,\n0,13,*,stuck_high,\n1,*,7,stuck_at,3.5\n"))
        let back = try DefectMap.read(url.path)
        // Lines: the header is line 3, records follow.
        #expect(back.defects.map(\.line) == [4, 5, 6, 7])
        #expect(back.defects.map { Defect(array: $0.array, row: $0.row, column: $0.column, kind: $0.kind) } == Self.sample.defects)
        #expect(back.sha256 == SHA256Digest.hex(SHA256Digest.hash(Array(text.utf8))))
    }

    @Test func jsonLinesReadsTheSameKeys() throws {
        let url = try Self.write("""
            {"array":0,"row":12,"col":40,"kind":"stuck_low"}
            {"array":0,"row":13,"col":"*","kind":"stuck_high","note":"ignored"}
            {"array":1,"row":"*","col":7,"kind":"stuck_at","value_uS":3.5}
            {"array":2,"row":0,"col":0,"kind":"stuck_at","value_uS":0.30000000000000004}

            """, name: "map.jsonl")
        let back = try DefectMap.read(url.path)
        #expect(back.defects.map { Defect(array: $0.array, row: $0.row, column: $0.column, kind: $0.kind) } == Self.sample.defects)
    }

    @Test func emptyMapHasNoDefects() throws {
        #expect(try DefectMap.read(Self.write("# nothing found\narray,row,col,kind\n").path).defects.isEmpty)
    }

    static let header = "array,row,col,kind,value_uS\n"
    static let bad: [(String, String)] = [
        ("0,1,2,stuck_sideways,\n", "2: unknown kind 'stuck_sideways' (kinds: stuck_low, stuck_high, stuck_at)"),
        ("0,1,2,stuck_at,\n", "2: stuck_at needs value_uS"),
        ("0,1,2,stuck_at,-1\n", "2: value_uS must be a finite conductance ≥ 0 µS (got -1.0)"),
        ("0,1,2,stuck_at,nan\n", "2: value_uS must be a finite conductance ≥ 0 µS (got nan)"),
        ("0,1,2,stuck_at,inf\n", "2: value_uS must be a finite conductance ≥ 0 µS (got inf)"),
        ("0,1,2,stuck_low,3\n", "2: value_uS applies to stuck_at only"),
        ("0,1,2,stuck_low,\n0,1,3,stuck_low,\n0,1,2,stuck_high,\n", "4: the address 0,1,2 is listed twice (first on line 2)"),
        ("0,*,2,stuck_low,\n0,*,2,stuck_high,\n", "3: the address 0,*,2 is listed twice (first on line 2)"),
        ("0,*,*,stuck_low,\n", "2: row and col are both *"),
        ("-1,0,0,stuck_low,\n", "2: array, row and col start at 0"),
        ("0,-4,0,stuck_low,\n", "2: array, row and col start at 0"),
        ("0,x,0,stuck_low,\n", "2: row is not an integer ('x')"),
        ("0,1,2,,\n", "2: no value for the required column kind"),
    ]

    @Test(arguments: bad)
    func badLinesAreRefusedWithFileAndLine(body: String, message: String) throws {
        let url = try Self.write(Self.header + body)
        do {
            _ = try DefectMap.read(url.path)
            Issue.record("accepted: \(body)")
        } catch {
            #expect(error.description.hasPrefix("\(url.path):\(message)"), "\(error.description)")
            #expect(!error.description.contains("\n") && error.failureKind == .badData)
        }
    }

    @Test func missingColumnAndMissingFile() throws {
        let noKind = try Self.write("array,row,col\n0,0,0\n")
        #expect(throws: RecordFileError.self) { _ = try DefectMap.read(noKind.path) }
        do { _ = try DefectMap.read("/nonexistent/chip.csv"); Issue.record("read a missing file") } catch {
            #expect(error.failureKind == .missingInput && error.description.hasPrefix("/nonexistent/chip.csv"))
        }
    }
}

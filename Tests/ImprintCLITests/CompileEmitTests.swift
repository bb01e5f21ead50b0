import Foundation
import Testing
import TestSupport

/// `compile`, `inspect PLAN` and `emit` as a user runs them, on a committed real model.
@Suite(.serialized) struct CompileEmitTests {
    static let model = "examples/models/fmnist_cnn_torch.onnx"

    func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// The columns this suite reads, in this order.
    static let columns = ["order", "layer", "matrix_row", "matrix_col", "role", "significance", "target_uS", "weight_per_uS"]

    /// CSV data rows (comment lines skipped), each as its fields of `columns`, in one pass over the
    /// file's bytes: a dictionary of every field per row, split as Swift Strings, took most of this
    /// suite's time in a debug build (474,000 rows).
    func csvRows(_ url: URL) throws -> [[String]] {
        let data = try Data(contentsOf: url)
        let (newline, comma, hash) = (UInt8(ascii: "\n"), UInt8(ascii: ","), UInt8(ascii: "#"))
        var header = [String](), rows = [[String]]()
        var column = [Int: Int]()   // field index → place in `columns`, once the header is read
        var row = [String](repeating: "", count: Self.columns.count), ragged = 0
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var lineStart = 0, fieldStart = 0, field = 0
            for i in bytes.indices where bytes[i] == comma || bytes[i] == newline {
                let isComment = bytes[lineStart] == hash
                if !isComment {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[fieldStart..<i]), as: UTF8.self)
                    if column.isEmpty { header.append(text) } else if let c = column[field] { row[c] = text }
                    field += 1
                }
                fieldStart = i + 1
                guard bytes[i] == newline else { continue }
                if !isComment {
                    if column.isEmpty {
                        for (c, name) in Self.columns.enumerated() { if let k = header.firstIndex(of: name) { column[k] = c } }
                    } else {
                        rows.append(row)
                        if field != header.count { ragged += 1 }
                    }
                }
                lineStart = i + 1; field = 0
            }
        }
        try #require(column.count == Self.columns.count, "columns missing from \(header)")
        try #require(ragged == 0, "\(ragged) rows without the header's \(header.count) fields")
        return rows
    }

    @Test func compileWritesAPlanWhoseCSVRebuildsTheWeights() throws {
        let dir = try Fixtures.temporaryDirectory()
        let plan = dir.appendingPathComponent("m.plan")
        let r = try CommandRunner.run(["compile", Self.model, "--device", "rram", "--pairs", "dual", "--tile", "64x32",
                                       "--output", plan.path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try json(r.stdout)
        let weights = try #require(summary["weights"] as? Int)
        #expect(summary["devices"] as? Int == weights * 4, "dual pairs: 4 devices per weight")
        // The CNN's crossbar weights: 1·3·3·16 + 16·3·3·32 + 1152·64 + 64·10.
        #expect(weights == 144 + 4608 + 73728 + 640)

        // inspect PLAN prints the same summary as compile.
        // (compile adds where it wrote the plan).
        let again = try CommandRunner.run(["inspect", plan.path, "--json"])
        #expect(again.status == 0)
        let inspected = try json(again.stdout)
        #expect(summary["output"] as? String == plan.path && inspected["output"] is NSNull)
        let outputLine = #""output" *: *("[^"]*"|null)"#
        #expect(again.stdout.replacingOccurrences(of: outputLine, with: "", options: .regularExpression)
                == r.stdout.replacingOccurrences(of: outputLine, with: "", options: .regularExpression))
        #expect(summary["pairs"] as? String == "dual" && summary["significance"] as? Double == 3)
        // The text adds the placement with the address rule; the JSON lists every tile.
        let text = try CommandRunner.run(["inspect", plan.path])
        let tiles = try #require(summary["tiles"] as? Int)
        #expect(text.status == 0 && text.stdout.contains("Placement (array row = row_offset + r, array column = column_offset + c × 4 + s):"))
        #expect((summary["placement"] as? [[String: Any]])?.reduce(0) { $0 + (($1["tiles"] as? [Any])?.count ?? 0) } == tiles)
        // 41 tiles at 64x32: the text lists 40 (PlanSummary.placementTextRows) and counts the rest.
        #expect(tiles == 41 && text.stdout.contains("… 1 more tile on 1 more array (see --json)"))

        let csv = dir.appendingPathComponent("m.csv")
        let e = try CommandRunner.run(["emit", plan.path, "--format", "csv", "--output", csv.path])
        #expect(e.status == 0, "\(e.stderr)")
        let rows = try csvRows(csv)
        #expect(rows.count == weights * 4)
        let orders = Set(rows.map { Int($0[0])! })
        #expect(orders.count == rows.count && orders.min() == 0 && orders.max() == rows.count - 1)

        // A second, independent mapping (single pairs, per-column scale, other tiles) must give back
        // the same weights from its file alone: both equal the model's weights.
        let single = dir.appendingPathComponent("s.plan"), singleCSV = dir.appendingPathComponent("s.csv")
        #expect(try CommandRunner.run(["compile", Self.model, "--device", "pcm", "--scale", "column", "--tile", "100x20",
                                       "--threads", "1", "--output", single.path]).status == 0)
        #expect(try CommandRunner.run(["emit", single.path, "--format", "csv", "--output", singleCSV.path]).status == 0)
        let dual = rebuild(rows), other = rebuild(try csvRows(singleCSV))
        #expect(dual.count == weights && other.count == weights)
        let scale = dual.values.map(abs).max() ?? 0
        #expect(scale > 0.01)
        let worst = dual.map { abs($0.value - (other[$0.key] ?? .infinity)) }.max() ?? .infinity
        #expect(worst <= 1e-5 * scale, "largest disagreement \(worst)")
    }

    /// weight = weight_per_uS × Σ significance × (±target_uS), per (layer, matrix_row, matrix_col).
    func rebuild(_ rows: [[String]]) -> [String: Double] {
        var w = [String: Double]()
        for row in rows {
            let (layer, matrixRow, matrixColumn, role, significance, target, perMicrosiemens) = (row[1], row[2], row[3], row[4], row[5], row[6], row[7])
            let sign: Double = role == "pos" ? 1 : -1
            let part = Double(perMicrosiemens)! * Double(significance)! * sign * Double(target)!
            w["\(layer)|\(matrixRow)|\(matrixColumn)", default: 0] += part
        }
        return w
    }

    @Test func badCompileAndEmitInputsAreOneLineErrorsAndWriteNothing() throws {
        let dir = try Fixtures.temporaryDirectory()
        let out = dir.appendingPathComponent("x.plan").path
        let notAPlan = dir.appendingPathComponent("bad.plan")
        try Data("IMPRPLAN but then garbage".utf8).write(to: notAPlan)
        let cases: [[String]] = [
            ["compile", Self.model, "--device", "no-such-device", "--output", out],
            ["compile", Self.model, "--device", "pcm", "--tile", "600x600", "--array", "256x256", "--output", out],
            ["compile", Self.model, "--device", "pcm", "--keep-digital", "nope", "--output", out],
            ["compile", Self.model, "--device", "pcm", "--output", dir.appendingPathComponent("missing/x.plan").path],
            ["emit", notAPlan.path, "--format", "csv", "--output", dir.appendingPathComponent("x.csv").path],
            ["inspect", notAPlan.path],
        ]
        for args in cases {
            let r = try CommandRunner.run(args)
            #expect(r.status != 0, "\(args) should fail")
            expectOneError(r)
        }
        let usage = try CommandRunner.run(["compile", Self.model, "--device", "pcm", "--clip", "percentile:0", "--output", out])
        #expect(usage.status != 0 && usage.stderr.contains("--clip"))
        let threads = try CommandRunner.run(["compile", Self.model, "--device", "pcm", "--threads", "0", "--output", out])
        #expect(threads.status == 64 && threads.stderr.contains("--threads must be at least 1 (got 0)"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["bad.plan"])
    }
}

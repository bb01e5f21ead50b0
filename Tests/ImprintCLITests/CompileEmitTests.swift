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

    /// CSV data rows (comment lines skipped), each as its fields of `columns`.
    func csvRows(_ url: URL) throws -> [[String]] { try CSVColumns.read(url, columns: Self.columns) }

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

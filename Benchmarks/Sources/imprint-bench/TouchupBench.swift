import FileSupport
import Foundation
import Plan
import TesterFiles
import TesterLoop

/// Issue 11's speed figure: a read-back of every device of a large plan read and joined by address,
/// then its touch-up planned and written, against `cat` of the same file (disk or page-cache speed),
/// and peak memory against the plan's size in memory.
///
/// The read-back is made here from the plan's targets with a deterministic pattern (every 7th
/// device 0.8 µS high, every 11th 0.6 µS low, every 1,009th reading 0 with success 0), written in the
/// plan's order (the join does not depend on it) as `array,row,col,measured_uS,success`.
func touchupBenchmark(plan: Plan, folder: URL, planMiB: Double) throws {
    let readback = folder.appendingPathComponent("readback.csv")
    let output = folder.appendingPathComponent("touchup.csv")
    defer {
        try? FileManager.default.removeItem(at: readback)
        try? FileManager.default.removeItem(at: output)
    }
    let tGenerate = try seconds { try writeReadback(plan, to: readback) }
    let bytes = Double((try FileManager.default.attributesOfItem(atPath: readback.path)[.size] as? Int) ?? 0)
    let mib = bytes / 1_048_576

    // cat twice: the first may read the disk, the second reads the page cache, as the join will.
    var tCat = [Double]()
    for _ in 0..<2 {
        tCat.append(try seconds {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/cat")
            p.arguments = [readback.path]
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
        })
    }

    resetPeakMemory()
    let before = peakMemoryMiB()
    var measured: Measured!
    let cpu0 = cpuSeconds()
    let tJoin = try seconds { measured = try ReadBack.read(readback, plan: plan, planSHA256: nil) }
    let cpuJoin = cpuSeconds() - cpu0
    let joinedPeak = peakMemoryMiB()
    var summary: TouchupSummary!
    let cpu1 = cpuSeconds()
    let tPlan = try seconds {
        let writer = try TouchupWriter(header: plan.header, format: .csv, to: try OutputDestination(output.path))
        summary = try TouchupPlanner.touchup(plan, measured: measured, writer: writer).0
        try writer.finish()
    }
    let cpuPlan = cpuSeconds() - cpu1
    let outMiB = Double((try FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int) ?? 0) / 1_048_576
    print(String(format: "touchup, a read-back of every device of the ResNet-50-sized plan (%d M devices, %.0f MiB CSV, made in %.1f s):",
                 plan.deviceCount / 1_000_000, mib, tGenerate))
    print(String(format: "  cat: %.2f s (%.0f MiB/s), again %.2f s (%.0f MiB/s)", tCat[0], mib / tCat[0], tCat[1], mib / tCat[1]))
    print(String(format: "  read + join by address: %.2f s (CPU %.2f s) = %.0f MiB/s = %.2f × cat's time (page cache)",
                 tJoin, cpuJoin, mib / tJoin, tJoin / tCat[1]))
    print(String(format: "  plan + write the touch-up (%@ devices listed, %@ defective, %.0f MiB CSV): %.2f s (CPU %.2f s); whole touch-up %.0f MiB/s of read-back",
                 summary.listed.grouped, summary.defective.grouped, outMiB, tPlan, cpuPlan, mib / (tJoin + tPlan)))
    print(String(format: "  peak memory %.0f MiB after the join, %.0f MiB in all (%.0f MiB before; plan in memory %.0f MiB): growth %.2f × the plan",
                 joinedPeak, peakMemoryMiB(), before, planMiB, (peakMemoryMiB() - before) / planMiB))
}

/// The read-back file, written in 1 MiB pieces.
private func writeReadback(_ plan: Plan, to url: URL) throws {
    _ = FileManager.default.createFile(atPath: url.path, contents: nil)
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    var out = [UInt8]()
    out.reserveCapacity(1 << 21)
    out.append(contentsOf: "array,row,col,measured_uS,success\n".utf8)
    let slots = plan.roles.count
    var device = 0
    for tile in plan.tiles {
        let rows = tile.rows.count, cols = tile.columns.count
        for r in 0..<rows {
            for c in 0..<cols {
                for s in 0..<slots {
                    var g = tile.targets_uS[(s * rows + r) * cols + c]
                    var success = "1"
                    if device % 1009 == 0 { g = 0; success = "0" }
                    else if device % 7 == 0 { g += 0.8 }
                    else if device % 11 == 0 { g = max(g - 0.6, 0) }
                    device += 1
                    out.append(contentsOf: "\(tile.array),\(tile.rowOffset + r),\(tile.columnOffset + c * slots + s),\(g),\(success)\n".utf8)
                }
            }
            if out.count >= 1 << 20 {
                try handle.write(contentsOf: out)
                out.removeAll(keepingCapacity: true)
            }
        }
    }
    try handle.write(contentsOf: out)
}

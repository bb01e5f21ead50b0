import Plan
import TesterFiles

extension TouchupPlanner {
    /// The planner's view of tile `t` of a joined read-back (devices the tester did not report on
    /// are neither failed nor known good: success −1).
    public static func readback(_ measured: Measured, tile t: Int) -> TileReadback {
        TileReadback(measured_uS: measured.conductance_uS[t],
                     success: measured.success.map { $0[t].map { $0 == Measured.unknown ? -1 : Int8($0) } }
                         ?? [Int8](repeating: -1, count: measured.conductance_uS[t].count))
    }

    /// Plans the touch-up of every tile of `plan` from `measured` (complete: one record per device),
    /// handing each tile's listed devices to `writer`; returns the summary and the failed devices.
    public static func touchup(_ plan: Plan, measured: Measured, writer: TouchupWriter?) throws(PlanFileError) -> (TouchupSummary, [Defect]) {
        precondition(measured.missingDevices == 0 && measured.conductance_uS.count == plan.tiles.count)
        var planner = TouchupPlanner(header: plan.header)
        var defects = [Defect]()
        for (t, tile) in plan.tiles.enumerated() {
            let result = planner.plan(tile, readback(measured, tile: t))
            try writer?.add(result.tile, index: t, marks: result.marks)
            defects += result.defects
        }
        return (planner.tally.summary(), defects)
    }
}

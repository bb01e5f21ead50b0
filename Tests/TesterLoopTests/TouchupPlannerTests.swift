import Compiler
import Devices
import NetworkModel
import Plan
import Testing
import TestSupport
@testable import TesterFiles
@testable import TesterLoop

/// Small compiled plans and read-backs the tests make themselves.
enum LoopFixtures {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var device: DeviceSpec
        var pairs: PairMode
        var replicas: Int?
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "single-pcm", device: .pcm, pairs: .single, replicas: nil),
        Case(name: "dual-pcm-hermes", device: .pcmHermes, pairs: .dual(significance: 3), replicas: 1),
        Case(name: "single-rram", device: .rram, pairs: .single, replicas: nil),
        Case(name: "offset-hfox", device: .rramHfOx, pairs: .offset, replicas: nil),
        Case(name: "single-rram-x2", device: .rram, pairs: .single, replicas: 2),
    ]

    static func plan(_ c: Case, inputs: Int = 13, outputs: Int = 9, weights: [Float]? = nil) throws -> Plan {
        var rng = SplitMix64(seed: 11)
        let w = try Tensor(shape: [inputs, outputs], data: weights ?? (0..<inputs * outputs).map { i in i % 7 == 3 ? 0 : rng.uniform() })
        let net = try Network(name: "dense", inputs: [NetworkInput(name: "x", shape: [inputs])], outputs: ["y"],
                              nodes: [Node(name: "fc", operation: .dense(DenseOp(weight: w, bias: nil)), inputs: ["x"], output: "y")])
        var o = CompileOptions()
        o.pairs = c.pairs
        o.referenceColumns = 0   // offset mode against a digital zero point (touch-ups do not cover reference devices yet)
        o.tileRows = 8
        o.tileColumns = 5
        o.devicesPerConductance = c.replicas
        o.snapToLevels = false
        return try PlanCompiler.compile(net, device: c.device, options: o, source: SourceModel(fileName: "t", sha256: ""), toolVersion: "test")
    }

    /// Runs the planner over every tile of `plan` with read-backs from `readback(tileIndex, tile)`.
    static func touchup(_ plan: Plan, _ readback: (Int, Tile) -> TileReadback) -> (TouchupPlanner, [TileTouchup]) {
        var planner = TouchupPlanner(header: plan.header)
        let results = plan.tiles.enumerated().map { i, t in planner.plan(t, readback(i, t)) }
        return (planner, results)
    }

    static func exact(_ t: Tile) -> TileReadback {
        TileReadback(measured_uS: t.targets_uS, success: [Int8](repeating: 1, count: t.targets_uS.count))
    }

    /// A read-back far from perfect: errors of a few window widths on a third of the devices, some
    /// devices stuck at a rail or mid-range, some failures reported by the tester.
    static func perturbed(_ plan: Plan, _ t: Tile, seed: UInt64) -> TileReadback {
        var rng = SplitMix64(seed: seed)
        let rules = plan.targetRules
        var m = t.targets_uS, s = [Int8](repeating: 1, count: m.count)
        for i in m.indices {
            let u = rng.uniform()
            let h = rules.window.halfWidth_uS(target_uS: Double(m[i]))
            if u < -0.9 { m[i] = Float(rules.gMin_uS); s[i] = rng.uniform() < 0 ? 0 : 1 }       // stuck low
            else if u < -0.85 { m[i] = Float(rules.gMax_uS) }                                     // stuck high, reported fine
            else if u < -0.8 { m[i] = Float(rules.gMin_uS + 0.4 * (rules.gMax_uS - rules.gMin_uS)); s[i] = 0 } // failed mid-range
            else if u < -0.2 { m[i] = Float(min(max(Double(m[i]) + 4 * h * Double(rng.uniform()), 0), rules.gMax_uS)) }
            else { m[i] = Float(min(max(Double(m[i]) + 0.5 * h * Double(rng.uniform()), 0), rules.gMax_uS)) }
        }
        return TileReadback(measured_uS: m, success: s)
    }

    /// The read-back after a touch-up executed exactly: every listed device reads its new target.
    static func executed(_ before: TileReadback, _ t: TileTouchup) -> TileReadback {
        var next = before
        for i in t.marks.reasons.indices where t.marks.reasons[i] != 0 { next.measured_uS[i] = t.tile.targets_uS[i] }
        return next
    }
}

@Suite struct TouchupPlannerTests {
    @Test(arguments: LoopFixtures.cases)
    func exactReadBackNeedsNothing(_ c: LoopFixtures.Case) throws {
        let plan = try LoopFixtures.plan(c)
        let (planner, results) = LoopFixtures.touchup(plan) { _, t in LoopFixtures.exact(t) }
        let s = planner.tally.summary()
        #expect(s.devicesRead == plan.deviceCount)
        #expect(s.inWindow == plan.deviceCount)
        #expect(s.listed == 0 && s.defective == 0)
        #expect(results.allSatisfy { $0.marks.reasons.allSatisfy { $0 == 0 } && $0.defects.isEmpty })
        for l in s.layers { #expect(l.rmsWeightErrorBefore < 1e-6 && l.rmsWeightErrorAfter < 1e-6) }
    }

    @Test(arguments: LoopFixtures.cases)
    func touchupExecutedExactlyLeavesNothingToDo(_ c: LoopFixtures.Case) throws {
        let plan = try LoopFixtures.plan(c, inputs: 31, outputs: 17)
        let first = plan.tiles.enumerated().map { i, t in LoopFixtures.perturbed(plan, t, seed: UInt64(100 + i)) }
        let (planner, results) = LoopFixtures.touchup(plan) { i, _ in first[i] }
        let s = planner.tally.summary()
        #expect(s.listed > 0, "the perturbed read-back should need a touch-up")
        #expect(s.defective > 0)
        #expect(s.layers[0].rmsWeightErrorAfter < s.layers[0].rmsWeightErrorBefore)
        let second = results.indices.map { LoopFixtures.executed(first[$0], results[$0]) }
        let (again, results2) = LoopFixtures.touchup(plan) { i, _ in second[i] }
        let s2 = again.tally.summary()
        #expect(s2.listed == 0, "after an exact touch-up: \(s2.retargeted) re-targeted, \(s2.reprogrammed) re-programmed")
        #expect(s2.defective == s.defective, "the failed devices are still failed")
        #expect(results2.allSatisfy { $0.marks.reasons.allSatisfy { $0 == 0 } })
        // What the first pass predicted is what the second pass measures.
        #expect(abs(s2.layers[0].rmsWeightErrorBefore - s.layers[0].rmsWeightErrorAfter) <= 1e-6 * max(1, s.layers[0].rmsWeightErrorAfter))
    }

    /// Weight (r, c) of tile 0 and its devices' indices in the tile's slot-major layout.
    static func deviceIndices(_ plan: Plan, _ t: Tile, r: Int, c: Int) -> [Int] {
        (0..<plan.roles.count).map { s in (s * t.rows.count + r) * t.columns.count + c }
    }

    /// The first weight of tile 0 whose pos device holds at least `least` µS above g_min.
    static func positiveWeight(_ plan: Plan, least: Double) -> (r: Int, c: Int) {
        let t = plan.tiles[0], g = plan.targetRules.gMin_uS
        for r in t.rows.indices.map({ $0 - t.rows.lowerBound }) {
            for c in 0..<t.columns.count where Double(t.targets_uS[deviceIndices(plan, t, r: r, c: c)[0]]) >= g + least { return (r, c) }
        }
        preconditionFailure("no such weight")
    }

    @Test func dualPairLSPAbsorbsTheMeasuredMSPError() throws {
        let plan = try LoopFixtures.plan(LoopFixtures.cases[1])
        let rules = plan.targetRules, f = 3.0
        let (r, c) = Self.positiveWeight(plan, least: 5)
        let t = plan.tiles[0]
        let idx = Self.deviceIndices(plan, t, r: r, c: c)
        var rb = LoopFixtures.exact(t)
        let overshoot = 4 * rules.window.halfWidth_uS(target_uS: Double(t.targets_uS[idx[0]]))
        rb.measured_uS[idx[0]] += Float(overshoot)  // MSP pos overshoots, outside its window
        let (_, results) = LoopFixtures.touchup(plan) { i, tile in i == 0 ? rb : LoopFixtures.exact(tile) }
        let out = results[0]
        // The test's own computation: W = F·(G⁺ − G⁻) + (g⁺ − g⁻) from the compiled targets, the LSP
        // residual against the measured MSP, split onto the LSP pair from g_min.
        let tg = idx.map { Double(t.targets_uS[$0]) }, m = idx.map { Double(rb.measured_uS[$0]) }
        let w = f * (tg[0] - tg[1]) + (tg[2] - tg[3])
        let residual = w - f * (m[0] - m[1])
        let want = (rules.gMin_uS + max(residual, 0), rules.gMin_uS + max(-residual, 0))
        #expect(out.marks.reasons[idx[0]] == 0 && out.marks.reasons[idx[1]] == 0, "the MSP is left as measured")
        let newLSP = (Double(out.tile.targets_uS[idx[2]]), Double(out.tile.targets_uS[idx[3]]))
        #expect(abs(newLSP.0 - want.0) < 1e-4 && abs(newLSP.1 - want.1) < 1e-4, "LSP targets \(newLSP), want \(want)")
        #expect(out.marks.reasons[idx[3]] == UInt8(TouchupReason.retargetLSP.code))
        // Executed exactly, the weight is W again; wherever in their windows the LSP devices land, it
        // is within the LSP windows of W, far less than the MSP's error F × overshoot before.
        #expect(abs(f * (m[0] - m[1]) + newLSP.0 - newLSP.1 - w) < 1e-4)
        let hp = rules.window.halfWidth_uS(target_uS: newLSP.0), hn = rules.window.halfWidth_uS(target_uS: newLSP.1)
        for (dp, dn) in [(-1.0, 1.0), (1.0, -1.0), (1.0, 1.0)] {
            let held = f * (m[0] - m[1]) + (newLSP.0 + dp * hp) - (newLSP.1 + dn * hn)
            #expect(abs(held - w) <= hp + hn + 1e-4)
        }
        #expect(hp + hn < f * overshoot)
    }

    /// Tile 0 of a plan whose first weight with a pos device ≥ 3 µS above g_min reads that device
    /// three window half-widths high, every other device exactly; the touch-up of that tile.
    static func overshoot(_ c: LoopFixtures.Case) throws -> (tile: Tile, idx: [Int], readback: TileReadback, out: TileTouchup) {
        let plan = try LoopFixtures.plan(c)
        let (r, col) = positiveWeight(plan, least: 3)
        let t = plan.tiles[0]
        let idx = deviceIndices(plan, t, r: r, c: col)
        var rb = LoopFixtures.exact(t)
        rb.measured_uS[idx[0]] += Float(3 * plan.targetRules.window.halfWidth_uS(target_uS: Double(t.targets_uS[idx[0]])))
        let (_, results) = LoopFixtures.touchup(plan) { i, tile in i == 0 ? rb : LoopFixtures.exact(tile) }
        return (t, idx, rb, results[0])
    }

    @Test func pcmOvershootRaisesThePartnerInstead() throws {
        let (t, idx, rb, out) = try Self.overshoot(LoopFixtures.cases[0])
        let d = Double(t.targets_uS[idx[0]]) - Double(t.targets_uS[idx[1]])
        let partner = Double(rb.measured_uS[idx[0]]) - d  // G⁻ that restores G⁺ − G⁻ with G⁺ as measured
        #expect(out.marks.reasons[idx[0]] == 0, "lowering PCM costs a RESET; the partner moves up instead")
        #expect(out.marks.reasons[idx[1]] == UInt8(TouchupReason.retargetPartner.code))
        #expect(abs(Double(out.tile.targets_uS[idx[1]]) - partner) < 1e-4)
        #expect(partner > Double(rb.measured_uS[idx[1]]))
        #expect(out.marks.reasons.filter { $0 != 0 }.count == 1)
    }

    @Test func rramOvershootIsReprogrammed() throws {
        let (t, idx, _, out) = try Self.overshoot(LoopFixtures.cases[2])
        #expect(out.marks.reasons[idx[0]] == UInt8(TouchupReason.reprogram.code))
        #expect(out.tile.targets_uS[idx[0]] == t.targets_uS[idx[0]])
        #expect(out.marks.reasons[idx[1]] == 0)
    }

    @Test(arguments: [LoopFixtures.cases[0], LoopFixtures.cases[2]])
    func failedDeviceIsDefectiveAndItsPartnerHoldsTheWeight(_ c: LoopFixtures.Case) throws {
        let plan = try LoopFixtures.plan(c)
        let rules = plan.targetRules
        let (r, col) = Self.positiveWeight(plan, least: 3)
        let t = plan.tiles[0]
        let idx = Self.deviceIndices(plan, t, r: r, c: col)
        var rb = LoopFixtures.exact(t)
        let stuck = Double(t.targets_uS[idx[0]]) + 5  // failed at a value of its own, reported by the tester
        rb.measured_uS[idx[0]] = Float(stuck)
        rb.success[idx[0]] = 0
        let (planner, results) = LoopFixtures.touchup(plan) { i, tile in i == 0 ? rb : LoopFixtures.exact(tile) }
        let out = results[0]
        #expect(out.defects == [Defect(array: t.array, row: t.rowOffset + r, column: t.columnOffset + col * 2, kind: .stuckAt(value_uS: Double(Float(stuck).description)!))])
        #expect(out.marks.reasons[idx[0]] == 0, "a failed device is not retried")
        let partner = Double(Float(stuck)) - (Double(t.targets_uS[idx[0]]) - Double(t.targets_uS[idx[1]]))
        #expect(out.marks.reasons[idx[1]] == UInt8(TouchupReason.retargetPartner.code))
        #expect(abs(Double(out.tile.targets_uS[idx[1]]) - partner) < 1e-4)
        #expect(planner.tally.summary().layers[0].maxWeightErrorAfter < 1e-5)
        _ = rules
    }

    @Test func deviceAtARailFarFromItsTargetIsDefectiveEvenIfReportedFine() throws {
        let plan = try LoopFixtures.plan(LoopFixtures.cases[2])
        let rules = plan.targetRules
        let t = plan.tiles[0]
        // An idle device (target g_min) read at g_max with success = 1: imperfect detection.
        let i = t.targets_uS.firstIndex { Double($0) <= rules.gMin_uS + 1e-6 }!
        var rb = LoopFixtures.exact(t)
        rb.measured_uS[i] = Float(rules.gMax_uS)
        let (_, results) = LoopFixtures.touchup(plan) { k, tile in k == 0 ? rb : LoopFixtures.exact(tile) }
        #expect(results[0].defects.map(\.kind) == [.stuckHigh])
        #expect(results[0].marks.reasons[i] == 0)
        // A device near its own (high) target at the rail is not a defect.
        let (_, ok) = LoopFixtures.touchup(plan) { _, tile in LoopFixtures.exact(tile) }
        #expect(ok[0].defects.isEmpty)
    }

    /// A compiled target a rounding error above g_min is forced (window [0, g_min]); read back exactly,
    /// it must count as in its window (found on a dual-pair RRAM plan whose LSP residuals were float noise).
    @Test func forcedTargetJustAboveGMinReadExactlyIsInItsWindow() throws {
        let plan = try LoopFixtures.plan(LoopFixtures.cases[2])
        let rules = plan.targetRules
        var tile = plan.tiles[0]
        let i = tile.targets_uS.firstIndex { Double($0) <= rules.gMin_uS + 1e-6 }!
        tile.targets_uS[i] = Float(rules.gMin_uS + 0.5 * rules.forceTolerance_uS)
        #expect(rules.isForced(target_uS: Double(tile.targets_uS[i])) && Double(tile.targets_uS[i]) > rules.gMin_uS)
        var planner = TouchupPlanner(header: plan.header)
        let out = planner.plan(tile, LoopFixtures.exact(tile))
        #expect(out.marks.reasons.allSatisfy { $0 == 0 })
        #expect(planner.tally.summary().inWindow == tile.targets_uS.count)
    }
}

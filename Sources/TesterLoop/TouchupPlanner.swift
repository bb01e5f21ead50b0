import Devices
import Plan
import TesterFiles

/// The read-back of one tile, in the tile's slot-major device layout (`Tile.targets_uS`).
public struct TileReadback: Sendable {
    public var measured_uS: [Float]
    /// The tester's verdict per device: 1 success, 0 failure, −1 not reported.
    public var success: [Int8]
    public init(measured_uS: [Float], success: [Int8]) { self.measured_uS = measured_uS; self.success = success }
}

/// The touch-up of one tile: the tile with its new targets, what the writer lists, and the defects.
public struct TileTouchup: Sendable {
    public var tile: Tile
    public var marks: TouchupMarks
    /// The devices declared defective (a failed device, one `Defect` each).
    public var defects: [Defect]
}

/// Plans the second programming pass from a plan and its read-back, tile by tile (so a plan of any
/// size streams through in the memory of one tile). Depends on the plan and the device rules only,
/// never on simulation: what a lab's tester measured is the only evidence.
public struct TouchupPlanner: Sendable {
    public let header: PlanHeader
    let weights: WeightTouchup
    let rules: TargetRules
    public private(set) var tally: TouchupTally

    public init(header: PlanHeader) {
        self.header = header
        rules = header.targetRules
        weights = WeightTouchup(rules: rules, technology: header.device.technology, roles: header.roles)
        tally = TouchupTally(layers: header.layers.map(\.node))
    }

    func isFailed(target: Double, measured: Double, success: Int8) -> Bool {
        success == 0 || weights.looksStuck(measured: measured, target: target)
    }

    /// Where a failed device is stuck: at a rail, or at what was read.
    func defectKind(_ measured: Double) -> DefectKind {
        if measured <= rules.gMin_uS + weights.railTolerance(at: rules.gMin_uS) { return .stuckLow }
        if measured >= rules.gMax_uS - weights.railTolerance(at: rules.gMax_uS) { return .stuckHigh }
        // The read-back's float32 value as it was written ("7.26", not 7.260000228881836).
        return .stuckAt(value_uS: Double(Float(measured).description) ?? measured)
    }

    /// The touch-up of `tile` given its read-back; adds to `tally`.
    public mutating func plan(_ tile: Tile, _ readback: TileReadback) -> TileTouchup {
        let slots = header.roles.count
        let rows = tile.rows.count, cols = tile.columns.count, plane = rows * cols
        precondition(readback.measured_uS.count == tile.targets_uS.count && readback.success.count == tile.targets_uS.count)
        var out = tile
        var reasons = [UInt8](repeating: 0, count: tile.targets_uS.count)
        var defects = [Defect]()
        var devices = [DeviceReading]()
        devices.reserveCapacity(slots)
        // A fault-aware plan's known stuck devices are failed whatever they read: never programmed.
        var knownStuck = [Bool]()
        if !tile.stuckDevices.isEmpty {
            knownStuck = [Bool](repeating: false, count: tile.targets_uS.count)
            for d in tile.stuckDevices { knownStuck[d] = true }
        }
        for r in 0..<rows {
            for c in 0..<cols {
                devices.removeAll(keepingCapacity: true)
                for s in 0..<slots {
                    let i = s * plane + r * cols + c
                    let t = Double(tile.targets_uS[i]), m = Double(readback.measured_uS[i])
                    devices.append(DeviceReading(target_uS: t, measured_uS: m, failed: (!knownStuck.isEmpty && knownStuck[i]) || isFailed(target: t, measured: m, success: readback.success[i])))
                }
                let decision = weights.decide(devices)
                let k = Double(tile.weightPerMicrosiemens[c])
                let w = weights.weight(devices.map(\.target_uS))
                var counts = TouchupTally.Counts()
                counts.read = slots
                for s in 0..<slots {
                    let i = s * plane + r * cols + c
                    let d = devices[s]
                    if weights.inWindow(d.measured_uS, of: d.target_uS) { counts.inWindow += 1 }
                    if d.failed {
                        counts.defective += 1
                        defects.append(Defect(array: tile.array, row: tile.arrayRow(ofRow: r), column: tile.arrayColumn(ofColumn: c, slot: s, slots: slots),
                                              kind: defectKind(d.measured_uS)))
                    }
                    guard decision.programmed[s] else { continue }
                    let target = Float(decision.desired_uS[s])
                    out.targets_uS[i] = target
                    let reason: TouchupReason
                    if abs(Double(target) - d.target_uS) <= 1e-4 * max(1, abs(d.target_uS)) {
                        reason = .reprogram
                        counts.reprogrammed += 1
                    } else {
                        reason = weights.layout == .dual && s >= 2 ? .retargetLSP : .retargetPartner
                        counts.retargeted += 1
                    }
                    reasons[i] = UInt8(reason.code)
                }
                let before = k * (weights.weight(devices.map(\.measured_uS)) - w)
                let after = k * (weights.weight(decision.expected(devices)) - w)
                tally.add(counts, layer: tile.layer, errorBefore: before, errorAfter: after)
            }
        }
        return TileTouchup(tile: out, marks: TouchupMarks(measured_uS: readback.measured_uS, reasons: reasons), defects: defects)
    }
}

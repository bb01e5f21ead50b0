import Devices
import Foundation
import Plan

/// One device as every emitter writes it. Built on the fly per device (no per-device storage).
package struct DeviceRecord {
    var array: Int
    var row: Int
    var col: Int
    var layer: Int
    var matrixRow: Int
    var matrixCol: Int
    var slot: DeviceSlot
    var target_uS: Float
    var windowLo_uS: Float
    var windowHi_uS: Float
    var force: Bool
    var weightPerMicrosiemens: Float
    var order: Int
    var group: Int
    var zero_uS: Float
    /// Index of the device's tile in the plan.
    var tile: Int
    /// The spec's verify-read voltage, for the read currents.
    var readBias_V: Float
    /// Known stuck (a plan compiled against a defect map): not to be programmed.
    var stuck: Bool = false
    /// Touch-up files: the read-back's conductance of this device and why it is listed.
    var measured_uS: Float = .nan
    var reason: TouchupReason? = nil

    /// 1e6 / target; +inf for a zero target (an open circuit).
    var target_ohm: Float { Self.ohms(target_uS) }
    /// The window as resistances: the lowest resistance is the highest conductance's.
    var windowLo_ohm: Float { Self.ohms(windowHi_uS) }
    var windowHi_ohm: Float { Self.ohms(windowLo_uS) }
    /// Read currents at the verify-read bias, for testers that verify by current: µS × V = µA.
    var targetRead_uA: Float { target_uS * readBias_V }
    var windowLoRead_uA: Float { windowLo_uS * readBias_V }
    var windowHiRead_uA: Float { windowHi_uS * readBias_V }

    @inline(__always) static func ohms(_ g_uS: Float) -> Float { g_uS == 0 ? .infinity : Float(1e6 / Double(g_uS)) }
}

/// What emitters share: the header, the rules, the array filter.
struct EmitContext {
    let header: PlanHeader
    let rules: TargetRules
    let selection: ArraySelection?
    let layerNames: [String]
    /// Whether the records are a touch-up file's (the `measured_uS` and `reason` columns).
    let touchup: Bool
    /// SHA-256 of the plan file (hex) when emitting from a file, for the CSV's `# plan_sha256:` line,
    /// which a tester copies into its read-back to tie it to this plan.
    var planSHA256: String? = nil

    init(header: PlanHeader, selection: ArraySelection?, touchup: Bool = false, planSHA256: String? = nil) {
        self.header = header
        self.rules = header.targetRules
        self.selection = selection
        self.layerNames = header.layers.map(\.node)
        self.touchup = touchup
        self.planSHA256 = planSHA256
    }

    /// The device columns of this file.
    var columns: [DeviceField] {
        DeviceField.columns(offset: header.isOffsetMode, stuck: header.hasDefectMap, references: header.hasReferences, touchup: touchup)
    }

    func includes(array: Int) -> Bool { selection?.contains(array) ?? true }

    /// Arrays written, ascending.
    var arrays: [Int] { (0..<header.arrays.count).filter(includes(array:)) }

    /// The devices of a tile (`index` in the plan) in programming order: array row by row, along a row
    /// weight by weight, the slots of a weight together (order = orderStart + ρ(r)·(columns·slots) + γ(c)·slots + s),
    /// then its reference devices word line by word line (`Tile+References.swift`).
    /// A fault-aware plan's permutations decide which weight sits at each position; `matrix_row`
    /// and `matrix_col` name it. With `marks` (a touch-up file), only the weight devices it lists, each
    /// with its measured value and reason.
    func forEachDevice<E: Error>(in tile: Tile, index: Int, marks: TouchupMarks? = nil, _ body: (DeviceRecord) throws(E) -> Void) throws(E) {
        guard includes(array: tile.array) else { return }
        let slots = header.roles.count
        let rows = tile.rows.count, cols = tile.columns.count
        let layerColumns = header.layers[tile.layer].matrix.columns
        let readBias_V = Float(header.device.programVerify.readBias_V)
        let (rowAt, columnAt) = tile.inversePermutations()
        var stuck = [Bool]()
        if !tile.stuckDevices.isEmpty {
            stuck = [Bool](repeating: false, count: tile.targets_uS.count)
            for d in tile.stuckDevices { stuck[d] = true }
        }
        for p in 0..<rows {
            let r = rowAt[p]
            for q in 0..<cols {
                let c = columnAt[q]
                for s in 0..<slots {
                    let device = (s * rows + r) * cols + c
                    let reason = marks.flatMap { TouchupReason(code: Int($0.reasons[device])) }
                    if marks != nil && reason == nil { continue }
                    let target = tile.targets_uS[device]
                    let isStuck = !stuck.isEmpty && stuck[device]
                    let force = !isStuck && rules.isForced(target_uS: Double(target))
                    let bounds = rules.acceptanceBounds_uS(target_uS: Double(target))
                    let (lo, hi) = (Float(bounds.lowerBound), Float(bounds.upperBound))
                    try body(DeviceRecord(
                        array: tile.array, row: tile.rowOffset + p, col: tile.columnOffset + q * slots + s,
                        layer: tile.layer, matrixRow: tile.rows.lowerBound + r,
                        matrixCol: tile.group * layerColumns + tile.columns.lowerBound + c,
                        slot: header.roles[s], target_uS: target, windowLo_uS: lo, windowHi_uS: hi, force: force,
                        weightPerMicrosiemens: tile.weightPerMicrosiemens[c], order: tile.orderStart + (p * cols + q) * slots + s,
                        group: tile.group, zero_uS: tile.zero_uS, tile: index, readBias_V: readBias_V, stuck: isStuck,
                        measured_uS: marks?.measured_uS[device] ?? .nan, reason: reason))
                }
            }
        }
        if marks == nil { try forEachReference(in: tile, index: index, body) }  // a touch-up lists weight devices only
    }
}

/// The `--arrays` list: "0,2,5-7".
public struct ArraySelection: Sendable, Equatable {
    public private(set) var ranges: [ClosedRange<Int>]

    public init(parsing text: String) throws(PlanFileError) {
        func bad(_ why: String) -> PlanFileError {
            PlanFileError(file: "array selection '\(text)'", .invalidRequest("\(why); write array indices and ranges like 0,2,5-7"))
        }
        var ranges = [ClosedRange<Int>]()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = String(item).trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let lo = Int(parts[0]), let hi = Int(parts[parts.count - 1]) else {
                throw bad("'\(item)' is not an array index or range")
            }
            guard lo >= 0 else { throw bad("array indices start at 0") }
            guard lo <= hi else { throw bad("the range \(lo)-\(hi) is reversed") }
            ranges.append(lo...hi)
        }
        self.ranges = ranges
    }

    public func contains(_ array: Int) -> Bool { ranges.contains { $0.contains(array) } }

    /// Refuses indices the plan does not have, rather than silently emitting nothing for them.
    func check(arrayCount: Int, file: String) throws(PlanFileError) {
        if let r = ranges.first(where: { $0.upperBound >= arrayCount }) {
            throw PlanFileError(file: file, .invalidRequest("the array selection asks for array \(r.upperBound), but the plan has \(arrayCount) arrays (0-\(arrayCount - 1))"))
        }
    }
}

extension EmitContext {
    /// A tile's reference devices in programming order (word line by word line, line by line):
    /// role `ref`, the word line's matrix row, the tile's first matrix column (a reference serves all
    /// of the tile's columns), weight_per_uS 0 (it holds no weight itself), replica 0.
    func forEachReference<E: Error>(in tile: Tile, index: Int, _ body: (DeviceRecord) throws(E) -> Void) throws(E) {
        let n = tile.referenceColumns
        guard n > 0 else { return }
        let slots = header.roles.count
        let firstOrder = tile.orderStart + tile.weightCount * slots
        let matrixCol = tile.group * header.layers[tile.layer].matrix.columns + tile.columns.lowerBound
        let readBias_V = Float(header.device.programVerify.readBias_V)
        let slot = DeviceSlot(polarity: .ref, significance: 1, replica: 0)
        for r in 0..<tile.rows.count {
            for line in 0..<n {
                let target = tile.referenceTargets_uS[r * n + line]
                let bounds = rules.acceptanceBounds_uS(target_uS: Double(target))
                try body(DeviceRecord(
                    array: tile.array, row: tile.rowOffset + r, col: tile.referenceArrayColumn(line, slots: slots),
                    layer: tile.layer, matrixRow: tile.rows.lowerBound + r, matrixCol: matrixCol, slot: slot,
                    target_uS: target, windowLo_uS: Float(bounds.lowerBound), windowHi_uS: Float(bounds.upperBound),
                    force: rules.isForced(target_uS: Double(target)), weightPerMicrosiemens: 0,
                    order: firstOrder + r * n + line, group: tile.group, zero_uS: tile.zero_uS, tile: index,
                    readBias_V: readBias_V))
            }
        }
    }
}

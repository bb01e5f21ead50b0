/// A device's place on the chip, as `emit` writes it (`array`, `row`, `col`).
public struct DeviceAddress: Sendable, Hashable, CustomStringConvertible {
    public var array: Int
    public var row: Int
    public var col: Int
    public init(array: Int, row: Int, col: Int) { self.array = array; self.row = row; self.col = col }
    public var description: String { "array \(array) row \(row) col \(col)" }
}

/// A device of a plan by tile and index in the tile's packed `targets_uS`.
public struct DeviceLocation: Sendable, Hashable {
    public var tile: Int
    public var device: Int
    public init(tile: Int, device: Int) { self.tile = tile; self.device = device }
}

/// Address ↔ device index from the plan's geometry alone (each tile a rectangle of its array), so a
/// 50 M-device read-back is joined without a table of addresses: per array the list of its tiles, and
/// the last tile found is tried first (files list devices tile by tile).
public struct PlanAddressing: Sendable {
    private struct Rect: Sendable {
        var tile: Int, array: Int, rows: Range<Int>, cols: Range<Int>, weightRows: Int, weightCols: Int
    }
    private let byArray: [[Rect]]
    private let slots: Int
    private var last: Rect?

    public init(_ plan: Plan) {
        slots = plan.roles.count
        var byArray = [[Rect]](repeating: [], count: plan.arrays.count)
        for (t, tile) in plan.tiles.enumerated() where tile.array >= 0 && tile.array < byArray.count {
            byArray[tile.array].append(Rect(tile: t, array: tile.array, rows: tile.rowOffset..<(tile.rowOffset + tile.rows.count),
                                            cols: tile.columnOffset..<(tile.columnOffset + tile.columns.count * plan.roles.count),
                                            weightRows: tile.rows.count, weightCols: tile.columns.count))
        }
        self.byArray = byArray
    }

    /// The device at `a`, or nil if no tile of the plan holds that address.
    public mutating func locate(_ a: DeviceAddress) -> DeviceLocation? {
        guard a.array >= 0, a.array < byArray.count else { return nil }
        let rect: Rect
        if let l = last, l.array == a.array, l.rows.contains(a.row), l.cols.contains(a.col) {
            rect = l
        } else {
            guard let r = byArray[a.array].first(where: { $0.rows.contains(a.row) && $0.cols.contains(a.col) }) else { return nil }
            rect = r
            last = r
        }
        let r = a.row - rect.rows.lowerBound, j = a.col - rect.cols.lowerBound
        let (c, s) = (j / slots, j % slots)
        return DeviceLocation(tile: rect.tile, device: (s * rect.weightRows + r) * rect.weightCols + c)
    }

    /// The address of a device (the inverse of `locate`), by the address rule of formats/tester-plan.md.
    public static func address(of l: DeviceLocation, in plan: Plan) -> DeviceAddress {
        let tile = plan.tiles[l.tile]
        let (rows, cols) = (tile.rows.count, tile.columns.count)
        let s = l.device / (rows * cols), r = (l.device % (rows * cols)) / cols, c = l.device % cols
        return DeviceAddress(array: tile.array, row: tile.rowOffset + r, col: tile.columnOffset + c * plan.roles.count + s)
    }
}

/// What a tester read back from a programmed chip, joined to a plan: per tile, arrays indexed like
/// `Tile.targets_uS` (plan order), so it costs a few bytes per device of the plan and nothing per
/// address. Devices without a record (a partial read-back) hold NaN.
public struct Measured: Sendable, Equatable {
    /// Conductance read back per device, µS; NaN: no record.
    public var conductance_uS: [[Float]]
    /// Seconds from programming to the read, per device, when the read-back's times differ; nil when
    /// every device was read at `uniformTime_s`.
    public var time_s: [[Float]]?
    /// The read time of every device when `time_s` is nil.
    public var uniformTime_s: Double
    /// The tester's success flag per device: 1, 0, or `unknown`; nil when no record gives one.
    public var success: [[UInt8]]?
    /// Programming pulses per device, or `unknownPulses`; nil when no record gives them.
    public var pulses: [[UInt32]]?
    /// Devices of the plan with a record, and without one.
    public var recordedDevices: Int
    public var missingDevices: Int
    /// The read-back file, for messages and documents.
    public var source: String

    public static let unknown: UInt8 = 2
    public static let unknownPulses = UInt32.max

    public init(conductance_uS: [[Float]], time_s: [[Float]]?, uniformTime_s: Double, success: [[UInt8]]?,
                pulses: [[UInt32]]?, recordedDevices: Int, missingDevices: Int, source: String) {
        self.conductance_uS = conductance_uS; self.time_s = time_s; self.uniformTime_s = uniformTime_s
        self.success = success; self.pulses = pulses; self.recordedDevices = recordedDevices
        self.missingDevices = missingDevices; self.source = source
    }

    /// Every device of `plan` read at `time_s` with the given conductances (per tile, like the targets).
    public init(plan: Plan, conductance_uS: [[Float]], time_s: Double = 0, source: String = "") {
        let missing = conductance_uS.reduce(0) { $0 + $1.count { $0.isNaN } }
        self.init(conductance_uS: conductance_uS, time_s: nil, uniformTime_s: time_s, success: nil, pulses: nil,
                  recordedDevices: plan.deviceCount - missing, missingDevices: missing, source: source)
    }

    @inline(__always) public func isMeasured(tile: Int, device: Int) -> Bool { !conductance_uS[tile][device].isNaN }

    /// When the device was read, in seconds since it was programmed.
    @inline(__always) public func time_s(tile: Int, device: Int) -> Double {
        time_s.map { Double($0[tile][device]) } ?? uniformTime_s
    }

    /// The latest read of any measured device: the earliest time a simulation may start from.
    public var latestTime_s: Double {
        guard let time_s else { return uniformTime_s }
        var latest = 0.0
        for (t, tile) in time_s.enumerated() {
            for (d, v) in tile.enumerated() where !conductance_uS[t][d].isNaN { latest = max(latest, Double(v)) }
        }
        return latest
    }

    /// The conductances of tile `t` as the chip holds them: measured where read back, the target
    /// (`targets_uS`, the tile's) elsewhere.
    public func conductances_uS(tile t: Int, targets_uS: [Float]) -> [Float] {
        let g = conductance_uS[t]
        return targets_uS.indices.map { g[$0].isNaN ? targets_uS[$0] : g[$0] }
    }

    /// Whether the whole of tile `t` was read back.
    public func isComplete(tile t: Int) -> Bool { !conductance_uS[t].contains { $0.isNaN } }
}

import Devices
import FileSupport
import Plan

/// The device-level facts of one compilation, checked once: which slots a weight uses, how many
/// weight units a µS is worth at full scale, and the array size. Everything later trusts these.
struct MappingGeometry: Sendable {
    /// Conductances of one weight (pos/neg, MSP/LSP or one offset conductance), before the split into
    /// parallel devices.
    let conductances: [DeviceSlot]
    /// Devices wired in parallel per conductance.
    let replicas: Int
    /// Every device slot of a weight: conductance-major, replicas adjacent (`slot = conductance · N + replica`).
    let slots: [DeviceSlot]
    /// g_max − g_min of one conductance (µS).
    let range_uS: Double
    let gMin_uS: Double
    let gMax_uS: Double
    /// MSP significance F (dual mode), 1 otherwise.
    let significance: Double
    /// The conductance swing (µS, per conductance, significance-weighted) that ±w_max maps to:
    /// Δ (single), Δ/2 (offset), (F + 1)·Δ (dual). k = w_max / fullScale_uS.
    let fullScale_uS: Double
    let tileRows: Int
    let tileColumns: Int
    let arrayRows: Int
    let arrayColumns: Int
    /// Discrete per-device levels to snap to (ascending), nil for continuous targets.
    let levels_uS: [Double]?
    /// Reference bit lines per tile (offset mode; 0 for none), `ReferenceColumns`.
    let referenceColumns: Int

    init(device: DeviceSpec, options o: CompileOptions) throws(CompileError) {
        guard o.tileRows > 0, o.tileColumns > 0 else {
            throw .invalidOption(option: "tile size", detail: "rows and columns must be positive (got \(o.tileRows)x\(o.tileColumns))")
        }
        let n = o.devicesPerConductance ?? device.devicesPerConductance
        guard n >= 1 else {
            throw .invalidOption(option: "devices per conductance", detail: "must be at least 1 (got \(n))")
        }
        switch o.clip {
        case .max: break
        case .percentile(let p):
            guard p.isFinite, p > 0, p <= 100 else {
                throw .invalidOption(option: "clip", detail: "percentile must lie in (0, 100] (got \(p))")
            }
        case .sigma(let k):
            guard k.isFinite, k > 0 else {
                throw .invalidOption(option: "clip", detail: "sigma multiple must be positive (got \(k))")
            }
        }
        guard device.gMin_uS.isFinite, device.gMax_uS.isFinite, device.gMin_uS >= 0, device.gMax_uS > device.gMin_uS else {
            throw .invalidDevice("'\(device.name)' has g_min \(device.gMin_uS) µS and g_max \(device.gMax_uS) µS; need 0 ≤ g_min < g_max")
        }
        let pos = { (f: Double) in DeviceSlot(polarity: .pos, significance: f, replica: 0) }
        let neg = { (f: Double) in DeviceSlot(polarity: .neg, significance: f, replica: 0) }
        range_uS = device.gMax_uS - device.gMin_uS
        switch o.pairs {
        case .single:
            conductances = [pos(1), neg(1)]
            significance = 1
            fullScale_uS = range_uS
        case .offset:
            conductances = [DeviceSlot(polarity: .single, significance: 1, replica: 0)]
            significance = 1
            fullScale_uS = range_uS / 2
        case .dual(let f):
            guard f.isFinite, f > 1 else {
                throw .invalidOption(option: "significance", detail: "the MSP factor must be greater than 1 (got \(f))")
            }
            conductances = [pos(f), neg(f), pos(1), neg(1)]
            significance = f
            fullScale_uS = (f + 1) * range_uS
        }
        let (slotCount, slotOverflow) = conductances.count.multipliedReportingOverflow(by: n)
        if let excess = MemoryBudget.excess(slotOverflow ? nil : MemoryBudget.bytes(slotCount, each: MemoryLayout<DeviceSlot>.stride),
                                            of: "the device list of one weight (\(n.grouped) devices per conductance)") {
            throw .tooLarge(excess)
        }
        replicas = n
        slots = conductances.flatMap { c in (0..<n).map { DeviceSlot(polarity: c.polarity, significance: c.significance, replica: $0) } }
        gMin_uS = device.gMin_uS
        gMax_uS = device.gMax_uS
        tileRows = o.tileRows
        tileColumns = o.tileColumns
        let (tileDeviceColumns, overflow) = o.tileColumns.multipliedReportingOverflow(by: slots.count)
        guard !overflow, !o.tileRows.multipliedReportingOverflow(by: tileDeviceColumns).overflow else {
            throw .sizeOverflow("a \(o.tileRows)x\(o.tileColumns) tile of \(slots.count) devices per weight")
        }
        referenceColumns = try ReferenceColumns.count(o, device: device)
        try ReferenceColumns.checkRoom(referenceColumns, tileDeviceColumns: tileDeviceColumns, arrayColumns: o.arrayColumns)
        arrayRows = o.arrayRows ?? o.tileRows
        arrayColumns = o.arrayColumns ?? tileDeviceColumns &+ referenceColumns
        guard arrayRows > 0, arrayColumns > 0 else {
            throw .invalidOption(option: "array size", detail: "rows and columns must be positive (got \(arrayRows)x\(arrayColumns))")
        }
        guard !arrayRows.multipliedReportingOverflow(by: arrayColumns).overflow else {
            throw .sizeOverflow("an array of \(arrayRows) × \(arrayColumns) devices")
        }
        if o.snapToLevels, let levels = device.levels_uS, !levels.isEmpty {
            // Levels are per device; with N parallel devices only those within [g_min/N, g_max/N] are usable.
            let lo = device.gMin_uS / Double(n), hi = device.gMax_uS / Double(n)
            let slack = 1e-9 * max(device.gMax_uS, 1)
            let usable = levels.filter { $0 >= lo - slack && $0 <= hi + slack }.sorted()
            guard !usable.isEmpty else {
                throw .invalidDevice("'\(device.name)' has no level within the per-device range [\(lo), \(hi)] µS of \(n) devices per conductance; "
                    + "disable level snapping or use fewer devices per conductance")
            }
            levels_uS = usable
        } else {
            levels_uS = nil
        }
    }

    /// Devices per weight.
    var slotCount: Int { slots.count }
}

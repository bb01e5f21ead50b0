import Plan

/// The device record's fields, written once: every tester format (CSV header and JSON keys, the
/// proto `DeviceRecord` field of the same name in lower case, HDF5 datasets) takes its columns, names,
/// units and order from this table, so the formats cannot drift apart. formats/tester-plan.md
/// documents each field.
package enum DeviceField: Int, CaseIterable, Sendable {
    case array, row, col, layer, matrixRow, matrixCol, role, significance
    case target, targetOhm, windowLo, windowHi, force, weightPerMicrosiemens, order, group, replica
    case windowLoOhm, windowHiOhm, targetRead, windowLoRead, windowHiRead
    /// Touch-up files only (`imprint touchup`): what the read-back measured, and why the device is listed.
    case measured, reason
    /// With reference columns only: the plan tile a device belongs to, which pairs a weight's
    /// device with the reference devices of its word line (tiles side by side share word lines).
    case tile
    /// Offset mode only, after every other field but `stuck`.
    case zero
    /// Plans compiled against a defect map only, always last: the device is known stuck, not to be programmed.
    case stuck

    /// The name in CSV headers, JSON keys and HDF5 datasets; units as suffixes (`_uS`, `_ohm`, `_uA`).
    package var name: String {
        switch self {
        case .array: "array"
        case .row: "row"
        case .col: "col"
        case .layer: "layer"
        case .matrixRow: "matrix_row"
        case .matrixCol: "matrix_col"
        case .role: "role"
        case .significance: "significance"
        case .target: "target_uS"
        case .targetOhm: "target_ohm"
        case .windowLo: "window_lo_uS"
        case .windowHi: "window_hi_uS"
        case .force: "force"
        case .weightPerMicrosiemens: "weight_per_uS"
        case .order: "order"
        case .group: "group"
        case .replica: "replica"
        case .windowLoOhm: "window_lo_ohm"
        case .windowHiOhm: "window_hi_ohm"
        case .targetRead: "target_read_uA"
        case .windowLoRead: "window_lo_read_uA"
        case .windowHiRead: "window_hi_read_uA"
        case .measured: "measured_uS"
        case .reason: "reason"
        case .tile: "tile"
        case .zero: "zero_uS"
        case .stuck: "stuck"
        }
    }

    /// The field of formats/plan.proto's `DeviceRecord`: the name in lower case (protobuf's style).
    package var protoName: String { name.lowercased() }

    /// How a value is stored in the binary formats.
    package enum Storage: Sendable { case index, float, double, flag, role, reason }

    package var storage: Storage {
        switch self {
        case .array, .row, .col, .layer, .matrixRow, .matrixCol, .order, .group, .replica, .tile: .index
        case .significance: .double
        case .role: .role
        case .force, .stuck: .flag
        case .reason: .reason
        case .target, .targetOhm, .windowLo, .windowHi, .weightPerMicrosiemens, .windowLoOhm, .windowHiOhm,
             .targetRead, .windowLoRead, .windowHiRead, .measured, .zero: .float
        }
    }

    /// Fields only a touch-up file has. formats/plan.proto's `DeviceRecord` has no field for them, so
    /// `--format proto` touch-up files carry the programming fields only.
    package var isTouchupOnly: Bool { self == .measured || self == .reason }

    /// The columns of a plan's records, in order: `zero_uS` only in offset mode, `tile` only with
    /// reference columns, `measured_uS` and `reason` only in touch-up files, `stuck` only for a plan
    /// compiled against a defect map (so every other plan's files stay as they were).
    package static func columns(offset: Bool, stuck: Bool = false, references: Bool = false, touchup: Bool = false) -> [DeviceField] {
        allCases.filter {
            (offset || $0 != .zero) && (stuck || $0 != .stuck) && (references || $0 != .tile) && (touchup || !$0.isTouchupOnly)
        }
    }

    /// The columns of `header`'s records.
    package static func columns(of header: PlanHeader) -> [DeviceField] {
        columns(offset: header.isOffsetMode, stuck: header.hasDefectMap, references: header.hasReferences)
    }

    /// A flag field's value in `d`.
    @inline(__always) package func flag(_ d: DeviceRecord) -> Bool { self == .stuck ? d.stuck : d.force }

    /// The field's value in `d` as an integer (index fields, role code, flag), for the binary formats.
    @inline(__always) package func integer(_ d: DeviceRecord) -> Int {
        switch self {
        case .array: d.array
        case .row: d.row
        case .col: d.col
        case .layer: d.layer
        case .matrixRow: d.matrixRow
        case .matrixCol: d.matrixCol
        case .order: d.order
        case .group: d.group
        case .replica: d.slot.replica
        case .tile: d.tile
        case .role: PlanEncoding.polarityCode(d.slot.polarity)
        case .force, .stuck: flag(d) ? 1 : 0
        case .reason: d.reason?.code ?? 0
        default: 0
        }
    }

    /// The field's value in `d` as a float (conductances, resistances, currents), for every format.
    @inline(__always) package func float(_ d: DeviceRecord) -> Float {
        switch self {
        case .target: d.target_uS
        case .targetOhm: d.target_ohm
        case .windowLo: d.windowLo_uS
        case .windowHi: d.windowHi_uS
        case .weightPerMicrosiemens: d.weightPerMicrosiemens
        case .windowLoOhm: d.windowLo_ohm
        case .windowHiOhm: d.windowHi_ohm
        case .targetRead: d.targetRead_uA
        case .windowLoRead: d.windowLoRead_uA
        case .windowHiRead: d.windowHiRead_uA
        case .zero: d.zero_uS
        case .measured: d.measured_uS
        case .significance: Float(d.slot.significance)
        default: 0
        }
    }

    /// Appends the field's text: CSV (`json` false) or a JSON value. Infinite resistances (a zero
    /// conductance) are `inf` in CSV and `null` in JSON; flags `1`/`0` and `true`/`false`.
    @inline(__always) package func appendText(_ d: DeviceRecord, json: Bool, layerFields: [[UInt8]], to out: inout [UInt8]) {
        switch storage {
        case .index:
            if self == .layer { out.append(contentsOf: layerFields[d.layer]) } else { RecordText.append(integer(d), to: &out) }
        case .double: RecordText.append(d.slot.significance, to: &out)
        case .role:
            if json { out.append(34) }
            out.append(contentsOf: d.slot.polarity.rawValue.utf8)
            if json { out.append(34) }
        case .flag: out.append(contentsOf: (json ? (flag(d) ? "true" : "false") : (flag(d) ? "1" : "0")).utf8)
        case .reason:
            if json { out.append(34) }
            out.append(contentsOf: (d.reason?.rawValue ?? "").utf8)
            if json { out.append(34) }
        case .float:
            let x = float(d)
            if json && !x.isFinite { out.append(contentsOf: "null".utf8) } else { RecordText.append(x, to: &out) }
        }
    }
}

/// Reference columns (offset mode, issue 14): a one-device-per-weight array cannot tell a weight
/// from a conductance change every device shares (HfOx/CMO relaxation shifts every level by about
/// −0.089 ln t µS, devices.md §2), so each tile gets N reference bit lines whose devices, one per
/// word line and line, are programmed to the zero conductance and age like the weights. A tile
/// output is then read as Σ_i x_i (G_ij − G_ref,i), G_ref,i the mean of word line i's N reference
/// devices, and a shared shift cancels.
///
/// Layout (formats/tester-plan.md, "Reference columns"): the N lines sit right of the tile's weight
/// columns, reference line n of word line r at array row `rowOffset + r`, array column
/// `columnOffset + columns.count · slots + n`, and they are programmed after the tile's weight
/// devices, word line by word line: order = orderStart + weightCount · slots + r · N + n.
extension Tile {
    /// Reference lines of this tile (0 without references). `referenceTargets_uS` holds
    /// rows × N values, so N follows from it.
    public var referenceColumns: Int { rows.isEmpty ? 0 : referenceTargets_uS.count / rows.count }

    /// Every device of the tile: the weight devices (`targets_uS`, slot-major), then the reference
    /// devices (row-major). Simulators program and read this list, so a reference device is
    /// device `targets_uS.count + r · N + n` of its tile, keyed by that identity.
    public var deviceTargets_uS: [Float] { referenceTargets_uS.isEmpty ? targets_uS : targets_uS + referenceTargets_uS }

    /// Devices of the tile with `slots` devices per weight, references included.
    public func deviceCount(slots: Int) -> Int { weightCount * slots + referenceTargets_uS.count }

    /// Array columns the tile occupies with `slots` devices per weight: its weight columns and its
    /// reference lines.
    public func deviceColumns(slots: Int) -> Int { columns.count * slots + referenceColumns }

    /// Array column of reference line `n` with `slots` devices per weight.
    public func referenceArrayColumn(_ n: Int, slots: Int) -> Int { columnOffset + columns.count * slots + n }
}

extension CompileOptions {
    /// Reference lines per tile when reference columns are asked for (or are the default, offset
    /// mode on RRAM) without a number: one, the "one reference bit line per tile"; more
    /// lines average the references' own spread down.
    public static let defaultReferenceColumns = 1
}

extension PlanHeader {
    /// Reference lines per tile: the recorded option in offset mode, 0 otherwise.
    public var referenceColumns: Int { isOffsetMode ? (options.referenceColumns ?? 0) : 0 }

    /// Whether the tiles carry reference devices (offset mode with reference columns).
    public var hasReferences: Bool { referenceColumns > 0 }
}

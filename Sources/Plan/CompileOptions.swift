/// How weights become conductances. Recorded in full in every plan, so a plan says how it was made.
public struct CompileOptions: Sendable, Hashable, Codable {
    /// Weight-matrix tile: rows = inputs (word lines), columns = outputs (bit lines).
    /// 256 × 256: the array size of NeuRRAM and HERMES (devices.md §4).
    public var tileRows: Int = 256
    public var tileColumns: Int = 256
    /// Physical array in devices; nil = the device footprint of one full tile
    /// (tileRows × tileColumns · devices per weight).
    public var arrayRows: Int?
    public var arrayColumns: Int?
    public var pairs: PairMode = .single
    /// Overrides the device spec's devices per conductance.
    public var devicesPerConductance: Int?
    public var scale: ScaleMode = .layer
    public var clip: ClipMode = .max
    /// Fold an inference batch norm that follows a matrix product into its weights and bias.
    public var foldBatchNorm = false
    /// Node names kept off the crossbars (computed digitally).
    public var keepDigital: [String] = []
    /// Snap targets to the device's discrete levels when it has them.
    public var snapToLevels = true
    /// The defect map the plan was mapped around (its file name and SHA-256); nil without one.
    public var defectMap: SourceModel?
    /// Offset mode only: reference bit lines per tile, 0 for the digital zero point; nil asks the
    /// compiler for the technology's default. A plan records what was chosen, as the file stores it:
    /// the number of lines, or nil for none (a digital zero point, or a pair mode).
    public var referenceColumns: Int?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case tileRows = "tile_rows", tileColumns = "tile_columns"
        case arrayRows = "array_rows", arrayColumns = "array_columns"
        case pairs, devicesPerConductance = "devices_per_conductance", scale, clip
        case foldBatchNorm = "fold_batchnorm", keepDigital = "keep_digital", snapToLevels = "snap_to_levels"
        case defectMap = "defect_map"
        case referenceColumns = "reference_columns"
    }
}

/// How one weight is held by devices.
public enum PairMode: Sendable, Hashable, Codable {
    /// One differential pair: the device of the weight's sign gets the magnitude, the other g_min.
    case single
    /// One device per weight, linear over [g_min, g_max]; the zero point is subtracted digitally.
    case offset
    /// A most-significant pair of factor `significance` and a least-significant pair of factor 1
    /// (Cristiano/Burr, JAP 2018); the MSP is filled first and the LSP holds the residual of the MSP
    /// (at compile time non-zero only where the MSP saturates; a tester rewrites it against the
    /// measured MSP, devices.md §3).
    case dual(significance: Double)
}

/// Where w_max (the weight that maps to the full conductance range) is taken.
public enum ScaleMode: String, Sendable, Hashable, Codable, CaseIterable {
    case layer, tile, column
}

/// How w_max is chosen from the weights; weights beyond ±w_max are clipped.
public enum ClipMode: Sendable, Hashable, Codable {
    /// w_max = max |W|: nothing clipped.
    case max
    /// w_max = P-th percentile of |W| (NeuRRAM uses the 95th, devices.md §2).
    case percentile(Double)
    /// w_max = K · std(W).
    case sigma(Double)
}

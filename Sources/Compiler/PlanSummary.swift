import FileSupport
import Foundation
import Plan

/// What `imprint compile` prints after writing a plan and `imprint inspect PLAN` prints for one:
/// everything here is computed from the plan alone, except `output`, where the plan was just written.
/// It is also the document `--json` prints (keys as in `CodingKeys`, the tester CSV's unit spellings).
public struct PlanSummary: Sendable, Equatable, Encodable {
    public struct Layer: Sendable, Equatable, Encodable {
        public var name: String
        public var kind: String
        public var rows: Int
        public var columns: Int
        public var groups: Int
        public var weights: Int
        public var tiles: Int
        public var devices: Int
        public var wMax: Float
        /// Weight units per µS (k): one value with per-layer scaling, a range with per-tile or per-column scaling.
        public var weightPerMicrosiemensMin: Float
        public var weightPerMicrosiemensMax: Float
        public var clippedFraction: Double
        /// Largest weight change from snapping to the device's levels; nil when targets were not snapped.
        public var snapError: Float?
        /// What the defect map's faults do to the layer (naive vs fault-aware RMS weight error); nil
        /// for a plan compiled without a defect map.
        public var faults: LayerFaults?

        enum CodingKeys: String, CodingKey {
            case name, kind, rows, columns, groups, weights, tiles, devices
            case wMax = "w_max", weightPerMicrosiemensMin = "weight_per_uS_min", weightPerMicrosiemensMax = "weight_per_uS_max"
            case clippedFraction = "clipped_fraction", snapError = "snap_error", faults
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name); try c.encode(kind, forKey: .kind)
            try c.encode(rows, forKey: .rows); try c.encode(columns, forKey: .columns); try c.encode(groups, forKey: .groups)
            try c.encode(weights, forKey: .weights); try c.encode(tiles, forKey: .tiles); try c.encode(devices, forKey: .devices)
            try c.encode(wMax, forKey: .wMax)
            try c.encode(weightPerMicrosiemensMin, forKey: .weightPerMicrosiemensMin)
            try c.encode(weightPerMicrosiemensMax, forKey: .weightPerMicrosiemensMax)
            try c.encode(clippedFraction, forKey: .clippedFraction); try c.encode(snapError, forKey: .snapError)
            try c.encode(faults, forKey: .faults)
        }
    }

    public var network: String
    public var sourceFile: String
    public var device: String
    /// "single", "offset" or "dual"; `significance` is the MSP factor F of dual pairs (nil otherwise).
    public var pairs: String
    public var significance: Double?
    /// Offset mode: reference bit lines per tile (0 = digital zero point); nil in pair modes.
    public var referenceColumns: Int?
    public var devicesPerWeight: Int
    public var layersMapped: Int
    /// Matrix-product layers left to digital computation.
    public var layersDigital: [String]
    public var weights: Int
    public var devices: Int
    public var tiles: Int
    public var arrays: Int
    public var arrayRows: Int
    public var arrayColumns: Int
    /// Used devices over all arrays' capacity.
    public var utilisation: Double
    public var tester: TesterTimeEstimate
    public var layers: [Layer]
    /// Every array with the tiles on it and their offsets (all tiles; the text shows the first few).
    public var placement: [ArrayPlacement]
    /// Targets were snapped to the device's discrete levels (the snap error is meaningful).
    public var snappedToLevels: Bool
    /// Where the plan was written, when the summary reports a compile.
    public var output: String?
    /// The defect map the plan was mapped around (file name), nil without one.
    public var defectMap: String?

    enum CodingKeys: String, CodingKey {
        case network, sourceFile = "source_file", device, pairs, significance, devicesPerWeight = "devices_per_weight"
        case layersMapped = "layers_mapped", layersDigital = "layers_digital", weights, devices, tiles, arrays
        case arrayRows = "array_rows", arrayColumns = "array_columns", utilisation, tester, layers, placement
        case snappedToLevels = "snapped_to_levels", output, defectMap = "defect_map", referenceColumns = "reference_columns"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(network, forKey: .network); try c.encode(sourceFile, forKey: .sourceFile)
        try c.encode(device, forKey: .device); try c.encode(pairs, forKey: .pairs)
        try c.encode(significance, forKey: .significance); try c.encode(devicesPerWeight, forKey: .devicesPerWeight)
        try c.encode(layersMapped, forKey: .layersMapped); try c.encode(layersDigital, forKey: .layersDigital)
        try c.encode(weights, forKey: .weights); try c.encode(devices, forKey: .devices); try c.encode(tiles, forKey: .tiles)
        try c.encode(arrays, forKey: .arrays); try c.encode(arrayRows, forKey: .arrayRows); try c.encode(arrayColumns, forKey: .arrayColumns)
        try c.encode(utilisation, forKey: .utilisation); try c.encode(tester, forKey: .tester); try c.encode(layers, forKey: .layers)
        try c.encode(placement, forKey: .placement)
        try c.encode(snappedToLevels, forKey: .snappedToLevels); try c.encode(output, forKey: .output)
        try c.encode(defectMap, forKey: .defectMap)
        try c.encode(referenceColumns, forKey: .referenceColumns)
    }

    public init(plan: Plan) {
        let slots = plan.roles.count
        network = plan.network.name
        sourceFile = plan.source.fileName
        device = plan.device.name
        switch plan.options.pairs {
        case .single: pairs = "single"
        case .offset: pairs = "offset"; referenceColumns = plan.referenceColumns
        case .dual(let f): pairs = "dual"; significance = f
        }
        devicesPerWeight = slots
        let kinds = Dictionary(plan.network.nodes.map { ($0.name, $0.operation.kindName) }, uniquingKeysWith: { a, _ in a })
        let snapped = plan.device.levels_uS != nil && plan.options.snapToLevels
        snappedToLevels = snapped
        defectMap = plan.options.defectMap?.fileName
        let faults = plan.layerFaults.count == plan.layers.count ? plan.layerFaults.map(Optional.some)
            : [LayerFaults?](repeating: nil, count: plan.layers.count)
        layers = zip(plan.layers, faults).map { l, faults in
            let tiles = plan.tiles[l.tiles]
            var kLo = Float.infinity, kHi: Float = 0
            for t in tiles { for k in t.weightPerMicrosiemens { kLo = min(kLo, k); kHi = max(kHi, k) } }
            return Layer(name: l.node, kind: kinds[l.node] ?? "?", rows: l.matrix.rows, columns: l.matrix.columns,
                         groups: l.matrix.groups, weights: l.matrix.weightCount, tiles: l.tiles.count,
                         devices: tiles.reduce(0) { $0 + $1.deviceCount(slots: slots) }, wMax: l.wMax,
                         weightPerMicrosiemensMin: kLo.isFinite ? kLo : 0, weightPerMicrosiemensMax: kHi,
                         clippedFraction: l.clippedFraction, snapError: snapped ? l.snapError : nil, faults: faults)
        }
        layersMapped = layers.count
        let mapped = Set(plan.layers.map(\.node))
        layersDigital = plan.network.matrixNodes.map(\.name).filter { !mapped.contains($0) }
        weights = layers.reduce(0) { $0 + $1.weights }
        devices = plan.deviceCount
        tiles = plan.tiles.count
        arrays = plan.arrays.count
        arrayRows = plan.arrays.first?.rows ?? 0
        arrayColumns = plan.arrays.first?.columns ?? 0
        let capacity = plan.arrays.reduce(0.0) { $0 + Double($1.rows) * Double($1.columns) }
        utilisation = capacity > 0 ? Double(plan.arrays.reduce(0) { $0 + $1.usedDevices }) / capacity : 0
        tester = TesterTimeEstimate(plan: plan)
        placement = Self.placement(of: plan)
    }
}

extension Double {
    /// Up to six significant digits, no trailing zeros: summaries are read by people.
    var formatted6: String {
        var s = String(format: "%.6g", self)
        if s.contains("."), !s.contains("e") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }
}


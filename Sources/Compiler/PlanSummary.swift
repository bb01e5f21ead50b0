import FileSupport
import Foundation
import Plan

/// What `imprint compile` prints after writing a plan and `imprint inspect PLAN` prints for one:
/// everything here is computed from the plan alone.
public struct PlanSummary: Sendable, Equatable, Codable {
    public struct Layer: Sendable, Equatable, Codable {
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
        public var snapError: Float
    }

    public var network: String
    public var sourceFile: String
    public var device: String
    public var pairs: String
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
    /// Targets were snapped to the device's discrete levels (the snap error is meaningful).
    public var snappedToLevels: Bool

    public init(plan: Plan, readTime_s: Double = TesterTimeEstimate.defaultReadTime_s) {
        let slots = plan.roles.count
        network = plan.network.name
        sourceFile = plan.source.fileName
        device = plan.device.name
        switch plan.options.pairs {
        case .single: pairs = "single"
        case .offset: pairs = "offset"
        case .dual(let f): pairs = "dual (F = \(f.formatted6))"
        }
        devicesPerWeight = slots
        let kinds = Dictionary(plan.network.nodes.map { ($0.name, $0.operation.kindName) }, uniquingKeysWith: { a, _ in a })
        snappedToLevels = plan.device.levels_uS != nil && plan.options.snapToLevels
        layers = plan.layers.map { l in
            let tiles = plan.tiles[l.tiles]
            var kLo = Float.infinity, kHi: Float = 0
            for t in tiles { for k in t.weightPerMicrosiemens { kLo = min(kLo, k); kHi = max(kHi, k) } }
            return Layer(name: l.node, kind: kinds[l.node] ?? "?", rows: l.matrix.rows, columns: l.matrix.columns,
                         groups: l.matrix.groups, weights: l.matrix.weightCount, tiles: l.tiles.count,
                         devices: l.matrix.weightCount * slots, wMax: l.wMax,
                         weightPerMicrosiemensMin: kLo.isFinite ? kLo : 0, weightPerMicrosiemensMax: kHi,
                         clippedFraction: l.clippedFraction, snapError: l.snapError)
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
        tester = TesterTimeEstimate(plan: plan, readTime_s: readTime_s)
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


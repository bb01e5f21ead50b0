import Devices
import Plan

/// How a read-back compares with the plan's targets (`verify --measured`'s measured-vs-target
/// section): per device in µS, per weight in weight units, per layer and per tile, and the accuracy
/// the targets give beside the accuracy of the measured chip.
public struct MeasuredComparison: Sendable, Equatable, Encodable {
    /// Deviations of a set of devices (a layer, a tile, the chip).
    public struct Deviation: Sendable, Equatable, Encodable {
        /// Devices with a record, and of them the ones inside their acceptance window.
        public var devices = 0
        public var inWindow = 0
        /// RMS and largest |measured − target| over those devices, µS.
        public var rms_uS = 0.0
        public var worst_uS = 0.0
        /// Weights whose every device has a record, and the RMS and largest |rebuilt − compiled weight|
        /// of those, in weight units (weight_per_uS × Σ significance × sign × Δg).
        public var weights = 0
        public var rmsWeightError = 0.0
        public var worstWeightError = 0.0
        /// RMS of |rebuilt − compiled weight| / w_max of the weight's layer (the weight the full
        /// conductance range holds), so layers of different scales add up.
        public var relativeRMSWeightError = 0.0

        enum CodingKeys: String, CodingKey {
            case devices, inWindow = "in_window", rms_uS, worst_uS, weights, rmsWeightError = "rms_weight_error"
            case worstWeightError = "worst_weight_error", relativeRMSWeightError = "relative_rms_weight_error"
        }

        /// Running sums, turned into the figures by `finished()`.
        fileprivate var sumSquares_uS = 0.0, sumSquaresWeight = 0.0, sumSquaresRelative = 0.0

        fileprivate mutating func add(_ o: Deviation) {
            devices += o.devices; inWindow += o.inWindow; weights += o.weights
            sumSquares_uS += o.sumSquares_uS; sumSquaresWeight += o.sumSquaresWeight; sumSquaresRelative += o.sumSquaresRelative
            worst_uS = max(worst_uS, o.worst_uS); worstWeightError = max(worstWeightError, o.worstWeightError)
        }

        fileprivate func finished() -> Deviation {
            var d = self
            d.rms_uS = devices > 0 ? (sumSquares_uS / Double(devices)).squareRoot() : 0
            d.rmsWeightError = weights > 0 ? (sumSquaresWeight / Double(weights)).squareRoot() : 0
            d.relativeRMSWeightError = weights > 0 ? (sumSquaresRelative / Double(weights)).squareRoot() : 0
            return d
        }

    }

    public struct LayerDeviation: Sendable, Equatable, Encodable {
        public var node: String
        public var deviation: Deviation
        public func encode(to encoder: any Encoder) throws {
            try deviation.encode(to: encoder)
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(node, forKey: .node)
        }
        enum Key: String, CodingKey { case node }
    }

    public struct TileDeviation: Sendable, Equatable, Encodable {
        public var tile: Int
        public var layer: String
        public var array: Int
        public var deviation: Deviation
        public func encode(to encoder: any Encoder) throws {
            try deviation.encode(to: encoder)
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(tile, forKey: .tile); try c.encode(layer, forKey: .layer); try c.encode(array, forKey: .array)
        }
        enum Key: String, CodingKey { case tile, layer, array }
    }

    /// The read-back file.
    public var source: String
    /// Devices of the plan without a record (simulated as in a plain verify).
    public var missingDevices: Int
    /// Earliest and latest read time of the measured devices, s since programming.
    public var earliestMeasurement_s: Double
    public var latestMeasurement_s: Double
    /// Devices reading at the bottom or top rail of the device range (within `railBand` of it), and of
    /// those the ones whose target is not at that rail (a stuck or failed device, most likely).
    public var atLowRail = 0
    public var atHighRail = 0
    public var unexpectedAtRail = 0
    /// Devices the tester reported failed (`success` 0); nil when the read-back has no success column.
    public var testerFailures: Int?
    public var chip: Deviation
    public var layers: [LayerDeviation]
    public var tiles: [TileDeviation]
    /// Accuracy of the plan's targets (the baseline) and of the chip as measured (weights rebuilt from
    /// the measured conductances, targets for devices without a record; no read noise, ideal periphery).
    public var targetAccuracy = 0.0
    public var measuredAccuracy = 0.0

    /// The band next to a rail, as a fraction of the device range: 1 %, above the read quantisation
    /// of the published LeNet read-back (0.031 µS of ≈40 µS, tester-loop.md) and below the usual
    /// acceptance windows (NeuRRAM's ±1 µS of 40 µS = 2.5 %), so a device there sits at the rail.
    public static let railBand = 0.01

    enum CodingKeys: String, CodingKey {
        case source, missingDevices = "missing_devices", earliestMeasurement_s = "earliest_measurement_s"
        case latestMeasurement_s = "latest_measurement_s", atLowRail = "at_low_rail", atHighRail = "at_high_rail"
        case unexpectedAtRail = "unexpected_at_rail", testerFailures = "tester_failures", chip, layers, tiles
        case targetAccuracy = "target_accuracy", measuredAccuracy = "measured_accuracy"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(source, forKey: .source); try c.encode(missingDevices, forKey: .missingDevices)
        try c.encode(earliestMeasurement_s, forKey: .earliestMeasurement_s); try c.encode(latestMeasurement_s, forKey: .latestMeasurement_s)
        try c.encode(atLowRail, forKey: .atLowRail); try c.encode(atHighRail, forKey: .atHighRail)
        try c.encode(unexpectedAtRail, forKey: .unexpectedAtRail); try c.encode(testerFailures, forKey: .testerFailures)
        try c.encode(chip, forKey: .chip); try c.encode(layers, forKey: .layers); try c.encode(tiles, forKey: .tiles)
        try c.encode(targetAccuracy, forKey: .targetAccuracy); try c.encode(measuredAccuracy, forKey: .measuredAccuracy)
    }

    /// Compares `measured` with the plan's targets (accuracies left 0: the verifier sets them).
    public init(plan: Plan, measured m: Measured) {
        let rules = plan.targetRules
        let band = Self.railBand * (rules.gMax_uS - rules.gMin_uS)
        let (lowRail, highRail) = (rules.gMin_uS + band, rules.gMax_uS - band)
        let slots = plan.roles.map { ($0.polarity == .neg ? -1.0 : 1.0) * $0.significance }
        source = m.source
        missingDevices = m.missingDevices
        var earliest = Double.infinity, latest = 0.0
        var failures = 0
        var tiles = [TileDeviation]()
        for (t, tile) in plan.tiles.enumerated() {
            let g = m.conductance_uS[t]
            let (rows, cols) = (tile.rows.count, tile.columns.count)
            let wMax = Double(plan.layers[tile.layer].wMax)
            var d = Deviation()
            for (i, target) in tile.targets_uS.enumerated() where !g[i].isNaN {
                let (gi, ti) = (Double(g[i]), Double(target))
                d.devices += 1
                if rules.acceptanceBounds_uS(target_uS: ti).contains(gi) { d.inWindow += 1 }
                let e = abs(gi - ti)
                d.sumSquares_uS += e * e
                d.worst_uS = max(d.worst_uS, e)
                if gi <= lowRail { atLowRail += 1; if ti > lowRail { unexpectedAtRail += 1 } }
                if gi >= highRail { atHighRail += 1; if ti < highRail { unexpectedAtRail += 1 } }
                let time = m.time_s(tile: t, device: i)
                earliest = min(earliest, time); latest = max(latest, time)
                if m.success?[t][i] == 0 { failures += 1 }
            }
            for r in 0..<rows {
                weights: for c in 0..<cols {
                    var sum = 0.0
                    for s in slots.indices {
                        let i = (s * rows + r) * cols + c
                        if g[i].isNaN { continue weights }
                        sum += slots[s] * (Double(g[i]) - Double(tile.targets_uS[i]))
                    }
                    let e = abs(Double(tile.weightPerMicrosiemens[c]) * sum)
                    d.weights += 1
                    d.sumSquaresWeight += e * e
                    if wMax > 0 { d.sumSquaresRelative += (e / wMax) * (e / wMax) }
                    d.worstWeightError = max(d.worstWeightError, e)
                }
            }
            tiles.append(TileDeviation(tile: t, layer: plan.layers[tile.layer].node, array: tile.array, deviation: d))
        }
        var chip = Deviation()
        layers = plan.layers.enumerated().map { l, layer in
            var d = Deviation()
            for t in layer.tiles { d.add(tiles[t].deviation) }
            chip.add(d)
            return LayerDeviation(node: layer.node, deviation: d.finished())
        }
        self.tiles = tiles.map { t in
            var t = t
            t.deviation = t.deviation.finished()
            return t
        }
        self.chip = chip.finished()
        earliestMeasurement_s = earliest.isFinite ? earliest : 0
        latestMeasurement_s = latest
        testerFailures = m.success == nil ? nil : failures
    }

}

import FileSupport
import Foundation

/// Counts and weight errors gathered while planning, per layer.
public struct TouchupTally: Sendable {
    struct Counts: Sendable {
        var read = 0, inWindow = 0, retargeted = 0, reprogrammed = 0, defective = 0
        mutating func add(_ o: Counts) {
            read += o.read; inWindow += o.inWindow; retargeted += o.retargeted; reprogrammed += o.reprogrammed; defective += o.defective
        }
    }

    struct Layer: Sendable {
        var node: String
        var counts = Counts()
        var weights = 0
        var squaresBefore = 0.0, squaresAfter = 0.0, worstBefore = 0.0, worstAfter = 0.0
    }

    var layers: [Layer]

    init(layers: [String]) { self.layers = layers.map { Layer(node: $0) } }

    mutating func add(_ c: Counts, layer: Int, errorBefore: Double, errorAfter: Double) {
        layers[layer].counts.add(c)
        layers[layer].weights += 1
        layers[layer].squaresBefore += errorBefore * errorBefore
        layers[layer].squaresAfter += errorAfter * errorAfter
        layers[layer].worstBefore = max(layers[layer].worstBefore, abs(errorBefore))
        layers[layer].worstAfter = max(layers[layer].worstAfter, abs(errorAfter))
    }

    /// The document of `imprint touchup`, without the file names (the caller fills them in).
    public func summary() -> TouchupSummary {
        var total = Counts()
        for l in layers { total.add(l.counts) }
        return TouchupSummary(
            devicesRead: total.read, inWindow: total.inWindow,
            inWindowFraction: total.read == 0 ? nil : Double(total.inWindow) / Double(total.read),
            retargeted: total.retargeted, reprogrammed: total.reprogrammed, defective: total.defective,
            listed: total.retargeted + total.reprogrammed,
            settled: total.read - total.retargeted - total.reprogrammed - total.defective,
            settledFraction: total.read == 0 ? nil : Double(total.read - total.retargeted - total.reprogrammed - total.defective) / Double(total.read),
            layers: layers.map { l in
                let n = Double(max(l.weights, 1))
                return TouchupSummary.Layer(layer: l.node, weights: l.weights, devices: l.counts.read, inWindow: l.counts.inWindow,
                                            listed: l.counts.retargeted + l.counts.reprogrammed, defective: l.counts.defective,
                                            rmsWeightErrorBefore: (l.squaresBefore / n).squareRoot(),
                                            rmsWeightErrorAfter: (l.squaresAfter / n).squareRoot(),
                                            maxWeightErrorBefore: l.worstBefore, maxWeightErrorAfter: l.worstAfter)
            })
    }
}

/// What `imprint touchup` prints (text) or `--json` prints: counts over the plan's devices and, per
/// crossbar layer, the error of the weights rebuilt from the conductances (weight units) before the
/// touch-up (the read-back) and after it, assuming every listed device is programmed exactly to its
/// new target (a tester that hits its window leaves at most the window's half-width per device).
public struct TouchupSummary: Sendable, Encodable {
    public var plan: String? = nil
    public var measured: String? = nil
    public var output: String? = nil
    public var format: String? = nil
    public var defectsOut: String? = nil
    public var devicesRead: Int
    /// Devices whose read-back lies inside the window of their compiled target.
    public var inWindow: Int
    public var inWindowFraction: Double?
    /// Devices listed with a new target, and those listed with their compiled target.
    public var retargeted: Int
    public var reprogrammed: Int
    public var defective: Int
    /// Records in the touch-up file: retargeted + reprogrammed.
    public var listed: Int
    /// Devices that need nothing: working, and inside the window of the target they are to hold
    /// (compiled, or re-targeted to restore their weight): devices read − listed − defective. Unlike
    /// `in_window`, it rises as touch-ups converge, since a re-targeted device is settled where its
    /// compiled window no longer applies.
    public var settled: Int
    public var settledFraction: Double?
    public var layers: [Layer]

    public struct Layer: Sendable, Encodable {
        public var layer: String
        public var weights: Int
        public var devices: Int
        public var inWindow: Int
        public var listed: Int
        public var defective: Int
        public var rmsWeightErrorBefore: Double
        public var rmsWeightErrorAfter: Double
        public var maxWeightErrorBefore: Double
        public var maxWeightErrorAfter: Double

        enum CodingKeys: String, CodingKey {
            case layer, weights, devices, listed, defective
            case inWindow = "in_window"
            case rmsWeightErrorBefore = "rms_weight_error_before"
            case rmsWeightErrorAfter = "rms_weight_error_after"
            case maxWeightErrorBefore = "max_weight_error_before"
            case maxWeightErrorAfter = "max_weight_error_after"
        }
    }

    enum CodingKeys: String, CodingKey {
        case plan, measured, output, format, retargeted, reprogrammed, defective, listed, layers
        case defectsOut = "defects_out"
        case devicesRead = "devices_read"
        case inWindow = "in_window"
        case inWindowFraction = "in_window_fraction"
        case settled
        case settledFraction = "settled_fraction"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(plan, forKey: .plan); try c.encode(measured, forKey: .measured)
        try c.encode(output, forKey: .output); try c.encode(format, forKey: .format)
        try c.encode(defectsOut, forKey: .defectsOut)
        try c.encode(devicesRead, forKey: .devicesRead); try c.encode(inWindow, forKey: .inWindow)
        try c.encode(inWindowFraction, forKey: .inWindowFraction)
        try c.encode(retargeted, forKey: .retargeted); try c.encode(reprogrammed, forKey: .reprogrammed)
        try c.encode(defective, forKey: .defective); try c.encode(listed, forKey: .listed)
        try c.encode(settled, forKey: .settled); try c.encode(settledFraction, forKey: .settledFraction)
        try c.encode(layers, forKey: .layers)
    }

    /// The text `imprint touchup` prints.
    public var text: [String] {
        func g(_ x: Double) -> String { String(format: "%.4g", x) }
        func pct(_ a: Int, _ b: Int) -> String { b == 0 ? "—" : String(format: "%.2f %%", 100 * Double(a) / Double(b)) }
        var lines = [
            "  devices read        \(devicesRead.grouped)",
            "  in window           \(inWindow.grouped) (\(pct(inWindow, devicesRead)) of their compiled windows)",
            "  settled             \(settled.grouped) (\(pct(settled, devicesRead)) need nothing: working, in the window of the target they hold)",
            "  re-targeted         \(retargeted.grouped)",
            "  re-programmed       \(reprogrammed.grouped)",
            "  declared defective  \(defective.grouped)",
            "",
            "Weight error (weight units) rebuilt from the read-back, and after the touch-up if every listed device hits its new target:",
        ]
        let rows = [["layer", "weights", "listed", "defective", "RMS before", "RMS after", "max before", "max after"]] + layers.map { l in
            [l.layer, l.weights.grouped, l.listed.grouped, l.defective.grouped,
             g(l.rmsWeightErrorBefore), g(l.rmsWeightErrorAfter), g(l.maxWeightErrorBefore), g(l.maxWeightErrorAfter)]
        }
        lines += TextTable.render(rows, rightAligned: Set(1...7), indent: "  ")
        return lines
    }
}

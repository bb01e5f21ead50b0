import FileSupport
import Devices
import Foundation

/// The converters and wires around each crossbar tile.
///
/// Units follow the common simulator convention (IBM aihwkit's `IOParameters`), so settings carry
/// over: a tile's inputs are scaled per sample by their absolute maximum into [−1, 1] before the DAC
/// ("noise management abs-max"), and its outputs are in units of one full-scale weight (a pair at its
/// largest conductance difference) driven by a full-scale input. The ADC saturates at ±`outputBound`
/// of those units; output noise is a Gaussian of σ `outputNoise` in the same units, added before the ADC.
/// The partial outputs of the tiles of one layer are summed digitally.
public struct Periphery: Sendable, Equatable {
    /// DAC resolution in bits (signed: 2^(b−1) − 1 steps per sign); nil for exact inputs.
    public var inputBits: Int?
    /// ADC resolution in bits (signed, like the DAC); nil for exact outputs.
    public var outputBits: Int?
    /// ADC range, ± in full-scale units; infinity for no saturation.
    public var outputBound: Double
    /// σ of the Gaussian output noise in full-scale units, drawn for every product.
    public var outputNoise: Double
    /// First-order IR drop, G_eff = G / (1 + G·R_s) with R_s the wire resistance between the
    /// device and the array's drivers and sense amplifiers; nil for ideal wires.
    public var wireResistancePerCell_ohm: Double?

    public init(inputBits: Int? = nil, outputBits: Int? = nil, outputBound: Double = .infinity,
                outputNoise: Double = 0, wireResistancePerCell_ohm: Double? = nil) {
        self.inputBits = inputBits
        self.outputBits = outputBits
        self.outputBound = outputBound
        self.outputNoise = outputNoise
        self.wireResistancePerCell_ohm = wireResistancePerCell_ohm
    }

    /// Exact products: no converters, no output noise, ideal wires.
    public static let ideal = Periphery()

    /// The common simulator default (devices.md §4; aihwkit `IOParameters` defaults).
    public static let `default` = Periphery(
        inputBits: 7,                 // 7-bit DAC: devices.md §4, aihwkit inp_res = 1/(2^7 − 2)
        outputBits: 9,                // 9-bit ADC: devices.md §4, aihwkit out_res = 1/(2^9 − 2)
        outputBound: 12,              // ADC range ±12 full-scale units: aihwkit IOParameters.out_bound
        outputNoise: 0.06,            // devices.md §4 (0.04–0.06); aihwkit IOParameters.out_noise
        wireResistancePerCell_ohm: nil)

    /// Wire resistance per cell when a file turns IR drop on without a value: the middle of
    /// devices.md §4's 0.15–0.35 Ω per cell.
    public static let defaultWireResistancePerCell_ohm = 0.25

    /// True when the products are exact (the fast whole-layer path applies).
    public var isIdeal: Bool {
        inputBits == nil && outputBits == nil && outputBound == .infinity && outputNoise == 0
    }

    /// Steps per sign of a signed converter of `bits` bits (7 → 63).
    static func steps(bits: Int) -> Float { Float((1 << (bits - 1)) - 1) }

    /// `ideal`, `default`, or a JSON file (see `load(file:)`).
    public static func named(_ text: String) throws(VerifierError) -> Periphery {
        switch text {
        case "ideal": return .ideal
        case "default": return .default
        default: return try load(file: text)
        }
    }

    /// Reads a periphery file:
    /// `{"dac_bits": 7, "adc_bits": 9, "adc_bound": 12, "output_noise": 0.06, "ir_drop": true,
    ///   "wire_resistance_per_cell_ohm": 0.25}`. Absent keys take the `default` values (IR drop off);
    /// `null` bits mean an exact converter. Unknown keys are errors, so a typo never goes unnoticed.
    public static func load(file path: String) throws(VerifierError) -> Periphery {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw VerifierError("\(path): cannot read the periphery file (use ideal, default or a JSON file)")
        }
        return try decode(data, file: path)
    }

    /// Parses periphery JSON already in memory; `path` names it in errors.
    public static func decode(_ data: Data, file path: String) throws(VerifierError) -> Periphery {
        guard data.count < 1 << 20 else { throw VerifierError("\(path): a periphery file is at most 1 MiB") }
        let tree: JSONTree
        do { tree = try JSONDecoder().decode(JSONTree.self, from: data) } catch {
            throw VerifierError("\(path): not valid JSON")
        }
        guard case .object(let fields) = tree else { throw VerifierError("\(path): expected a JSON object") }
        let known = ["dac_bits", "adc_bits", "adc_bound", "output_noise", "ir_drop", "wire_resistance_per_cell_ohm"]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw VerifierError("\(path): unknown key '\(unknown)'; known keys: \(known.joined(separator: ", "))")
        }
        var p = Periphery.default
        func bits(_ key: String) throws(VerifierError) -> Int?? {
            switch fields[key] {
            case nil: return .none
            case .null?: return .some(nil)
            // A signed converter of one bit has no step on either side of zero (2⁰ − 1 = 0).
            case .number(let d)? where d == d.rounded() && d >= 2 && d <= 24: return .some(Int(d))
            default: throw VerifierError("\(path): \(key) must be an integer from 2 to 24 or null")
            }
        }
        func number(_ key: String, _ valid: (Double) -> Bool, _ rule: String) throws(VerifierError) -> Double? {
            switch fields[key] {
            case nil: return nil
            case .number(let d)? where valid(d): return d
            default: throw VerifierError("\(path): \(key) must be \(rule)")
            }
        }
        if let b = try bits("dac_bits") { p.inputBits = b }
        if let b = try bits("adc_bits") { p.outputBits = b }
        if let v = try number("adc_bound", { $0 > 0 && $0.isFinite }, "a positive number") { p.outputBound = v }
        if let v = try number("output_noise", { $0 >= 0 && $0.isFinite }, "a number ≥ 0") { p.outputNoise = v }
        let resistance = try number("wire_resistance_per_cell_ohm", { $0 >= 0 && $0 < 1e6 }, "a number ≥ 0 (Ω)")
        switch fields["ir_drop"] {
        case nil, .bool(false)?: p.wireResistancePerCell_ohm = nil
        case .bool(true)?: p.wireResistancePerCell_ohm = resistance ?? defaultWireResistancePerCell_ohm
        default: throw VerifierError("\(path): ir_drop must be true or false")
        }
        if resistance != nil, p.wireResistancePerCell_ohm == nil {
            throw VerifierError("\(path): wire_resistance_per_cell_ohm is given but ir_drop is not true")
        }
        return p
    }

    /// A one-line description for the command's header.
    public var summary: String {
        if self == .ideal { return "ideal" }
        var parts = [String]()
        parts.append(inputBits.map { "\($0)-bit DAC" } ?? "exact DAC")
        parts.append(outputBits.map { "\($0)-bit ADC" } ?? "exact ADC")
        if outputBound.isFinite { parts.append(String(format: "ADC range ±%g full-scale outputs", outputBound)) }
        parts.append(String(format: "output noise %g", outputNoise))
        if let r = wireResistancePerCell_ohm { parts.append(String(format: "IR drop %g Ω/cell", r)) }
        return parts.joined(separator: ", ")
    }
}

import FileSupport
import Foundation

extension JSONTree {
    /// How a value is named in an error message: its JSON type and, for scalars, the value.
    var summary: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let d): formatNumber(d)
        case .string(let s): "\"\(s)\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Writes a JSON document with keys in the given order, for the schema file people read.
indirect enum OrderedJSON {
    case object([(String, OrderedJSON)])
    case array([OrderedJSON])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    func render(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent), inner = pad + "  "
        switch self {
        case .object(let pairs):
            if pairs.isEmpty { return "{}" }
            return "{\n" + pairs.map { "\(inner)\(JSONString.quote($0.0)): \($0.1.render(indent: indent + 1))" }
                .joined(separator: ",\n") + "\n\(pad)}"
        case .array(let items):
            if items.allSatisfy({ if case .object = $0 { false } else { true } }) {
                return "[" + items.map { $0.render() }.joined(separator: ", ") + "]"
            }
            return "[\n" + items.map { inner + $0.render(indent: indent + 1) }.joined(separator: ",\n") + "\n\(pad)]"
        case .string(let s): return JSONString.quote(s)
        case .number(let d): return formatNumber(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

}

/// Integral values without a trailing ".0" (as people write them in JSON), others in Swift's shortest form.
public func formatNumber(_ d: Double) -> String {
    if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
    return String(d)
}

import Foundation

/// A parsed JSON document. Decoded with `JSONDecoder` rather than `JSONSerialization` so that
/// booleans and numbers stay distinct on every platform.
enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    static func parse(_ data: Data) -> JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: data) }

    subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    var string: String? { if case .string(let s) = self { return s }; return nil }
    var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    var double: Double? { if case .number(let d) = self { return d }; return nil }
    var array: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    var object: [String: JSONValue]? { if case .object(let o) = self { return o }; return nil }
    var isNull: Bool { self == .null }

    /// An integral number in Int range (shapes, sizes); nil for fractions or out-of-range values.
    var int: Int? {
        guard let d = double, d.rounded() == d, abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }

    /// A list of integers, also accepting a bare integer (Keras writes `3` or `[3, 3]` for sizes).
    func ints(count: Int? = nil) -> [Int]? {
        if let i = int { return count.map { [Int](repeating: i, count: $0) } ?? [i] }
        guard let a = array else { return nil }
        var out = [Int]()
        for v in a { guard let i = v.int else { return nil }; out.append(i) }
        if let count, out.count != count { return nil }
        return out
    }
}

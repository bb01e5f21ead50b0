import Foundation

/// A parsed JSON document, kept untyped: the Keras importer reads model configs through it and the
/// device-spec validator reports every problem of a user file by field path before decoding.
/// Decoded with `JSONDecoder` rather than `JSONSerialization` so that booleans and numbers stay
/// distinct on every platform.
public indirect enum JSONTree: Sendable, Hashable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONTree])
    case object([String: JSONTree])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = Self.number(c) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONTree].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONTree].self)) }
    }

    /// A number, or ±infinity for one too large for a Double (`1e999`), which `JSONDecoder` refuses:
    /// validators then say which field is not finite instead of failing the whole document.
    private static func number(_ c: any SingleValueDecodingContainer) -> Double? {
        do {
            return try c.decode(Double.self)
        } catch {
            // swift-corelibs-foundation's error type is not public; its description names the case.
            let text = String(describing: error)
            guard text.hasPrefix("numberIsNotRepresentableInSwift") else { return nil }
            return text.contains("parsed: \"-") ? -.infinity : .infinity
        }
    }

    public static func parse(_ data: Data) -> JSONTree? { try? JSONDecoder().decode(JSONTree.self, from: data) }

    public subscript(key: String) -> JSONTree? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var double: Double? { if case .number(let d) = self { return d }; return nil }
    public var array: [JSONTree]? { if case .array(let a) = self { return a }; return nil }
    public var object: [String: JSONTree]? { if case .object(let o) = self { return o }; return nil }
    public var isNull: Bool { self == .null }

    /// An integral number in Int range (shapes, sizes); nil for fractions or out-of-range values.
    public var int: Int? {
        guard let d = double, d.rounded() == d, abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }

    /// A list of integers, also accepting a bare integer (Keras writes `3` or `[3, 3]` for sizes).
    public func ints(count: Int? = nil) -> [Int]? {
        if let i = int { return count.map { [Int](repeating: i, count: $0) } ?? [i] }
        guard let a = array else { return nil }
        var out = [Int]()
        for v in a { guard let i = v.int else { return nil }; out.append(i) }
        if let count, out.count != count { return nil }
        return out
    }
}

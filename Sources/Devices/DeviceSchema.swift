import FileSupport
import Foundation

/// A small subset of JSON Schema (objects with `additionalProperties: false`, tagged `oneOf`
/// variants, typed scalars with enums and bounds, arrays), held as data. The same tree writes
/// `formats/device.schema.json` and validates user files, so the published schema and the checks
/// Imprint runs cannot drift apart.
public struct SchemaNode: Sendable {
    public indirect enum Kind: Sendable {
        case object([SchemaProperty])
        /// An object whose `kind` field selects one of several property sets.
        case tagged([SchemaVariant])
        case number(NumberBounds)
        case integer(NumberBounds)
        case string(allowed: [String]?)
        case boolean
        case array(items: SchemaNode, minItems: Int)
    }

    public var kind: Kind
    public var description: String
}

public struct SchemaProperty: Sendable {
    public var name: String
    public var node: SchemaNode
    public var required: Bool
}

public struct SchemaVariant: Sendable {
    public var tag: String
    public var description: String
    public var properties: [SchemaProperty]
}

public struct NumberBounds: Sendable {
    public var minimum: Double?
    public var exclusiveMinimum: Double?
    public var maximum: Double?
    public var exclusiveMaximum: Double?
}

/// One thing wrong with a spec: where (a dotted field path, `levels_uS[2]` for array items) and what.
public struct SpecProblem: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path.isEmpty ? "(root)" : path): \(message)" }
}

// MARK: - Validation

extension SchemaNode {
    /// Every violation of this schema in `value`, in document order; empty when it conforms.
    public func problems(in value: JSONTree, at path: String = "") -> [SpecProblem] {
        var out = [SpecProblem]()
        check(value, path, &out)
        return out
    }

    private func check(_ value: JSONTree, _ path: String, _ out: inout [SpecProblem]) {
        func fail(_ message: String) { out.append(SpecProblem(path: path, message: message)) }
        switch kind {
        case .object(let properties):
            guard case .object(let fields) = value else { return fail("must be an object (got \(value.summary))") }
            checkFields(fields, properties, path, &out)
        case .tagged(let variants):
            guard case .object(let fields) = value else { return fail("must be an object (got \(value.summary))") }
            let tags = variants.map(\.tag)
            let kindPath = join(path, "kind")
            guard let tag = fields["kind"] else {
                return out.append(SpecProblem(path: kindPath, message: "required field is missing (one of \(tags.joined(separator: ", ")))"))
            }
            guard case .string(let name) = tag, let variant = variants.first(where: { $0.tag == name }) else {
                return out.append(SpecProblem(path: kindPath, message: "must be one of \(tags.joined(separator: ", ")) (got \(tag.summary))"))
            }
            checkFields(fields, variant.properties + [Self.kindProperty(variant.tag)], path, &out)
        case .number(let bounds):
            guard case .number(let d) = value else { return fail("must be a number (got \(value.summary))") }
            guard d.isFinite else { return fail("must be a finite number (got \(formatNumber(d)))") }
            if let m = bounds.check(d) { fail(m) }
        case .integer(let bounds):
            guard case .number(let d) = value else { return fail("must be an integer (got \(value.summary))") }
            guard d == d.rounded() else { return fail("must be an integer (got \(formatNumber(d)))") }
            if let m = bounds.check(d) { fail(m) }
        case .string(let allowed):
            guard case .string(let s) = value else { return fail("must be a string (got \(value.summary))") }
            if let allowed, !allowed.contains(s) {
                fail("must be one of \(allowed.joined(separator: ", ")) (got \"\(s)\")")
            }
        case .boolean:
            guard case .bool = value else { return fail("must be true or false (got \(value.summary))") }
        case .array(let items, let minItems):
            guard case .array(let elements) = value else { return fail("must be an array (got \(value.summary))") }
            if elements.count < minItems { fail("must have at least \(minItems) item\(minItems == 1 ? "" : "s") (got \(elements.count))") }
            for (i, e) in elements.enumerated() { items.check(e, "\(path)[\(i)]", &out) }
        }
    }

    private func checkFields(_ fields: [String: JSONTree], _ properties: [SchemaProperty], _ path: String,
                             _ out: inout [SpecProblem]) {
        for p in properties {
            if let v = fields[p.name] {
                p.node.check(v, join(path, p.name), &out)
            } else if p.required {
                out.append(SpecProblem(path: join(path, p.name), message: "required field is missing"))
            }
        }
        let known = Set(properties.map(\.name))
        for name in fields.keys.sorted() where !known.contains(name) {
            out.append(SpecProblem(path: join(path, name),
                                   message: "unknown field (allowed here: \(properties.map(\.name).joined(separator: ", ")))"))
        }
    }

    static func kindProperty(_ tag: String) -> SchemaProperty {
        SchemaProperty(name: "kind", node: SchemaNode(kind: .string(allowed: [tag]), description: "Variant tag."), required: true)
    }
}

extension NumberBounds {
    func check(_ d: Double) -> String? {
        if let m = minimum, d < m { return "must be >= \(formatNumber(m)) (got \(formatNumber(d)))" }
        if let m = exclusiveMinimum, d <= m { return "must be > \(formatNumber(m)) (got \(formatNumber(d)))" }
        if let m = maximum, d > m { return "must be <= \(formatNumber(m)) (got \(formatNumber(d)))" }
        if let m = exclusiveMaximum, d >= m { return "must be < \(formatNumber(m)) (got \(formatNumber(d)))" }
        return nil
    }
}

func join(_ path: String, _ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

// MARK: - Ordering a document

extension SchemaNode {
    /// The value with object keys in schema order (a variant's `kind` first), so printed specs read
    /// like the schema and are byte-stable; keys the schema does not know follow, sorted.
    func ordered(_ value: JSONTree) -> OrderedJSON {
        switch (kind, value) {
        case (.object(let properties), .object(let fields)):
            return Self.order(fields, properties)
        case (.tagged(let variants), .object(let fields)):
            let variant = variants.first { if case .string($0.tag) = fields["kind"] { true } else { false } }
            return Self.order(fields, [Self.kindProperty(variant?.tag ?? "")] + (variant?.properties ?? []))
        case (.array(let items, _), .array(let elements)):
            return .array(elements.map { items.ordered($0) })
        default:
            return Self.plain(value)
        }
    }

    private static func order(_ fields: [String: JSONTree], _ properties: [SchemaProperty]) -> OrderedJSON {
        var pairs = properties.compactMap { p in fields[p.name].map { (p.name, p.node.ordered($0)) } }
        let known = Set(properties.map(\.name))
        pairs += fields.keys.sorted().filter { !known.contains($0) }.map { ($0, plain(fields[$0]!)) }
        return .object(pairs)
    }

    static func plain(_ value: JSONTree) -> OrderedJSON {
        switch value {
        case .null: .null
        case .bool(let b): .bool(b)
        case .number(let d): .number(d)
        case .string(let s): .string(s)
        case .array(let a): .array(a.map(plain))
        case .object(let o): .object(o.keys.sorted().map { ($0, plain(o[$0]!)) })
        }
    }
}

// MARK: - Rendering as JSON Schema

extension SchemaNode {
    func jsonSchema() -> OrderedJSON {
        var pairs: [(String, OrderedJSON)] = [("description", .string(description))]
        switch kind {
        case .object(let properties):
            pairs += Self.objectKeywords(properties)
        case .tagged(let variants):
            pairs += [
                ("type", .string("object")),
                ("required", .array([.string("kind")])),
                ("properties", .object([("kind", .object([("enum", .array(variants.map { .string($0.tag) }))]))])),
                ("oneOf", .array(variants.map { v in
                    let kind = SchemaProperty(name: "kind", node: SchemaNode(kind: .string(allowed: [v.tag]),
                                                                              description: "Variant tag."), required: true)
                    return .object([("description", .string(v.description))] + Self.objectKeywords([kind] + v.properties))
                })),
            ]
        case .number(let b): pairs += [("type", .string("number"))] + b.keywords
        case .integer(let b): pairs += [("type", .string("integer"))] + b.keywords
        case .string(let allowed):
            if let allowed, allowed.count == 1 { pairs += [("const", .string(allowed[0]))] }
            else {
                pairs += [("type", .string("string"))]
                if let allowed { pairs += [("enum", .array(allowed.map { .string($0) }))] }
            }
        case .boolean: pairs += [("type", .string("boolean"))]
        case .array(let items, let minItems):
            pairs += [("type", .string("array")), ("items", items.jsonSchema())]
            if minItems > 0 { pairs += [("minItems", .number(Double(minItems)))] }
        }
        return .object(pairs)
    }

    static func objectKeywords(_ properties: [SchemaProperty]) -> [(String, OrderedJSON)] {
        [
            ("type", .string("object")),
            ("required", .array(properties.filter(\.required).map { .string($0.name) })),
            ("properties", .object(properties.map { ($0.name, $0.node.jsonSchema()) })),
            ("additionalProperties", .bool(false)),
        ]
    }
}

extension NumberBounds {
    var keywords: [(String, OrderedJSON)] {
        var out = [(String, OrderedJSON)]()
        if let m = minimum { out.append(("minimum", .number(m))) }
        if let m = exclusiveMinimum { out.append(("exclusiveMinimum", .number(m))) }
        if let m = maximum { out.append(("maximum", .number(m))) }
        if let m = exclusiveMaximum { out.append(("exclusiveMaximum", .number(m))) }
        return out
    }
}

import Foundation

/// One ONNX node being converted: its display name, and attribute access whose errors name the node.
struct ONNXNodeContext {
    let node: ONNXNode
    /// The node's name, or `op_type_N` when the file leaves it empty.
    let name: String
    let file: URL

    init(_ node: ONNXNode, index: Int, file: URL) {
        self.node = node
        self.name = node.name.isEmpty ? "\(node.opType)_\(index)" : node.name
        self.file = file
    }

    var op: String { node.opType }

    /// An error whose message starts with "node 'NAME' (OpType): ".
    func error(_ kind: ImportError.Kind, _ message: String) -> ImportError {
        ImportError(kind, file: file.path, "node '\(name)' (\(op)): \(message)")
    }

    func unsupported(_ message: String) -> ImportError { error(.unsupported, message) }

    /// The i-th input name, or nil when absent or empty (ONNX's "optional input left out").
    func inputName(_ i: Int) -> String? {
        guard i < node.inputs.count, !node.inputs[i].isEmpty else { return nil }
        return node.inputs[i]
    }

    /// The first output, which every supported operator has.
    func output() throws(ImportError) -> String {
        guard let first = node.outputs.first, !first.isEmpty else { throw error(.malformed, "has no output") }
        return first
    }

    // MARK: Attributes

    func has(_ key: String) -> Bool { node.attributes[key] != nil }

    func int(_ key: String, _ fallback: Int) throws(ImportError) -> Int {
        guard let a = node.attributes[key] else { return fallback }
        guard case .int(let v) = a.value else { throw wrongType(key, "an integer") }
        guard let i = Int(exactly: v) else { throw error(.malformed, "attribute '\(key)' is out of range") }
        return i
    }

    func float(_ key: String, _ fallback: Float) throws(ImportError) -> Float {
        guard let a = node.attributes[key] else { return fallback }
        switch a.value {
        case .float(let v): return v
        case .int(let v): return Float(v)
        default: throw wrongType(key, "a float")
        }
    }

    func ints(_ key: String) throws(ImportError) -> [Int]? {
        guard let a = node.attributes[key] else { return nil }
        switch a.value {
        case .ints(let v): return v.map { Int(truncatingIfNeeded: $0) }
        case .int(let v): return [Int(truncatingIfNeeded: v)]
        case .other(7): return []
        default: throw wrongType(key, "a list of integers")
        }
    }

    func floats(_ key: String) throws(ImportError) -> [Float]? {
        guard let a = node.attributes[key] else { return nil }
        switch a.value {
        case .floats(let v): return v
        case .float(let v): return [v]
        case .other(6): return []
        default: throw wrongType(key, "a list of floats")
        }
    }

    func string(_ key: String, _ fallback: String) throws(ImportError) -> String {
        guard let a = node.attributes[key] else { return fallback }
        guard case .string(let v) = a.value else { throw wrongType(key, "a string") }
        return v
    }

    func tensor(_ key: String) throws(ImportError) -> ONNXTensorProto? {
        guard let a = node.attributes[key] else { return nil }
        guard case .tensor(let t) = a.value else { throw wrongType(key, "a tensor") }
        return t
    }

    private func wrongType(_ key: String, _ expected: String) -> ImportError {
        error(.malformed, "attribute '\(key)' should be \(expected)")
    }
}

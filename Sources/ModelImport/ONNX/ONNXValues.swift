import NetworkModel

/// An integer during constant folding: a known value, or the batch size, which is only known at run time.
enum SymbolicInt: Sendable, Equatable, CustomStringConvertible {
    case known(Int)
    case batch

    var description: String {
        switch self {
        case .known(let v): return String(v)
        case .batch: return "batch"
        }
    }
}

/// An integer constant (shape arithmetic, axes, indices), row-major like `Tensor`.
struct IntTensor: Sendable, Equatable {
    var shape: [Int]
    var values: [SymbolicInt]

    init(shape: [Int], values: [SymbolicInt]) {
        self.shape = shape; self.values = values
    }
    init(vector: [Int]) {
        shape = [vector.count]; values = vector.map { .known($0) }
    }
}

/// What an ONNX tensor name stands for while the graph is converted.
enum ONNXValue: Sendable {
    /// A tensor computed at run time, by its name in the `Network`.
    case dynamic(String)
    case float(Tensor)
    case int(IntTensor)

    var isConstant: Bool {
        if case .dynamic = self { return false }
        return true
    }
}

/// ONNX TensorProto.DataType names, for messages.
enum ONNXDataType {
    static let float: Int32 = 1, int32: Int32 = 6, int64: Int32 = 7, bool: Int32 = 9
    static let float16: Int32 = 10, double: Int32 = 11

    static func name(_ t: Int32) -> String {
        let names = [0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32",
                     7: "INT64", 8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64",
                     14: "COMPLEX64", 15: "COMPLEX128", 16: "BFLOAT16"]
        return names[Int(t)] ?? "data type \(t)"
    }

    /// Bytes per element of the types Imprint decodes.
    static func size(_ t: Int32) -> Int? {
        switch t {
        case float, int32: return 4
        case int64, double: return 8
        case float16: return 2
        default: return nil
        }
    }
}

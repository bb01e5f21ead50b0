internal import CONNX
import Foundation
internal import ProtobufCSupport

// Swift mirrors of the protobuf-c structs. The whole model is copied out of C memory right after
// unpacking so that every pointer and `n_*` count is touched in this one file, and the C message
// can be freed before any conversion runs.

/// One TensorProto, undecoded: decoding happens lazily so that unused initializers (a Dropout's
/// boolean `training_mode`, say) never trigger data-type errors.
struct ONNXTensorProto: Sendable {
    var name: String
    var dims: [Int64]
    var dataType: Int32
    var rawData: [UInt8]?
    var floatData: [Float]
    var int32Data: [Int32]
    var int64Data: [Int64]
    var doubleData: [Double]
    var uint64Count: Int
    var stringCount: Int
    var isExternal: Bool
    var externalData: [String: String]
    var hasSegment: Bool
}

enum ONNXAttributeValue: Sendable {
    case float(Float)
    case int(Int64)
    case string(String)
    case tensor(ONNXTensorProto)
    case floats([Float])
    case ints([Int64])
    case strings([String])
    case other(Int32)
}

struct ONNXAttribute: Sendable {
    var name: String
    var value: ONNXAttributeValue
}

struct ONNXNode: Sendable {
    var name: String
    var opType: String
    var domain: String
    var inputs: [String]
    var outputs: [String]
    var attributes: [String: ONNXAttribute]
}

/// A dimension of a declared input shape.
enum ONNXDim: Sendable, Equatable {
    case value(Int64)
    case param(String)
    case unknown
}

struct ONNXValueInfo: Sendable {
    var name: String
    var elemType: Int32?
    /// nil when the type or shape is not declared.
    var shape: [ONNXDim]?
}

struct ONNXGraph: Sendable {
    var name: String
    var nodes: [ONNXNode]
    var initializers: [ONNXTensorProto]
    var inputs: [ONNXValueInfo]
    var outputs: [ONNXValueInfo]
}

struct ONNXModel: Sendable {
    var irVersion: Int64
    var opsets: [String: Int64]
    var producer: String
    var graph: ONNXGraph?
}

extension ONNXModel {
    /// Parses serialized ModelProto bytes; nil when protobuf-c rejects them. The bytes are given
    /// up once protobuf-c has unpacked them (its message holds copies of every tensor's data), so a
    /// caller that hands over its only copy never holds the weights three times at once.
    static func parse(_ bytes: consuming [UInt8]) -> ONNXModel? {
        let proto = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.flatMap { onnx__model_proto__unpack(nil, buffer.count, $0) }
        }
        _ = consume bytes
        guard let proto else { return nil }
        defer { onnx__model_proto__free_unpacked(proto, nil) }
        return ONNXModel(proto.pointee)
    }

    init(_ m: Onnx__ModelProto) {
        irVersion = m.has_ir_version != 0 ? m.ir_version : 0
        var opsets = [String: Int64]()
        for set in cMessages(m.opset_import, m.n_opset_import) {
            let domain = cString(set.domain)
            opsets[domain] = set.has_version != 0 ? set.version : 1
        }
        self.opsets = opsets
        producer = cString(m.producer_name)
        graph = m.graph.map { ONNXGraph($0.pointee) }
    }
}

extension ONNXGraph {
    init(_ g: Onnx__GraphProto) {
        name = cString(g.name)
        nodes = cMessages(g.node, g.n_node).map(ONNXNode.init)
        initializers = cMessages(g.initializer, g.n_initializer).map(ONNXTensorProto.init)
        inputs = cMessages(g.input, g.n_input).map(ONNXValueInfo.init)
        outputs = cMessages(g.output, g.n_output).map(ONNXValueInfo.init)
    }
}

extension ONNXNode {
    init(_ n: Onnx__NodeProto) {
        name = cString(n.name)
        opType = cString(n.op_type)
        domain = cString(n.domain)
        inputs = cStrings(n.input, n.n_input)
        outputs = cStrings(n.output, n.n_output)
        var attributes = [String: ONNXAttribute]()
        for a in cMessages(n.attribute, n.n_attribute) {
            let attribute = ONNXAttribute(a)
            attributes[attribute.name] = attribute
        }
        self.attributes = attributes
    }
}

extension ONNXAttribute {
    init(_ a: Onnx__AttributeProto) {
        name = cString(a.name)
        // Old writers leave `type` unset; infer it from which field holds data.
        var type = a.has_type != 0 ? Int32(bitPattern: UInt32(a.type.rawValue)) : 0
        if type == 0 {
            if a.n_floats > 0 { type = 6 } else if a.n_ints > 0 { type = 7 } else if a.n_strings > 0 { type = 8 }
            else if a.t != nil { type = 4 } else if a.has_s != 0 { type = 3 } else if a.has_i != 0 { type = 2 }
            else if a.has_f != 0 { type = 1 }
        }
        switch type {
        case 1: value = .float(a.f)
        case 2: value = .int(a.i)
        case 3: value = .string(bytesToString(a.s))
        case 4:
            if let t = a.t { value = .tensor(ONNXTensorProto(t.pointee)) } else { value = .other(type) }
        case 6: value = .floats(cBuffer(a.floats, a.n_floats))
        case 7: value = .ints(cBuffer(a.ints, a.n_ints))
        case 8: value = .strings(cBuffer(a.strings, a.n_strings).map(bytesToString))
        default: value = .other(type)
        }
    }
}

extension ONNXTensorProto {
    init(_ t: Onnx__TensorProto) {
        name = cString(t.name)
        dims = cBuffer(t.dims, t.n_dims)
        dataType = t.has_data_type != 0 ? t.data_type : 0
        if t.has_raw_data != 0 {
            rawData = t.raw_data.len > 0 && t.raw_data.data != nil
                ? Array(UnsafeBufferPointer(start: t.raw_data.data, count: t.raw_data.len)) : []
        } else {
            rawData = nil
        }
        floatData = cBuffer(t.float_data, t.n_float_data)
        int32Data = cBuffer(t.int32_data, t.n_int32_data)
        int64Data = cBuffer(t.int64_data, t.n_int64_data)
        doubleData = cBuffer(t.double_data, t.n_double_data)
        uint64Count = t.n_uint64_data
        stringCount = t.n_string_data
        isExternal = t.has_data_location != 0 && t.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL
        var external = [String: String]()
        for entry in cMessages(t.external_data, t.n_external_data) {
            external[cString(entry.key)] = cString(entry.value)
        }
        externalData = external
        hasSegment = t.segment != nil
    }
}

extension ONNXValueInfo {
    init(_ v: Onnx__ValueInfoProto) {
        name = cString(v.name)
        elemType = nil
        shape = nil
        guard let type = v.type?.pointee, type.value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE,
              let tensor = type.tensor_type?.pointee else { return }
        elemType = tensor.has_elem_type != 0 ? tensor.elem_type : nil
        guard let shapeProto = tensor.shape?.pointee else { return }
        shape = cMessages(shapeProto.dim, shapeProto.n_dim).map { d -> ONNXDim in
            switch d.value_case {
            case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE: return .value(d.dim_value)
            case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM: return .param(cString(d.dim_param))
            default: return .unknown
            }
        }
    }
}

private func bytesToString(_ b: ProtobufCBinaryData) -> String {
    String(decoding: cBytes(b), as: UTF8.self)
}

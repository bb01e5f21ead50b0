internal import CPlan
import Devices
import Foundation
import NetworkModel
internal import ProtobufCSupport

// protobuf-c messages → Swift values. Every pointer and `n_*` count is touched in this file only,
// and everything is copied out before the C message is freed. Structural checks happen here
// (enum values, index ranges that fit Int); relations between values are PlanValidation's job.

/// Largest index or size field accepted: keeps every later sum and product of two of them far
/// from Int overflow, and is far above any real crossbar (2^40 devices).
private let indexLimit: UInt64 = 1 << 40
/// Bound on graph integer attributes and input dimensions, so shape inference cannot overflow on a
/// crafted file (the checksum is only known once the last tile has been read).
private let attributeLimit: Int64 = 1 << 24

enum PlanDecoding {
    /// A decoded record of the stream.
    enum Record {
        /// The header's decoding result is kept apart from its version, so that a newer format is
        /// reported as such rather than as whatever decoding error it causes.
        case header(formatVersion: Int, Result<PlanHeader, DecodeFailure>)
        case tile(Tile)
        case footer(tileCount: UInt64, deviceCount: UInt64, sha256: [UInt8])
    }

    /// Unpacks one record body.
    static func record(_ bytes: [UInt8]) throws(DecodeFailure) -> Record {
        let result: Result<Record, DecodeFailure> = bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress,
                  let message = imprint__plan__plan_record__unpack(nil, buffer.count, base) else {
                return .failure(DecodeFailure("the record is not a valid PlanRecord message"))
            }
            defer { imprint__plan__plan_record__free_unpacked(message, nil) }
            let m = message.pointee
            do throws(DecodeFailure) {
                switch m.record_case {
                case IMPRINT__PLAN__PLAN_RECORD__RECORD_HEADER:
                    guard let h = m.header else { throw DecodeFailure("the header record is empty") }
                    return .success(.header(formatVersion: Int(h.pointee.format_version), decodeHeader(h.pointee)))
                case IMPRINT__PLAN__PLAN_RECORD__RECORD_TILE:
                    guard let t = m.tile else { throw DecodeFailure("the tile record is empty") }
                    return .success(.tile(try decodeTile(t.pointee)))
                case IMPRINT__PLAN__PLAN_RECORD__RECORD_FOOTER:
                    guard let f = m.footer?.pointee else { throw DecodeFailure("the footer record is empty") }
                    return .success(.footer(tileCount: f.tile_count, deviceCount: f.device_count, sha256: cBytes(f.sha256)))
                default:
                    throw DecodeFailure("the record holds no header, tile or footer")
                }
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private static func decodeHeader(_ h: Imprint__Plan__Header) -> Result<PlanHeader, DecodeFailure> {
        do throws(DecodeFailure) {
            guard let o = h.options?.pointee else { throw DecodeFailure("the header has no compile options") }
            guard let g = h.network?.pointee else { throw DecodeFailure("the header has no network") }
            let source = h.source.map { SourceModel(fileName: cString($0.pointee.file_name), sha256: cString($0.pointee.sha256)) }
                ?? SourceModel(fileName: "", sha256: "")
            let json = cString(h.device_spec_json)
            let device: DeviceSpec
            do { device = try DeviceSpec.decode(Data(json.utf8), file: "the plan's device spec") } catch {
                throw DecodeFailure("the embedded device spec is invalid: \(error.description.replacingOccurrences(of: "\n", with: "; "))")
            }
            let roles = try cMessages(h.slots, h.n_slots).map { (s) throws(DecodeFailure) -> DeviceSlot in
                let polarity: Polarity
                switch s.polarity.rawValue {
                case 1: polarity = .pos
                case 2: polarity = .neg
                case 3: polarity = .single
                default: throw DecodeFailure("a device slot has the unknown polarity \(s.polarity.rawValue)")
                }
                return DeviceSlot(polarity: polarity, significance: s.significance, replica: try index(s.replica, "slot replica"))
            }
            let network = try decodeGraph(g)
            let layers = try cMessages(h.layers, h.n_layers).map { (l) throws(DecodeFailure) -> LayerMapping in
                let start = try index(l.tile_start, "layer tile_start"), end = try index(l.tile_end, "layer tile_end")
                let name = cString(l.node)
                guard start <= end else { throw DecodeFailure("layer '\(name)' has tiles [\(start), \(end))") }
                // The matrix is the node's own (CrossbarMatrix is derived, not stored); the recorded
                // dimensions must agree with it.
                guard let matrix = network.nodes.first(where: { $0.name == name })?.crossbarMatrix else {
                    throw DecodeFailure("layer '\(name)' names no matrix-product node of the network")
                }
                guard matrix.rows == Int(clamping: l.matrix_rows), matrix.columns == Int(clamping: l.matrix_columns),
                      matrix.groups == Int(clamping: l.groups) else {
                    throw DecodeFailure("layer '\(name)': the recorded matrix \(l.matrix_rows)×\(l.matrix_columns)×\(l.groups) is not the node's \(matrix.rows)×\(matrix.columns)×\(matrix.groups)")
                }
                return LayerMapping(node: name, matrix: matrix, wMax: l.w_max, clippedFraction: l.clipped_fraction,
                                    tiles: start..<end, snapError: l.snap_error)
            }
            let arrays = try cMessages(h.arrays, h.n_arrays).map { (a) throws(DecodeFailure) -> ArrayInfo in
                ArrayInfo(rows: try index(a.rows, "array rows"), columns: try index(a.columns, "array columns"),
                          usedDevices: try index(a.used_devices, "array used_devices"))
            }
            var header = PlanHeader(formatVersion: Int(h.format_version), toolVersion: cString(h.tool_version), source: source,
                                    device: device, options: try decodeOptions(o), network: network, roles: roles,
                                    layers: layers, arrays: arrays, tileCount: try index(h.tile_count, "tile_count"))
            header.layerFaults = try cMessages(h.layer_faults, h.n_layer_faults).map { (m) throws(DecodeFailure) -> LayerFaults in
                LayerFaults(stuckDevices: try index(m.stuck_devices, "layer stuck_devices"), naiveRMSError: m.naive_rms_error,
                            awareRMSError: m.aware_rms_error)
            }
            return .success(header)
        } catch {
            return .failure(error)
        }
    }

    private static func decodeOptions(_ o: Imprint__Plan__CompileOptions) throws(DecodeFailure) -> CompileOptions {
        var options = CompileOptions()
        options.tileRows = try index(o.tile_rows, "tile_rows")
        options.tileColumns = try index(o.tile_columns, "tile_columns")
        options.arrayRows = o.array_rows == 0 ? nil : try index(o.array_rows, "array_rows")
        options.arrayColumns = o.array_columns == 0 ? nil : try index(o.array_columns, "array_columns")
        switch o.pairs.rawValue {
        case 1: options.pairs = .single
        case 2: options.pairs = .offset
        case 3: options.pairs = .dual(significance: o.significance)
        default: throw DecodeFailure("the compile options have the unknown pair mode \(o.pairs.rawValue)")
        }
        options.devicesPerConductance = o.devices_per_conductance == 0 ? nil : try index(o.devices_per_conductance, "devices_per_conductance")
        switch o.scale.rawValue {
        case 1: options.scale = .layer
        case 2: options.scale = .tile
        case 3: options.scale = .column
        default: throw DecodeFailure("the compile options have the unknown scale mode \(o.scale.rawValue)")
        }
        switch o.clip.rawValue {
        case 1: options.clip = .max
        case 2: options.clip = .percentile(o.clip_value)
        case 3: options.clip = .sigma(o.clip_value)
        default: throw DecodeFailure("the compile options have the unknown clip mode \(o.clip.rawValue)")
        }
        options.foldBatchNorm = o.fold_batchnorm != 0
        options.keepDigital = cStrings(o.keep_digital, o.n_keep_digital)
        options.snapToLevels = o.snap_to_levels != 0
        options.defectMap = o.defect_map.map { SourceModel(fileName: cString($0.pointee.file_name), sha256: cString($0.pointee.sha256)) }
        // Offset mode records its reference lines (0: none, the digital zero point); pair modes have none.
        if case .offset = options.pairs, o.reference_columns > 0 {
            options.referenceColumns = try index(o.reference_columns, "reference_columns")
        }
        return options
    }

    private static func decodeGraph(_ g: Imprint__Plan__Graph) throws(DecodeFailure) -> Network {
        let inputs = try cMessages(g.inputs, g.n_inputs).map { (i) throws(DecodeFailure) -> NetworkInput in
            let shape = try ints(i.shape, i.n_shape, what: "input shape")
            guard let count = Tensor.elementCount(shape), count <= Int(indexLimit) else {
                throw DecodeFailure("input '\(cString(i.name))' has the shape \(shape)")
            }
            guard let layout = DataLayout(rawValue: cString(i.source_layout)) else {
                throw DecodeFailure("input '\(cString(i.name))' has the unknown layout '\(cString(i.source_layout))'")
            }
            return NetworkInput(name: cString(i.name), shape: shape, sourceLayout: layout)
        }
        let nodes = try cMessages(g.nodes, g.n_nodes).map { (n) throws(DecodeFailure) -> Node in
            var generic = GenericNode(name: cString(n.name), opType: cString(n.op_type), inputs: cStrings(n.inputs, n.n_inputs),
                                      output: cString(n.output))
            generic.ints = try cMessages(n.int_attributes, n.n_int_attributes).map { (a) throws(DecodeFailure) in
                (cString(a.name), try ints(a.values, a.n_values, what: "attribute"))
            }
            generic.floats = cMessages(n.float_attributes, n.n_float_attributes).map { (cString($0.name), cBuffer($0.values, $0.n_values)) }
            generic.tensors = try cMessages(n.tensors, n.n_tensors).map { (t) throws(DecodeFailure) in (cString(t.name), try tensor(t)) }
            return try GraphCodec.node(generic)
        }
        var constants = [String: Tensor]()
        for t in cMessages(g.constants, g.n_constants) { constants[cString(t.name)] = try tensor(t) }
        do {
            return try Network(name: cString(g.name), inputs: inputs, outputs: cStrings(g.outputs, g.n_outputs),
                               nodes: nodes, constants: constants)
        } catch {
            throw DecodeFailure("the network graph does not validate: \(error)")
        }
    }

    private static func tensor(_ t: Imprint__Plan__NamedTensor) throws(DecodeFailure) -> Tensor {
        let shape = try ints(t.shape, t.n_shape, what: "tensor shape")
        do { return try Tensor(shape: shape, data: cBuffer(t.data, t.n_data)) } catch {
            throw DecodeFailure("tensor '\(cString(t.name))': \(error)")
        }
    }

    private static func decodeTile(_ t: Imprint__Plan__Tile) throws(DecodeFailure) -> Tile {
        let rowStart = try index(t.row_start, "tile row_start"), rowEnd = try index(t.row_end, "tile row_end")
        let colStart = try index(t.column_start, "tile column_start"), colEnd = try index(t.column_end, "tile column_end")
        guard rowStart <= rowEnd, colStart <= colEnd else {
            throw DecodeFailure("a tile covers rows [\(rowStart), \(rowEnd)) and columns [\(colStart), \(colEnd))")
        }
        return Tile(layer: try index(t.layer, "tile layer"), group: try index(t.group, "tile group"),
                    rows: rowStart..<rowEnd, columns: colStart..<colEnd, array: try index(t.array, "tile array"),
                    rowOffset: try index(t.row_offset, "tile row_offset"), columnOffset: try index(t.column_offset, "tile column_offset"),
                    targets_uS: cBuffer(t.targets_us, t.n_targets_us), weightPerMicrosiemens: cBuffer(t.weight_per_us, t.n_weight_per_us),
                    zero_uS: t.zero_us, orderStart: try index(t.order_start, "tile order_start"),
                    rowPermutation: cBuffer(t.row_permutation, t.n_row_permutation).map { Int($0) },
                    columnPermutation: cBuffer(t.column_permutation, t.n_column_permutation).map { Int($0) },
                    stuckDevices: try cBuffer(t.stuck_devices, t.n_stuck_devices).map { (v) throws(DecodeFailure) in try index(v, "tile stuck device") },
                    referenceTargets_uS: cBuffer(t.reference_targets_us, t.n_reference_targets_us))
    }
}

private func index(_ v: UInt64, _ what: String) throws(DecodeFailure) -> Int {
    guard v <= indexLimit else { throw DecodeFailure("\(what) is \(v), beyond any crossbar") }
    return Int(v)
}

private func ints(_ p: UnsafeMutablePointer<Int64>?, _ n: Int, what: String) throws(DecodeFailure) -> [Int] {
    let values = cBuffer(p, n)
    guard values.allSatisfy({ abs($0) <= attributeLimit }) else { throw DecodeFailure("a \(what) holds a value beyond ±2^24") }
    return values.map { Int($0) }
}






internal import CPlan
internal import CProtobufC
internal import ProtobufCSupport

/// The field numbers and enum values of formats/plan.proto that the plan and device-stream encoders write
/// (the per-device `DeviceRecord` numbers come with TesterFiles' field table), looked up
/// by name in protoc-c's generated descriptors (`make protos`), never typed as literals: a renumbered or
/// renamed field fails `PlanFieldNumbers.load()` (and its test) instead of writing files the decoder
/// misreads.
package struct PlanFieldNumbers: Sendable {
    struct Record: Sendable { var header = 0, tile = 0, footer = 0 }
    struct Header: Sendable {
        var formatVersion = 0, toolVersion = 0, source = 0, deviceSpecJSON = 0, options = 0, network = 0
        var slots = 0, layers = 0, arrays = 0, tileCount = 0, layerFaults = 0
    }
    struct LayerFaults: Sendable { var stuckDevices = 0, naiveRMSError = 0, awareRMSError = 0 }
    struct SourceModel: Sendable { var fileName = 0, sha256 = 0 }
    struct Options: Sendable {
        var tileRows = 0, tileColumns = 0, arrayRows = 0, arrayColumns = 0, pairs = 0, significance = 0
        var devicesPerConductance = 0, scale = 0, clip = 0, clipValue = 0, foldBatchNorm = 0, keepDigital = 0
        var snapToLevels = 0, defectMap = 0, referenceColumns = 0
    }
    struct Graph: Sendable { var name = 0, inputs = 0, outputs = 0, nodes = 0, constants = 0 }
    struct GraphInput: Sendable { var name = 0, shape = 0, sourceLayout = 0 }
    struct Node: Sendable {
        var name = 0, opType = 0, inputs = 0, output = 0, intAttributes = 0, floatAttributes = 0, tensors = 0
    }
    /// IntAttribute and FloatAttribute share this shape (a name and repeated values).
    struct Attribute: Sendable { var name = 0, values = 0 }
    struct NamedTensor: Sendable { var name = 0, shape = 0, data = 0 }
    struct DeviceSlot: Sendable { var polarity = 0, significance = 0, replica = 0 }
    struct LayerMapping: Sendable {
        var node = 0, matrixRows = 0, matrixColumns = 0, groups = 0, wMax = 0, clippedFraction = 0
        var tileStart = 0, tileEnd = 0, snapError = 0
    }
    struct ArrayInfo: Sendable { var rows = 0, columns = 0, usedDevices = 0 }
    struct Tile: Sendable {
        var layer = 0, group = 0, rowStart = 0, rowEnd = 0, columnStart = 0, columnEnd = 0, array = 0
        var rowOffset = 0, columnOffset = 0, targets = 0, weightPerMicrosiemens = 0, zero = 0, orderStart = 0
        var rowPermutation = 0, columnPermutation = 0, stuckDevices = 0
        var referenceTargets = 0
    }
    struct Footer: Sendable { var tileCount = 0, deviceCount = 0, sha256 = 0 }
    package struct DeviceStreamHeader: Sendable {
        package var planFormatVersion = 0, toolVersion = 0, source = 0, deviceSpecJSON = 0, layers = 0, arrays = 0
        package var algorithm = 0, setStart = 0, setStep = 0, setStop = 0, resetStart = 0, resetStep = 0, resetStop = 0
        package var gateSet = 0, gateReset = 0, pulseWidth = 0, readBias = 0, readsAveraged = 0, readsDiscarded = 0
        package var maxIterations = 0, maxPulsesAtCeiling = 0, offsetMode = 0, belowGMin = 0, gateSetStep = 0, gateSetStop = 0
        package var readTime = 0, defectMap = 0, referenceColumns = 0
    }
    /// Enum values: PairMode, ScaleMode, ClipMode, Polarity.
    struct Enums: Sendable {
        var pairSingle = 0, pairOffset = 0, pairDual = 0
        var scaleLayer = 0, scaleTile = 0, scaleColumn = 0
        var clipMax = 0, clipPercentile = 0, clipSigma = 0
        var polarityPos = 0, polarityNeg = 0, polaritySingle = 0, polarityRef = 0
    }

    var record = Record(), header = Header(), source = SourceModel(), options = Options(), graph = Graph()
    var graphInput = GraphInput(), node = Node(), intAttribute = Attribute(), floatAttribute = Attribute()
    var tensor = NamedTensor(), slot = DeviceSlot(), layer = LayerMapping(), array = ArrayInfo(), tile = Tile()
    var footer = Footer(), enums = Enums(), layerFaults = LayerFaults()
    package var streamHeader = DeviceStreamHeader()

    /// The numbers of the compiled-in descriptors; checked once by `load()`'s test.
    package static let shared: PlanFieldNumbers = {
        do { return try load() } catch { preconditionFailure("formats/plan.proto and PlanFieldNumbers disagree: \(error)") }
    }()

    struct Mismatch: Error, CustomStringConvertible {
        var missing: [String]
        var description: String { "no such field or value in the generated descriptors: " + missing.joined(separator: ", ") }
    }

    /// Resolves every name; throws the list of names the descriptors lack.
    static func load() throws(Mismatch) -> PlanFieldNumbers {
        var missing = [String]()
        func f(_ d: ProtobufCMessageDescriptor, _ name: String) -> Int {
            if let n = protoFieldNumber(d, name) { return n }
            missing.append("\(String(cString: d.name)).\(name)"); return 0
        }
        func e(_ d: ProtobufCEnumDescriptor, _ name: String) -> Int {
            if let n = protoEnumValue(d, name) { return n }
            missing.append("\(String(cString: d.name)).\(name)"); return 0
        }
        var p = PlanFieldNumbers()
        let rec = imprint__plan__plan_record__descriptor
        p.record = Record(header: f(rec, "header"), tile: f(rec, "tile"), footer: f(rec, "footer"))
        let h = imprint__plan__header__descriptor
        p.header = Header(formatVersion: f(h, "format_version"), toolVersion: f(h, "tool_version"), source: f(h, "source"),
                          deviceSpecJSON: f(h, "device_spec_json"), options: f(h, "options"), network: f(h, "network"),
                          slots: f(h, "slots"), layers: f(h, "layers"), arrays: f(h, "arrays"), tileCount: f(h, "tile_count"),
                          layerFaults: f(h, "layer_faults"))
        let lf = imprint__plan__layer_faults__descriptor
        p.layerFaults = LayerFaults(stuckDevices: f(lf, "stuck_devices"), naiveRMSError: f(lf, "naive_rms_error"),
                                    awareRMSError: f(lf, "aware_rms_error"))
        let s = imprint__plan__source_model__descriptor
        p.source = SourceModel(fileName: f(s, "file_name"), sha256: f(s, "sha256"))
        let o = imprint__plan__compile_options__descriptor
        p.options = Options(tileRows: f(o, "tile_rows"), tileColumns: f(o, "tile_columns"), arrayRows: f(o, "array_rows"),
                            arrayColumns: f(o, "array_columns"), pairs: f(o, "pairs"), significance: f(o, "significance"),
                            devicesPerConductance: f(o, "devices_per_conductance"), scale: f(o, "scale"), clip: f(o, "clip"),
                            clipValue: f(o, "clip_value"), foldBatchNorm: f(o, "fold_batchnorm"),
                            keepDigital: f(o, "keep_digital"), snapToLevels: f(o, "snap_to_levels"), defectMap: f(o, "defect_map"),
                            referenceColumns: f(o, "reference_columns"))
        let g = imprint__plan__graph__descriptor
        p.graph = Graph(name: f(g, "name"), inputs: f(g, "inputs"), outputs: f(g, "outputs"), nodes: f(g, "nodes"),
                        constants: f(g, "constants"))
        let gi = imprint__plan__graph_input__descriptor
        p.graphInput = GraphInput(name: f(gi, "name"), shape: f(gi, "shape"), sourceLayout: f(gi, "source_layout"))
        let n = imprint__plan__node__descriptor
        p.node = Node(name: f(n, "name"), opType: f(n, "op_type"), inputs: f(n, "inputs"), output: f(n, "output"),
                      intAttributes: f(n, "int_attributes"), floatAttributes: f(n, "float_attributes"), tensors: f(n, "tensors"))
        let ia = imprint__plan__int_attribute__descriptor, fa = imprint__plan__float_attribute__descriptor
        p.intAttribute = Attribute(name: f(ia, "name"), values: f(ia, "values"))
        p.floatAttribute = Attribute(name: f(fa, "name"), values: f(fa, "values"))
        let t = imprint__plan__named_tensor__descriptor
        p.tensor = NamedTensor(name: f(t, "name"), shape: f(t, "shape"), data: f(t, "data"))
        let ds = imprint__plan__device_slot__descriptor
        p.slot = DeviceSlot(polarity: f(ds, "polarity"), significance: f(ds, "significance"), replica: f(ds, "replica"))
        let l = imprint__plan__layer_mapping__descriptor
        p.layer = LayerMapping(node: f(l, "node"), matrixRows: f(l, "matrix_rows"), matrixColumns: f(l, "matrix_columns"),
                               groups: f(l, "groups"), wMax: f(l, "w_max"), clippedFraction: f(l, "clipped_fraction"),
                               tileStart: f(l, "tile_start"), tileEnd: f(l, "tile_end"), snapError: f(l, "snap_error"))
        let a = imprint__plan__array_info__descriptor
        p.array = ArrayInfo(rows: f(a, "rows"), columns: f(a, "columns"), usedDevices: f(a, "used_devices"))
        let ti = imprint__plan__tile__descriptor
        p.tile = Tile(layer: f(ti, "layer"), group: f(ti, "group"), rowStart: f(ti, "row_start"), rowEnd: f(ti, "row_end"),
                      columnStart: f(ti, "column_start"), columnEnd: f(ti, "column_end"), array: f(ti, "array"),
                      rowOffset: f(ti, "row_offset"), columnOffset: f(ti, "column_offset"), targets: f(ti, "targets_us"),
                      weightPerMicrosiemens: f(ti, "weight_per_us"), zero: f(ti, "zero_us"), orderStart: f(ti, "order_start"),
                      rowPermutation: f(ti, "row_permutation"), columnPermutation: f(ti, "column_permutation"),
                      stuckDevices: f(ti, "stuck_devices"), referenceTargets: f(ti, "reference_targets_us"))
        let fo = imprint__plan__footer__descriptor
        p.footer = Footer(tileCount: f(fo, "tile_count"), deviceCount: f(fo, "device_count"), sha256: f(fo, "sha256"))
        let sh = imprint__plan__device_stream_header__descriptor
        p.streamHeader = DeviceStreamHeader(
            planFormatVersion: f(sh, "plan_format_version"), toolVersion: f(sh, "tool_version"), source: f(sh, "source"),
            deviceSpecJSON: f(sh, "device_spec_json"), layers: f(sh, "layers"), arrays: f(sh, "arrays"),
            algorithm: f(sh, "algorithm"), setStart: f(sh, "set_start_v"), setStep: f(sh, "set_step_v"),
            setStop: f(sh, "set_stop_v"), resetStart: f(sh, "reset_start_v"), resetStep: f(sh, "reset_step_v"),
            resetStop: f(sh, "reset_stop_v"), gateSet: f(sh, "gate_set_v"), gateReset: f(sh, "gate_reset_v"),
            pulseWidth: f(sh, "pulse_width_s"), readBias: f(sh, "read_bias_v"), readsAveraged: f(sh, "reads_averaged"),
            readsDiscarded: f(sh, "reads_discarded"), maxIterations: f(sh, "max_iterations"),
            maxPulsesAtCeiling: f(sh, "max_pulses_at_ceiling"), offsetMode: f(sh, "offset_mode"),
            belowGMin: f(sh, "below_g_min"), gateSetStep: f(sh, "gate_set_step_v"), gateSetStop: f(sh, "gate_set_stop_v"),
            readTime: f(sh, "read_time_s"), defectMap: f(sh, "defect_map"), referenceColumns: f(sh, "reference_columns"))
        let pm = imprint__plan__pair_mode__descriptor, sm = imprint__plan__scale_mode__descriptor
        let cm = imprint__plan__clip_mode__descriptor, po = imprint__plan__polarity__descriptor
        p.enums = Enums(pairSingle: e(pm, "PAIR_MODE_SINGLE"), pairOffset: e(pm, "PAIR_MODE_OFFSET"), pairDual: e(pm, "PAIR_MODE_DUAL"),
                        scaleLayer: e(sm, "SCALE_MODE_LAYER"), scaleTile: e(sm, "SCALE_MODE_TILE"),
                        scaleColumn: e(sm, "SCALE_MODE_COLUMN"), clipMax: e(cm, "CLIP_MODE_MAX"),
                        clipPercentile: e(cm, "CLIP_MODE_PERCENTILE"), clipSigma: e(cm, "CLIP_MODE_SIGMA"),
                        polarityPos: e(po, "POLARITY_POS"), polarityNeg: e(po, "POLARITY_NEG"),
                        polaritySingle: e(po, "POLARITY_SINGLE"), polarityRef: e(po, "POLARITY_REF"))
        guard missing.isEmpty else { throw Mismatch(missing: missing) }
        return p
    }
}

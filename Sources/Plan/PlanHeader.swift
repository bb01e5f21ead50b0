import Devices
import NetworkModel

/// Everything of a plan except the tiles' targets: what `inspect` summarises and what an emitter
/// needs before the first tile streams past. A `Plan` is a header and its tiles.
public struct PlanHeader: Sendable {
    public var formatVersion: Int
    public var toolVersion: String
    public var source: SourceModel
    public var device: DeviceSpec
    public var options: CompileOptions
    public var network: Network
    public var roles: [DeviceSlot]
    public var layers: [LayerMapping]
    public var arrays: [ArrayInfo]
    /// Tile records that follow the header in the file.
    public var tileCount: Int
    /// Per layer (parallel to `layers`), what the known faults of the defect map do to its weights;
    /// empty without a defect map.
    public var layerFaults: [LayerFaults] = []

    public init(formatVersion: Int = Plan.formatVersion, toolVersion: String, source: SourceModel, device: DeviceSpec,
                options: CompileOptions, network: Network, roles: [DeviceSlot], layers: [LayerMapping],
                arrays: [ArrayInfo], tileCount: Int) {
        self.formatVersion = formatVersion; self.toolVersion = toolVersion; self.source = source; self.device = device
        self.options = options; self.network = network; self.roles = roles; self.layers = layers
        self.arrays = arrays; self.tileCount = tileCount
    }

    /// Whether the plan was mapped around a defect map (its records carry the stuck state).
    public var hasDefectMap: Bool { options.defectMap != nil }

    /// Whether one device per weight carries the weight against a zero point (offset mode).
    public var isOffsetMode: Bool { roles.contains { $0.polarity == .single } }
}

/// What a defect map's faults do to one layer: the root-mean-square weight error (weight units,
/// over all the layer's weights) they leave against the weights as mapped without faults, with the
/// identity placement and no re-targeting (naive) and with the plan's placement (fault-aware).
public struct LayerFaults: Sendable, Hashable, Codable {
    public var stuckDevices: Int
    public var naiveRMSError: Double
    public var awareRMSError: Double
    public init(stuckDevices: Int, naiveRMSError: Double, awareRMSError: Double) {
        self.stuckDevices = stuckDevices; self.naiveRMSError = naiveRMSError; self.awareRMSError = awareRMSError
    }
    enum CodingKeys: String, CodingKey {
        case stuckDevices = "stuck_devices", naiveRMSError = "naive_rms_error", awareRMSError = "aware_rms_error"
    }
}

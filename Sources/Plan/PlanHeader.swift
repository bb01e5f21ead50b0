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

    public init(formatVersion: Int = Plan.formatVersion, toolVersion: String, source: SourceModel, device: DeviceSpec,
                options: CompileOptions, network: Network, roles: [DeviceSlot], layers: [LayerMapping],
                arrays: [ArrayInfo], tileCount: Int) {
        self.formatVersion = formatVersion; self.toolVersion = toolVersion; self.source = source; self.device = device
        self.options = options; self.network = network; self.roles = roles; self.layers = layers
        self.arrays = arrays; self.tileCount = tileCount
    }

    /// Whether one device per weight carries the weight against a zero point (offset mode).
    public var isOffsetMode: Bool { roles.contains { $0.polarity == .single } }
}

/// One line per device preset, as `imprint devices` lists them: the document its `--json` prints.
/// The full spec of one preset is `DeviceSpec` itself (`imprint devices NAME`).
public struct DeviceListing: Sendable, Equatable, Encodable {
    public struct Entry: Sendable, Equatable, Encodable {
        public var name: String
        public var technology: Technology
        public var gMin_uS: Double
        public var gMax_uS: Double
        public var devicesPerConductance: Int
        public var acceptance: AcceptanceWindow
        public var algorithm: String
        public var model: String
        /// Where the constants come from.
        public var source: String

        enum CodingKeys: String, CodingKey {
            case name, technology, gMin_uS = "g_min_uS", gMax_uS = "g_max_uS"
            case devicesPerConductance = "devices_per_conductance", acceptance, algorithm, model, source
        }

        public init(_ spec: DeviceSpec) {
            name = spec.name; technology = spec.technology; gMin_uS = spec.gMin_uS; gMax_uS = spec.gMax_uS
            devicesPerConductance = spec.devicesPerConductance; acceptance = spec.acceptance
            algorithm = spec.programVerify.algorithm.rawValue; model = spec.model.kind; source = spec.source
        }
    }

    public var presets: [Entry]

    public init(_ specs: [DeviceSpec] = DeviceSpec.presets) { presets = specs.map(Entry.init) }
}

import Devices
import NetworkModel

/// A self-contained programming plan: everything a tester needs to program a chip and everything
/// the verifier needs to simulate it (the network's digital parameters included), with no reference
/// back to the model file.
///
/// Targets live in packed per-tile arrays; there are no per-device objects, so ResNet-50-sized plans
/// (50 M+ devices) stay compact.
@dynamicMemberLookup
public struct Plan: Sendable {
    /// Bumped on any incompatible change of the file format; readers refuse newer versions.
    public static let formatVersion = 1

    /// Everything but the targets (tool version, source model, device, options, the network as
    /// compiled, device slots, layers, arrays); read its fields straight off the plan (`plan.network`).
    /// Its `tileCount` always equals `tiles.count`.
    public private(set) var header: PlanHeader
    /// Tiles of all layers; `Tile.layer` indexes `layers`.
    public var tiles: [Tile] { didSet { header.tileCount = tiles.count } }

    public init(header: PlanHeader, tiles: [Tile]) {
        self.header = header
        self.header.tileCount = tiles.count
        self.tiles = tiles
    }

    public init(toolVersion: String, source: SourceModel, device: DeviceSpec, options: CompileOptions,
                network: Network, roles: [DeviceSlot], layers: [LayerMapping], tiles: [Tile], arrays: [ArrayInfo]) {
        self.init(header: PlanHeader(toolVersion: toolVersion, source: source, device: device, options: options,
                                     network: network, roles: roles, layers: layers, arrays: arrays, tileCount: tiles.count),
                  tiles: tiles)
    }

    /// The header's computed properties (`plan.targetRules`) as the plan's own.
    public subscript<T>(dynamicMember keyPath: KeyPath<PlanHeader, T>) -> T { header[keyPath: keyPath] }

    /// Whether a device target means "drive the device down"; see `TargetRules.isForced(target_uS:)`.
    public func isForced(target_uS: Float) -> Bool { header.isForced(target_uS: target_uS) }

    /// The verify window of a device target (µS); see `TargetRules.acceptanceBounds_uS(target_uS:)`.
    public func acceptanceBounds_uS(target_uS: Float) -> ClosedRange<Double> { header.acceptanceBounds_uS(target_uS: target_uS) }

    /// The header's fields as the plan's own; setting `tileCount` this way has no effect (it follows `tiles`).
    public subscript<T>(dynamicMember keyPath: WritableKeyPath<PlanHeader, T>) -> T {
        get { header[keyPath: keyPath] }
        set {
            header[keyPath: keyPath] = newValue
            header.tileCount = tiles.count
        }
    }

    /// Devices in the plan: weights × roles, plus the reference devices.
    public var deviceCount: Int { tiles.reduce(0) { $0 + $1.weightCount * header.roles.count + $1.referenceTargets_uS.count } }
}

/// The model a plan was compiled from.
public struct SourceModel: Sendable, Hashable, Codable {
    public var fileName: String
    /// SHA-256 of the model file, lowercase hex.
    public var sha256: String
    public init(fileName: String, sha256: String) { self.fileName = fileName; self.sha256 = sha256 }
}

/// The sign a device contributes with.
public enum Polarity: String, Sendable, Hashable, Codable {
    case pos, neg
    /// Offset mode: one device whose conductance minus `zero_uS` carries the signed weight.
    case single
    /// A reference device of a tile's reference column (offset mode with references): never a slot
    /// of a weight; its word line's weights are read against it (`Tile.referenceTargets_uS`).
    case ref
}

/// One device of a weight: weight = weight_per_uS × Σ_slots significance × sign × G (minus the zero
/// point in offset mode).
public struct DeviceSlot: Sendable, Hashable, Codable {
    public var polarity: Polarity
    /// 1 for a single pair or the LSP; F for the MSP.
    public var significance: Double
    /// Which of the devices wired in parallel for one conductance (0 ..< devices per conductance).
    public var replica: Int
    public init(polarity: Polarity, significance: Double, replica: Int) {
        self.polarity = polarity; self.significance = significance; self.replica = replica
    }
}

/// How one matrix-product node sits on crossbars.
public struct LayerMapping: Sendable, Equatable {
    /// The node's name in `Plan.network`.
    public var node: String
    public var matrix: CrossbarMatrix
    /// w_max of the layer: the weight that maps to the full conductance range. With per-tile or
    /// per-column scaling each unit has its own w_max (recoverable from `Tile.weightPerMicrosiemens`);
    /// this is the largest of them, so it still bounds every weight the layer can hold.
    public var wMax: Float
    /// Fraction of the layer's weights clipped at ±w_max (of their scaling unit).
    public var clippedFraction: Double
    /// Range of this layer's tiles in `Plan.tiles`.
    public var tiles: Range<Int>
    /// Largest |reconstructed − clipped weight| (weight units) that snapping targets to the device's
    /// discrete levels caused; 0 for a continuous device. Round-trip checks use it as their tolerance.
    public var snapError: Float
    public init(node: String, matrix: CrossbarMatrix, wMax: Float, clippedFraction: Double, tiles: Range<Int>,
                snapError: Float = 0) {
        self.node = node; self.matrix = matrix; self.wMax = wMax; self.clippedFraction = clippedFraction; self.tiles = tiles
        self.snapError = snapError
    }
}

/// A rectangle of one layer's matrix (one group of it) on one physical array.
///
/// Device address rule: weight (r, c) of the tile, slot s, sits at array row `rowOffset + ρ(r)` and
/// array column `columnOffset + γ(c) · roles.count + s` (the slots of a weight on adjacent bit lines),
/// ρ and γ the tile's row and column permutations (the identity unless the plan was mapped around a
/// defect map). Targets stay indexed by the logical (r, c): a weight's devices move, its index does not.
public struct Tile: Sendable, Equatable {
    public var layer: Int
    /// Block of a grouped convolution (0 otherwise).
    public var group: Int
    /// Matrix rows (inputs) and columns (outputs) covered, within the group's matrix.
    public var rows: Range<Int>
    public var columns: Range<Int>
    public var array: Int
    public var rowOffset: Int
    public var columnOffset: Int
    /// Targets in µS, slot-major: `targets_uS[(s · rows.count + r) · columns.count + c]`.
    public var targets_uS: [Float]
    /// Weight units per µS for each column of the tile (per-layer and per-tile scaling repeat one value).
    public var weightPerMicrosiemens: [Float]
    /// Conductance each *device* of a zero weight holds in offset mode ((g_min + g_max) / 2 divided by
    /// the devices per conductance), 0 in pair modes, where the pair difference cancels g_min. Per
    /// device so that every device record alone satisfies
    /// weight = weight_per_uS × Σ_devices significance × sign × (G − zero_uS).
    public var zero_uS: Float
    /// First programming-order index of this tile's devices; within the tile devices are programmed
    /// array row by array row, and along a row in array-column order (the slots of a weight next to
    /// each other): order = orderStart + r · (columns.count · roles.count) + c · roles.count + s.
    public var orderStart: Int
    /// ρ: the word line (relative to `rowOffset`) of each tile row; empty = identity.
    public var rowPermutation: [Int]
    /// γ: the bit-line group (relative to `columnOffset`, in weights) of each tile column; empty = identity.
    public var columnPermutation: [Int]
    /// Devices (indices into `targets_uS`, ascending) a defect map declares stuck: not programmed,
    /// their target the conductance they are stuck at.
    public var stuckDevices: [Int]
    /// Reference devices (offset mode with N reference columns; empty otherwise), row-major
    /// `[rows × N]`: see `Tile+References.swift` for their addresses, order and meaning.
    public var referenceTargets_uS: [Float]

    public init(layer: Int, group: Int, rows: Range<Int>, columns: Range<Int>, array: Int, rowOffset: Int,
                columnOffset: Int, targets_uS: [Float], weightPerMicrosiemens: [Float], zero_uS: Float, orderStart: Int,
                rowPermutation: [Int] = [], columnPermutation: [Int] = [], stuckDevices: [Int] = [],
                referenceTargets_uS: [Float] = []) {
        self.layer = layer; self.group = group; self.rows = rows; self.columns = columns; self.array = array
        self.rowOffset = rowOffset; self.columnOffset = columnOffset; self.targets_uS = targets_uS
        self.weightPerMicrosiemens = weightPerMicrosiemens; self.zero_uS = zero_uS; self.orderStart = orderStart
        self.rowPermutation = rowPermutation; self.columnPermutation = columnPermutation; self.stuckDevices = stuckDevices
        self.referenceTargets_uS = referenceTargets_uS
    }

    public var weightCount: Int { rows.count * columns.count }
}

/// One physical crossbar array.
public struct ArrayInfo: Sendable, Hashable, Codable {
    public var rows: Int
    public var columns: Int
    /// Devices holding a target.
    public var usedDevices: Int
    public init(rows: Int, columns: Int, usedDevices: Int) { self.rows = rows; self.columns = columns; self.usedDevices = usedDevices }
    public var utilisation: Double { Double(usedDevices) / Double(rows * columns) }
}

extension PlanHeader {
    /// Devices wired in parallel per conductance: the compile option overrides the spec.
    public var devicesPerConductance: Int { options.devicesPerConductance ?? device.devicesPerConductance }

    /// The per-device rules every consumer of targets (compiler, emitters, verifier) shares.
    public var targetRules: TargetRules { TargetRules(device: device, devicesPerConductance: devicesPerConductance) }

    /// Whether a device target means "drive the device down" rather than "verify into a window";
    /// see `TargetRules.isForced(target_uS:)`.
    public func isForced(target_uS: Float) -> Bool { targetRules.isForced(target_uS: Double(target_uS)) }

    /// The verify window of a device target (µS); see `TargetRules.acceptanceBounds_uS(target_uS:)`.
    public func acceptanceBounds_uS(target_uS: Float) -> ClosedRange<Double> {
        targetRules.acceptanceBounds_uS(target_uS: Double(target_uS))
    }
}


import Foundation
import Devices
import FileSupport
import NetworkModel
import Parallel
import Plan

/// Compiles a network into a programming plan: every matrix-product layer not kept digital is tiled,
/// scaled, clipped and mapped to per-device conductance targets, and the tiles are placed on arrays.
///
/// The result depends only on the inputs, never on `threads`: layers are compiled concurrently, each
/// whole on one thread into its own slot (`Parallelism.forEach(sizes:)`, balanced by weight count),
/// and placement runs afterwards in layer order.
public enum PlanCompiler {
    /// - Parameters:
    ///   - threads: worker threads for the layers (at least 1; default: the machine's cores).
    ///   - defects: the known faults of the chip, read from `options.defectMap` (which must then be
    ///     set): the tiles are mapped around them (`FaultAwareMapping`) and the plan records its
    ///     permutations, stuck devices and per-layer fault errors. Ignored when `options.defectMap` is nil.
    public static func compile(_ network: Network, device: DeviceSpec, options: CompileOptions,
                               source: SourceModel, toolVersion: String,
                               threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                               defects: [Defect] = []) throws(CompileError) -> Plan {
        guard threads >= 1 else { throw .invalidOption(option: "threads", detail: "must be at least 1 (got \(threads))") }
        let geometry = try MappingGeometry(device: device, options: options)

        let names = Set(network.nodes.map(\.name))
        for name in options.keepDigital where !names.contains(name) { throw .unknownLayer(name) }
        // A kept-digital name must change something: a matrix product, or a batch norm not to fold.
        func keepable(_ node: Node) -> Bool {
            if node.operation.isMatrixProduct { return true }
            if options.foldBatchNorm, case .batchNorm = node.operation { return true }
            return false
        }
        if let node = network.nodes.first(where: { options.keepDigital.contains($0.name) && !keepable($0) }) {
            throw .notACrossbarLayer(node: node.name, kind: node.operation.kindName)
        }
        let keep = Set(options.keepDigital)

        let compiled = options.foldBatchNorm ? try BatchNormFolding.fold(network, keepDigital: keep) : network
        let matrices = compiled.nodes.filter { !keep.contains($0.name) }.compactMap(LayerMatrix.init(node:))
            .filter { $0.matrix.weightCount > 0 }
        guard !matrices.isEmpty else {
            let total = compiled.matrixNodes.count
            throw .nothingToMap(total == 0
                ? "network '\(network.name)' has no dense or convolution layer"
                : "all \(total) matrix-product layers of '\(network.name)' are kept digital")
        }

        // Every target is a Float; refuse a plan that cannot fit before allocating any of it.
        var devices: Int? = 0
        for m in matrices {
            guard let sum = devices, let d = MemoryBudget.bytes(m.matrix.weightCount, each: geometry.slotCount),
                  let refs = ReferenceColumns.devices(of: m.matrix, tileColumns: geometry.tileColumns, lines: geometry.referenceColumns) else {
                devices = nil; break
            }
            let (partial, o1) = sum.addingReportingOverflow(d)
            let (total, o2) = partial.addingReportingOverflow(refs)
            devices = o1 || o2 ? nil : total
        }
        let what = devices.map { "the plan's \($0.grouped) device targets" } ?? "the plan's device targets"
        if let excess = MemoryBudget.excess(devices.flatMap { MemoryBudget.bytes($0, each: MemoryLayout<Float>.stride) }, of: what) {
            throw .tooLarge(excess)
        }

        let mapper = WeightMapper(geometry: geometry, pairs: options.pairs)
        let results = ResultSlots<CompiledLayer>(count: matrices.count)
        Parallelism(threads: threads).forEach(sizes: matrices.map(\.matrix.weightCount)) { i in
            results.set(i, LayerCompiler.compile(matrices[i], layerIndex: i, geometry: geometry,
                                                 options: options, mapper: mapper))
        }

        var layers = [LayerMapping]()
        var tiles = [Tile]()
        for var layer in results.values() {
            let start = tiles.count
            tiles.append(contentsOf: layer.tiles)
            layer.mapping.tiles = start..<tiles.count
            layers.append(layer.mapping)
        }
        let arrays = try ArrayPacker.place(&tiles, layerNames: matrices.map(\.node), geometry: geometry)
        var recorded = options
        // The plan records the reference lines chosen, nil for none, as the file reads them back.
        recorded.referenceColumns = geometry.referenceColumns > 0 ? geometry.referenceColumns : nil
        var plan = Plan(toolVersion: toolVersion, source: source, device: device, options: recorded, network: compiled,
                        roles: geometry.slots, layers: layers, tiles: tiles, arrays: arrays)
        if let map = options.defectMap {
            // The fault-aware permutations move word lines under a tile's rows; reference lines are
            // indexed by word line and would need the same bookkeeping, which is not built yet.
            guard geometry.referenceColumns == 0 else {
                throw .invalidOption(option: "defect map", detail: "fault-aware mapping of a plan with reference columns is not supported; use a digital zero point or a pair mode")
            }
            try mapAroundFaults(&plan, defects: defects, file: map.fileName, geometry: geometry, mapper: mapper, threads: threads)
        }
        return plan
    }

    /// The fault-aware pass over placed tiles: each tile independently, over the threads (the result
    /// does not depend on their number).
    private static func mapAroundFaults(_ plan: inout Plan, defects: [Defect], file: String, geometry: MappingGeometry,
                                        mapper: WeightMapper, threads: Int) throws(CompileError) {
        let sites: [[FaultSite]]
        do {
            sites = try Defect.sites(defects, file: file, tiles: plan.tiles, arrays: plan.arrays, slots: geometry.slotCount,
                                     rules: plan.targetRules)
        } catch { throw .defectMap(error) }
        let mapping = FaultAwareMapping(geometry: geometry, mapper: mapper)
        let tiles = plan.tiles
        let results = ResultSlots<FaultAwareMapping.Outcome>(count: tiles.count)
        // Work per tile: the cost evaluations of its assignment steps, faulty cells × (rows + columns).
        Parallelism(threads: threads).forEach(sizes: tiles.indices.map { sites[$0].count * (tiles[$0].rows.count + tiles[$0].columns.count) + 1 }) { t in
            results.set(t, mapping.map(tiles[t], sites: sites[t]))
        }
        let outcomes = results.values()
        plan.tiles = outcomes.map(\.tile)
        plan.layerFaults = plan.layers.map { layer in
            let part = outcomes[layer.tiles]
            let weights = Double(max(layer.matrix.weightCount, 1))
            return LayerFaults(stuckDevices: part.reduce(0) { $0 + $1.stuckDevices },
                               naiveRMSError: (part.reduce(0) { $0 + $1.naiveSSE } / weights).squareRoot(),
                               awareRMSError: (part.reduce(0) { $0 + $1.awareSSE } / weights).squareRoot())
        }
    }
}

/// One result per item (layer or tile), written from concurrent workers; each index is written exactly once.
private final class ResultSlots<Value>: @unchecked Sendable {
    private var slots: [Value?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: Value) { lock.lock(); slots[i] = value; lock.unlock() }
    func values() -> [Value] { lock.lock(); defer { lock.unlock() }; return slots.compactMap { $0 } }
}

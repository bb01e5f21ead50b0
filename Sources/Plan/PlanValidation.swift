import NetworkModel

/// The relations a plan's parts must satisfy, checked on read so that emitters and the verifier can
/// index targets, arrays and layers without bounds surprises.
struct PlanValidator {
    private let header: PlanHeader

    init(_ header: PlanHeader) throws(DecodeFailure) {
        self.header = header
        guard !header.roles.isEmpty else { throw DecodeFailure("the plan has no device slots") }
        for slot in header.roles where !(slot.significance.isFinite && slot.significance > 0) {
            throw DecodeFailure("a device slot has significance \(slot.significance)")
        }
        let offset = header.roles.filter { $0.polarity == .single }.count
        guard offset == 0 || offset == header.roles.count else {
            throw DecodeFailure("offset-mode (single) slots are mixed with pos/neg slots")
        }
        guard !header.roles.contains(where: { $0.polarity == .ref }) else {
            throw DecodeFailure("a device slot has the reference polarity, which only reference devices have")
        }
        guard (header.options.referenceColumns ?? 0) == 0 || header.isOffsetMode else {
            throw DecodeFailure("the plan has reference columns but is not in offset mode")
        }
        guard header.referenceColumns <= 1 << 20 else {
            throw DecodeFailure("the plan has \(header.referenceColumns) reference columns per tile")
        }
        let nodes = Dictionary(header.network.nodes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var previousEnd = 0
        for layer in header.layers {
            guard let node = nodes[layer.node] else {
                throw DecodeFailure("layer '\(layer.node)' names no node of the network")
            }
            guard let matrix = node.crossbarMatrix, matrix == layer.matrix else {
                throw DecodeFailure("layer '\(layer.node)': the matrix \(layer.matrix.rows)×\(layer.matrix.columns)×\(layer.matrix.groups) does not match the node")
            }
            guard layer.tiles.lowerBound >= previousEnd, layer.tiles.upperBound <= header.tileCount else {
                throw DecodeFailure("layer '\(layer.node)': tiles \(layer.tiles) overlap another layer's or exceed the \(header.tileCount) tiles")
            }
            previousEnd = layer.tiles.upperBound
        }
        guard header.layerFaults.isEmpty || header.layerFaults.count == header.layers.count else {
            throw DecodeFailure("\(header.layerFaults.count) layer fault summaries for \(header.layers.count) layers")
        }
        for (i, array) in header.arrays.enumerated() {
            guard array.rows > 0, array.columns > 0 else { throw DecodeFailure("array \(i) is \(array.rows)×\(array.columns)") }
            let (devices, overflow) = array.rows.multipliedReportingOverflow(by: array.columns)
            guard !overflow, devices <= 1 << 40 else { throw DecodeFailure("array \(i) is \(array.rows)×\(array.columns)") }
            guard array.usedDevices <= devices else {
                throw DecodeFailure("array \(i) uses \(array.usedDevices) of its \(devices) devices")
            }
        }
    }

    /// Checks one tile (`index` = its position in the file) against the header. Every value was
    /// bounded to 2^40 on decoding, so sums and products of two cannot overflow.
    func check(_ tile: Tile, index: Int) throws(DecodeFailure) {
        guard tile.layer < header.layers.count else {
            throw DecodeFailure("layer \(tile.layer) does not exist (\(header.layers.count) layers)")
        }
        let layer = header.layers[tile.layer]
        guard layer.tiles.contains(index) else {
            throw DecodeFailure("it belongs to layer '\(layer.node)', whose tiles are \(layer.tiles)")
        }
        let m = layer.matrix
        guard tile.group < m.groups else { throw DecodeFailure("group \(tile.group) of a layer with \(m.groups) groups") }
        guard tile.rows.upperBound <= m.rows, tile.columns.upperBound <= m.columns else {
            throw DecodeFailure("rows \(tile.rows) and columns \(tile.columns) exceed layer '\(layer.node)''s \(m.rows)×\(m.columns) matrix")
        }
        guard tile.array < header.arrays.count else {
            throw DecodeFailure("array \(tile.array) does not exist (\(header.arrays.count) arrays)")
        }
        let array = header.arrays[tile.array]
        let slots = header.roles.count
        let (weightWidth, overflow) = tile.columns.count.multipliedReportingOverflow(by: slots)
        let width = weightWidth &+ header.referenceColumns
        guard !overflow, tile.rowOffset + tile.rows.count <= array.rows, tile.columnOffset + width <= array.columns else {
            throw DecodeFailure("its devices at row \(tile.rowOffset), column \(tile.columnOffset) (\(tile.rows.count)×\(width)) overflow array \(tile.array) (\(array.rows)×\(array.columns))")
        }
        let expected = tile.weightCount.multipliedReportingOverflow(by: slots)
        guard !expected.overflow, tile.targets_uS.count == expected.partialValue else {
            throw DecodeFailure("\(tile.targets_uS.count) targets for \(slots) slots × \(tile.rows.count) rows × \(tile.columns.count) columns")
        }
        guard tile.referenceTargets_uS.count == tile.rows.count * header.referenceColumns else {
            throw DecodeFailure("\(tile.referenceTargets_uS.count) reference targets for \(tile.rows.count) rows × \(header.referenceColumns) reference columns")
        }
        guard tile.weightPerMicrosiemens.count == tile.columns.count else {
            throw DecodeFailure("\(tile.weightPerMicrosiemens.count) weight-per-µS values for \(tile.columns.count) columns")
        }
        guard tile.targets_uS.allSatisfy(\.isFinite), tile.referenceTargets_uS.allSatisfy(\.isFinite), tile.weightPerMicrosiemens.allSatisfy(\.isFinite), tile.zero_uS.isFinite else {
            throw DecodeFailure("it holds a non-finite target or scale")
        }
        guard Tile.isPermutation(tile.rowPermutation, count: tile.rows.count) else {
            throw DecodeFailure("its row permutation is not a permutation of its \(tile.rows.count) rows")
        }
        guard Tile.isPermutation(tile.columnPermutation, count: tile.columns.count) else {
            throw DecodeFailure("its column permutation is not a permutation of its \(tile.columns.count) columns")
        }
        var previous = -1
        for d in tile.stuckDevices {
            guard d > previous, d < tile.targets_uS.count else {
                throw DecodeFailure("its stuck devices are not ascending indices of its \(tile.targets_uS.count) devices")
            }
            previous = d
        }
    }
}

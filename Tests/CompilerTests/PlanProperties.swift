import Testing
import Devices
import NetworkModel
import Plan

/// Structural invariants every plan must satisfy, checked from the plan alone.
enum PlanProperties {
    static func check(_ plan: Plan) {
        targetsInRange(plan)
        zeroWeightsAtGMin(plan)
        coverageIsExact(plan)
        orderIsPermutation(plan)
        placementsFit(plan)
    }

    /// Every device target lies within [g_min/N, g_max/N] or is forced (and never below 0).
    static func targetsInRange(_ plan: Plan) {
        let rules = plan.targetRules
        let slack = 1e-5 * rules.gMax_uS
        for tile in plan.tiles {
            #expect(tile.targets_uS.count == tile.weightCount * plan.roles.count)
            // Reference devices (offset mode with reference columns) hold the tile's zero point.
            #expect(tile.referenceTargets_uS.count == tile.rows.count * plan.referenceColumns)
            #expect(tile.referenceTargets_uS.allSatisfy { $0 == tile.zero_uS })
            for t in tile.targets_uS {
                let ok = (Double(t) >= rules.gMin_uS - slack && Double(t) <= rules.gMax_uS + slack)
                    || (plan.isForced(target_uS: t) && t >= 0)
                if !ok { Issue.record("target \(t) µS outside [\(rules.gMin_uS), \(rules.gMax_uS)] and not forced"); return }
                let window = plan.acceptanceBounds_uS(target_uS: t)
                #expect(window.lowerBound >= 0)
                #expect(plan.isForced(target_uS: t) || window.contains(Double(t)))
            }
        }
    }

    /// A weight of exactly zero puts every device of its pairs at g_min (pair modes).
    static func zeroWeightsAtGMin(_ plan: Plan) {
        guard plan.options.pairs != .offset else { return }
        let gMin = Float(plan.targetRules.gMin_uS)
        let nodes = Dictionary(plan.network.nodes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var zeros = 0
        for tile in plan.tiles {
            guard let node = nodes[plan.layers[tile.layer].node] else {
                Issue.record("layer \(plan.layers[tile.layer].node) missing from the network"); continue
            }
            let rows = tile.rows.count, cols = tile.columns.count
            for r in 0..<rows {
                for c in 0..<cols where TestNetworks.matrixWeight(node, group: tile.group, row: tile.rows.lowerBound + r,
                                                                   column: tile.columns.lowerBound + c) == 0 {
                    zeros += 1
                    for s in plan.roles.indices where tile.targets_uS[(s * rows + r) * cols + c] != gMin {
                        Issue.record("zero weight with a device at \(tile.targets_uS[(s * rows + r) * cols + c]) µS, not g_min \(gMin)")
                        return
                    }
                    // At g_min the idle devices are forced unless the spec programs to g_min.
                    if plan.device.programVerify.belowGMin != .programToGMin {
                        #expect(plan.isForced(target_uS: gMin))
                    }
                }
            }
        }
    }

    /// Every weight of every layer's matrix is on exactly one tile (so one device per slot).
    static func coverageIsExact(_ plan: Plan) {
        for (i, layer) in plan.layers.enumerated() {
            let m = layer.matrix
            var hits = [UInt8](repeating: 0, count: m.weightCount)
            for tile in plan.tiles[layer.tiles] {
                #expect(tile.layer == i)
                #expect(tile.rows.lowerBound >= 0 && tile.rows.upperBound <= m.rows)
                #expect(tile.columns.lowerBound >= 0 && tile.columns.upperBound <= m.columns)
                #expect(tile.rows.count <= plan.options.tileRows && tile.columns.count <= plan.options.tileColumns)
                #expect(tile.weightPerMicrosiemens.count == tile.columns.count)
                for r in tile.rows { for c in tile.columns { hits[(tile.group * m.rows + r) * m.columns + c] &+= 1 } }
            }
            #expect(hits.allSatisfy { $0 == 1 }, "layer \(layer.node): some weight is on \(hits.contains(0) ? "no" : "two") tiles")
        }
    }

    /// The programming order over all devices is a permutation of 0 ..< deviceCount.
    static func orderIsPermutation(_ plan: Plan) {
        let s = plan.roles.count
        var seen = [Bool](repeating: false, count: plan.deviceCount)
        for tile in plan.tiles {
            let cols = tile.columns.count
            for r in 0..<tile.rows.count {
                for c in 0..<cols {
                    for slot in 0..<s {
                        let o = tile.orderStart + r * cols * s + c * s + slot
                        guard o >= 0, o < seen.count, !seen[o] else { Issue.record("order \(o) repeated or out of range"); return }
                        seen[o] = true
                    }
                }
            }
            // formats/tester-plan.md: reference devices after the tile's weights, word line by word line.
            let n = plan.referenceColumns
            for r in 0..<tile.rows.count {
                for line in 0..<n {
                    let o = tile.orderStart + tile.rows.count * cols * s + r * n + line
                    guard o >= 0, o < seen.count, !seen[o] else { Issue.record("reference order \(o) repeated or out of range"); return }
                    seen[o] = true
                }
            }
        }
        #expect(seen.allSatisfy { $0 })
    }

    /// Tiles lie inside their arrays, never overlap, and the arrays' used counts add up.
    static func placementsFit(_ plan: Plan) {
        let s = plan.roles.count
        var used = [Int](repeating: 0, count: plan.arrays.count)
        var rects = [[(Int, Int, Int, Int)]](repeating: [], count: plan.arrays.count)
        for tile in plan.tiles {
            guard plan.arrays.indices.contains(tile.array) else { Issue.record("tile on array \(tile.array)"); return }
            let a = plan.arrays[tile.array]
            let h = tile.rows.count, w = tile.columns.count * s + plan.referenceColumns   // reference lines right of the weights
            #expect(tile.rowOffset >= 0 && tile.rowOffset + h <= a.rows)
            #expect(tile.columnOffset >= 0 && tile.columnOffset + w <= a.columns)
            for (y, x, hh, ww) in rects[tile.array] {
                let disjoint = tile.rowOffset + h <= y || y + hh <= tile.rowOffset
                    || tile.columnOffset + w <= x || x + ww <= tile.columnOffset
                #expect(disjoint, "tiles overlap on array \(tile.array)")
            }
            rects[tile.array].append((tile.rowOffset, tile.columnOffset, h, w))
            used[tile.array] += h * w
        }
        for (i, a) in plan.arrays.enumerated() {
            #expect(a.usedDevices == used[i])
            #expect(a.utilisation > 0 && a.utilisation <= 1)
        }
    }
}

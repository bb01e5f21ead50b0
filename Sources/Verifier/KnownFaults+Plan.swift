import DeviceSimulation
import Devices
import Plan

extension TileFaults {
    /// The devices a plan records as stuck (compiled against a defect map), per tile: stuck at their
    /// targets, which hold the stuck conductance.
    public static func recorded(in plan: Plan) -> [TileFaults] {
        let rules = plan.targetRules
        return plan.tiles.map { tile in
            TileFaults(tile.stuckDevices.map { d in
                let g = tile.targets_uS[d]
                return (d, g, state(g_uS: Double(g), rules: rules))
            })
        }
    }

    /// The faults a verify simulates: the plan's recorded stuck devices, and `defects` (a defect map
    /// read from `file`), which override them where both name a device. Permuted tiles are honoured:
    /// a defect's physical address reaches the weight the plan placed there.
    ///
    /// - Throws: a defect address outside the plan's arrays, naming `file` and its line.
    public static func of(plan: Plan, defects: [Defect], file: String) throws(DefectMapError) -> [TileFaults] {
        let rules = plan.targetRules
        let sites = try Defect.sites(defects, file: file, tiles: plan.tiles, arrays: plan.arrays, slots: plan.roles.count, rules: rules)
        return plan.tiles.enumerated().map { t, tile in
            var entries = tile.stuckDevices.map { d in
                (device: d, g_uS: tile.targets_uS[d], state: state(g_uS: Double(tile.targets_uS[d]), rules: rules))
            }
            let inverse = tile.inversePermutations()
            for site in sites[t] {
                let state: StuckState
                switch site.kind {
                case .stuckLow: state = .atGMin
                case .stuckHigh: state = .atGMax
                case .stuckAt: state = .random
                }
                entries.append((site.deviceIndex(in: tile, inverse: inverse), Float(site.g_uS), state))
            }
            return TileFaults(entries)
        }
    }

    /// The state of a device stuck at `g_uS`: at a rail, or in between.
    static func state(g_uS: Double, rules: TargetRules) -> StuckState {
        if g_uS <= rules.gMin_uS { return .atGMin }
        if g_uS >= rules.gMax_uS { return .atGMax }
        return .random
    }
}

import Compiler
import DeviceSimulation
import Devices
import ModelImport
import NetworkModel
import Plan
import Testing
import TestSupport
@testable import Verifier

/// `verify --defects`: the map's devices are found through each plan's own permutations, held at
/// their stuck conductances in every trial, and a fault-aware plan keeps most of the accuracy a naive
/// plan loses to the same physical faults.
@Suite(.serialized) struct KnownFaultsTests {
    static let mapReference = SourceModel(fileName: "chip.csv", sha256: "")

    /// 10 % of the plan's devices, mixed kinds, at seeded addresses the plan's tiles use.
    static func defects(for plan: Plan, fraction: Double, seed: UInt64) -> [Defect] {
        var rng = SplitMix64(seed: seed)
        let rules = plan.targetRules
        var out = [Defect]()
        for tile in plan.tiles {
            for r in 0..<tile.rows.count {
                for x in 0..<(tile.columns.count * plan.roles.count) where Double(rng.next() >> 11) / Double(1 << 53) < fraction {
                    let kinds: [DefectKind] = [.stuckLow, .stuckHigh, .stuckAt(value_uS: (rules.gMin_uS + rules.gMax_uS) / 3)]
                    out.append(Defect(array: tile.array, row: tile.rowOffset + r, column: tile.columnOffset + x,
                                      kind: kinds[Int(rng.next() % 3)], line: out.count + 2))
                }
            }
        }
        return out
    }

    static func compile(_ network: NetworkModel.Network, defects: [Defect]?) throws -> Plan {
        var o = CompileOptions()
        if defects != nil { o.defectMap = mapReference }
        return try PlanCompiler.compile(network, device: .rram, options: o, source: SourceModel(fileName: "cnn", sha256: ""),
                                        toolVersion: "test", defects: defects ?? [])
    }

    static let plans: Result<(naive: Plan, aware: Plan, defects: [Defect]), Error> = Result {
        let network = try ModelLoader.load(Fixtures.models.appendingPathComponent("fmnist_cnn_k2.h5"))
        let naive = try compile(network, defects: nil)
        let defects = Self.defects(for: naive, fraction: 0.1, seed: 21)
        return (naive, try compile(network, defects: defects), defects)
    }

    /// The faults of a map land on the devices the aware plan recorded as stuck, at the same
    /// conductances; on the naive plan they land on the identity addresses.
    @Test func mapFaultsAreThePlansRecordedStuckDevices() throws {
        let (naive, aware, defects) = try Self.plans.get()
        let fromMap = try TileFaults.of(plan: aware, defects: defects, file: "chip.csv")
        let recorded = TileFaults.recorded(in: aware)
        #expect(fromMap.map(\.devices) == aware.tiles.map(\.stuckDevices))
        #expect(fromMap.map(\.devices) == recorded.map(\.devices))
        #expect(fromMap.map(\.conductances_uS) == recorded.map(\.conductances_uS))
        #expect(fromMap.reduce(0) { $0 + $1.count } == defects.count, "every defect addresses one used device")
        let onNaive = try TileFaults.of(plan: naive, defects: defects, file: "chip.csv")
        let slots = naive.roles.count
        for (t, tile) in naive.tiles.enumerated() {
            let (rows, cols) = (tile.rows.count, tile.columns.count)
            let expected = defects.filter { $0.array == tile.array }.compactMap { d -> Int? in
                guard let row = d.row, let col = d.column else { return nil }
                let r = row - tile.rowOffset, x = col - tile.columnOffset
                guard (0..<rows).contains(r), (0..<(cols * slots)).contains(x) else { return nil }
                return ((x % slots) * rows + r) * cols + x / slots
            }.sorted()
            #expect(onNaive[t].devices == expected)
        }
    }

    /// A programmed chip holds the stuck conductances, and they neither drift nor relax.
    @Test func simulatedFaultsHoldTheirConductance() throws {
        let (_, aware, defects) = try Self.plans.get()
        let faults = try TileFaults.of(plan: aware, defects: defects, file: "chip.csv")
        let simulator = DeviceSimulator(spec: .rram, devicesPerConductance: 1, rramMode: .statistical, stuckRates: StuckRates.none)
        let chip = HardwareInstance(plan: aware, simulator: simulator, seed: 3, trial: 0, threads: 2, faults: faults)
        let read = chip.read(plan: aware, simulator: simulator, t_s: 86_400, readNoise: .off, threads: 2)
        let tiles = try #require(chip.tiles)
        for t in aware.tiles.indices {
            for (i, d) in faults[t].devices.enumerated() {
                #expect(tiles[t].programmed_uS[d] == faults[t].conductances_uS[i] && tiles[t].stuck[d] != .none)
                #expect(read.g_uS[t][d] == faults[t].conductances_uS[i])
            }
        }
    }

    /// Same physical faults, same seeds: the naive plan loses most of its accuracy, the fault-aware
    /// plan keeps most of it, and simulating the aware plan's recorded faults is the same as giving the map.
    @Test func faultAwarePlanRecoversMostOfTheLoss() throws {
        let (naive, aware, defects) = try Self.plans.get()
        let data = try VerifierFixtures.fashion(300)
        func accuracy(_ plan: Plan, _ defects: [Defect]?) throws -> Double {
            var o = VerifierOptions()
            o.times_s = [1]; o.trials = 1; o.seed = 5; o.rramMode = .statistical; o.readNoise = .off
            o.stuckRates = StuckRates.none; o.threads = 2
            if let defects { o.knownFaults = try TileFaults.of(plan: plan, defects: defects, file: "chip.csv") }
            return try #require(try Verifier(plan: plan, options: o).run(data).results.first?.mean)
        }
        let clean = try accuracy(naive, nil)
        let naiveFaulty = try accuracy(naive, defects)
        let awareFaulty = try accuracy(aware, defects)
        #expect(clean - naiveFaulty > 0.2, "10 % stuck devices cost a naive plan much accuracy (\(clean) → \(naiveFaulty))")
        #expect(awareFaulty - naiveFaulty >= 0.75 * (clean - naiveFaulty), "clean \(clean), naive \(naiveFaulty), aware \(awareFaulty)")
        #expect(try accuracy(aware, nil) == awareFaulty)
    }
}

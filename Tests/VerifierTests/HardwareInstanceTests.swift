import Compiler
import DeviceSimulation
import Devices
import NetworkModel
import Plan
import Testing
import TestSupport
@testable import Verifier

@Suite struct HardwareInstanceTests {
    /// x[200] → 200 × 48 → 48 × 12 → 12 × 10: with full arrays, one tile larger than a quarter of a
    /// worker's share (19,200 of 20,592 devices) and two smaller ones, as the CNN's dense tiles and
    /// its convolutions, at an eighth of the CNN's devices.
    static func layers() throws -> Network {
        var rng = SplitMix64(seed: 5)
        var nodes = [Node](), input = "x"
        for (l, (rows, columns)) in [(200, 48), (48, 12), (12, 10)].enumerated() {
            let w = try Tensor(shape: [rows, columns], data: (0..<(rows * columns)).map { _ in Float.random(in: -1...1, using: &rng) })
            nodes.append(Node(name: "fc\(l)", operation: .dense(DenseOp(weight: w, bias: nil)), inputs: [input], output: "y\(l)"))
            input = "y\(l)"
        }
        return try Network(name: "layers", inputs: [NetworkInput(name: "x", shape: [200])], outputs: [input], nodes: nodes)
    }

    /// Programming and reading spread tiles over threads (`TileSchedule`), yet every device's numbers
    /// come from its own key: one thread and four give bitwise the same chip and the same reads, for
    /// PCM (drift, frozen read noise) and RRAM (relaxation, stuck devices). With full arrays the large
    /// tile is split over all threads while workers take the small ones whole; with 7 × 5 tiles every
    /// tile is handed out whole.
    @Test(arguments: ["pcm", "rram"], [false, true])
    func threadCountDoesNotMatter(preset: String, smallTiles: Bool) throws {
        let spec = DeviceSpec.presets.first { $0.name == preset }!
        var options = CompileOptions()
        if smallTiles { options.tileRows = 7; options.tileColumns = 5 }
        let plan = try VerifierFixtures.compile(try Self.layers(), spec, options)
        let schedule = TileSchedule(sizes: plan.tiles.map(\.targets_uS.count), threads: 4)
        if smallTiles {
            #expect(schedule.large.isEmpty && schedule.perWorker.allSatisfy { !$0.isEmpty })
        } else {
            #expect(schedule.large.count == 1 && schedule.perWorker.filter { !$0.isEmpty }.count == 2)
        }
        let simulator = DeviceSimulator(spec: spec, devicesPerConductance: plan.devicesPerConductance, rramMode: .statistical,
                                        stuckRates: .hfo2FourMegabit)
        let one = HardwareInstance(plan: plan, simulator: simulator, seed: 7, trial: 2, threads: 1)
        let four = HardwareInstance(plan: plan, simulator: simulator, seed: 7, trial: 2, threads: 4)
        #expect(one.tiles == four.tiles)
        let times: [Double] = [0, 3600, 86_400]
        for readNoise in [ReadNoiseMode.frozen, .perRead] {
            let a = one.read(plan: plan, simulator: simulator, t_s: times[2], readNoise: readNoise, threads: 1)
            let b = four.read(plan: plan, simulator: simulator, t_s: times[2], readNoise: readNoise, threads: 4)
            #expect(a.g_uS == b.g_uS)
            #expect(a.sigma_uS == b.sigma_uS)
            // The verifier's streamed read (programming again tile by tile, nothing kept) is the same chip.
            let streamed = HardwareInstance.streamTiles(plan: plan, simulator: simulator, seed: 7, trial: 2, t_s: times[2],
                                                        readNoise: readNoise, threads: 3) { t, programmed, g, sigma in
                (programmed == one.tiles?[t], g, sigma)
            }
            let sameState = streamed.allSatisfy { $0.0 }
            let (g, sigma) = (streamed.map { $0.1 }, streamed.map { $0.2 })
            #expect(sameState)
            #expect(g == a.g_uS)
            #expect(sigma == a.sigma_uS)
        }
    }

    /// Every tile is scheduled exactly once, and whole tiles are balanced longest-first.
    @Test func scheduleCoversEveryTileOnce() {
        let sizes = [100, 1, 3, 2, 9, 8, 7, 4, 5, 6]
        let schedule = TileSchedule(sizes: sizes, threads: 2)
        #expect(schedule.large == [0])
        #expect((schedule.large + schedule.perWorker.flatMap { $0 }).sorted() == Array(sizes.indices))
        let loads = schedule.perWorker.map { $0.reduce(0) { $0 + sizes[$1] } }
        #expect(loads.max()! - loads.min()! <= 1)
    }
}

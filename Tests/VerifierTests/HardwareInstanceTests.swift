import Compiler
import DeviceSimulation
import Devices
import Plan
import Testing
@testable import Verifier

@Suite struct HardwareInstanceTests {
    /// Programming and reading spread tiles over threads (`TileSchedule`), yet every device's numbers
    /// come from its own key: one thread and four give bitwise the same chip and the same reads, for
    /// PCM (drift, frozen read noise) and RRAM (relaxation, stuck devices). With full arrays the CNN's
    /// tiles are split over all threads; with 7 × 5 tiles they are handed out whole.
    @Test(arguments: ["pcm", "rram"], [false, true])
    func threadCountDoesNotMatter(preset: String, smallTiles: Bool) throws {
        let spec = DeviceSpec.presets.first { $0.name == preset }!
        var options = CompileOptions()
        if smallTiles { options.tileRows = 7; options.tileColumns = 5 }
        let plan = try VerifierFixtures.compile(try VerifierFixtures.cnnPlan.get().network, spec, options)
        let schedule = TileSchedule(sizes: plan.tiles.map(\.targets_uS.count), threads: 4)
        if smallTiles { #expect(schedule.perWorker.allSatisfy { !$0.isEmpty }) } else { #expect(!schedule.large.isEmpty) }
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

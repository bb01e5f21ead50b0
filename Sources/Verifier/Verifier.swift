import Datasets
import DeviceSimulation
import Devices
import Engine
import Evaluation
import FileSupport
import Foundation
import NetworkModel
import Plan

/// Settings of a Monte-Carlo verification run.
public struct VerifierOptions: Sendable {
    /// Times after programming to evaluate, in seconds.
    public var times_s: [Double] = [1, 3600, 86_400, 365.25 * 86_400]
    /// Programmed chips to simulate.
    public var trials = 10
    public var seed: UInt64 = 0
    public var compensations: [Compensation] = [.none]
    public var readNoise: ReadNoiseMode = .frozen
    public var rramMode: RRAMMode = .pulseLevel
    /// Overrides the device spec's stuck-device rates.
    public var stuckRates: StuckRates? = nil
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var batchSize = 256
    /// Factor for integer samples (nil: 1/255), as in `imprint infer`.
    public var pixelScale: Float? = nil
    /// Every device holds its target exactly (no programming error, drift, read noise or stuck
    /// devices): the run then reproduces the baseline, which checks the whole analog path.
    public var ideal = false
    /// Converters, output noise and IR drop around each tile.
    public var periphery = Periphery.ideal
    /// A chip read back by a tester: every trial starts from these conductances instead of sampled
    /// programming (`MeasuredChip`); `times_s` must not be earlier than the latest measurement.
    public var measured: Measured? = nil
    /// Devices known stuck, per tile (`TileFaults.of(plan:defects:file:)`, a defect map); empty = the
    /// plan's recorded stuck devices only. Applied on top of the random stuck rates, whose draws they
    /// override (set the rates to zero for exactly the map's faults).
    public var knownFaults: [TileFaults] = []
    public init() {}

    /// The compensation whose run measures per-layer errors: the first one asked other than `none`,
    /// so the ranking shows what remains after compensation rather than the global drift every
    /// layer shares; `none` when it is the only one.
    public var layerErrorCompensation: Compensation { compensations.first { $0 != .none } ?? compensations.first ?? .none }
}

/// Accuracy of every trial at one (time, compensation).
public struct TimeResult: Sendable, Equatable {
    public var time_s: Double
    public var compensation: Compensation
    public var accuracyPerTrial: [Double]

    public var mean: Double { accuracyPerTrial.reduce(0, +) / Double(max(accuracyPerTrial.count, 1)) }
    /// Sample standard deviation over trials (0 for one trial).
    public var std: Double {
        let n = accuracyPerTrial.count
        guard n > 1 else { return 0 }
        let m = mean
        return (accuracyPerTrial.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)).squareRoot()
    }
    public var min: Double { accuracyPerTrial.min() ?? 0 }
}

public struct VerificationResult: Sendable {
    /// Accuracy of the plan's network as compiled (weights rebuilt from the exact targets).
    public var baselineAccuracy: Double
    public var samples: Int
    /// Time-major, then compensation in the order asked.
    public var results: [TimeResult]
    public var programming: ProgrammingStatistics
    /// Relative output error of every crossbar layer over time (`LayerError`).
    public var layers: [LayerError] = []
    /// Trial 0's conductance histograms and per-tile errors, for the HTML report.
    public var device: DeviceReport? = nil
    /// With a read-back: how it compares with the targets, and the measured chip's accuracy.
    public var measured: MeasuredComparison? = nil
}

/// `imprint verify`: programs simulated chips from a plan and measures their accuracy over time.
///
/// The digital engine runs every evaluation; only the matrix-product provider changes
/// (`AnalogMatrixProducts`), so the analog and digital paths cannot drift apart.
public struct Verifier: Sendable {
    public let plan: Plan
    public let options: VerifierOptions
    let nodes: [Int]
    let simulator: DeviceSimulator?
    let measuredChip: MeasuredChip?
    /// Per tile, the devices simulated as known stuck (empty when none anywhere).
    let faults: [TileFaults]

    /// Most trials a run accepts: far beyond any useful Monte-Carlo run, far below where the
    /// evaluation count (trials × times × samples) could overflow.
    public static let maxTrials = 1_000_000

    /// Most time points a run accepts (a limit since the first verifier; every time is a full chip
    /// read and evaluation per trial).
    public static let maxTimes = 699

    /// Σ terms + Π factors, nil on overflow.
    static func checkedSum(_ terms: [Int], product factors: [Int]) -> Int? {
        var p = 1
        for f in factors {
            let (r, o) = p.multipliedReportingOverflow(by: f)
            if o { return nil }
            p = r
        }
        var s = p
        for t in terms {
            let (r, o) = s.addingReportingOverflow(t)
            if o { return nil }
            s = r
        }
        return s
    }

    public init(plan: Plan, options: VerifierOptions) throws(VerifierError) {
        guard options.trials >= 1 else { throw VerifierError("the number of trials must be at least 1, is \(options.trials)") }
        guard options.trials <= Self.maxTrials else {
            throw VerifierError("\(options.trials) trials is more than the \(Self.maxTrials.grouped) a run can count; each trial simulates a whole chip")
        }
        guard !options.times_s.isEmpty, options.times_s.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw VerifierError("times must be given, finite and not negative")
        }
        guard options.times_s.count <= Self.maxTimes else { throw VerifierError("at most \(Self.maxTimes) time points per run") }
        guard !options.compensations.isEmpty else { throw VerifierError("no compensation given (use none)") }
        guard plan.network.inputs.count == 1, plan.network.outputs.count == 1 else {
            throw VerifierError("verify needs a network with one input and one output; the plan's has \(plan.network.inputs.count) and \(plan.network.outputs.count)")
        }
        for (t, tile) in plan.tiles.enumerated() {
            guard tile.layer >= 0, tile.layer < plan.layers.count,
                  tile.group >= 0, tile.group < plan.layers[tile.layer].matrix.groups,
                  tile.rows.lowerBound >= 0, tile.rows.upperBound <= plan.layers[tile.layer].matrix.rows,
                  tile.columns.lowerBound >= 0, tile.columns.upperBound <= plan.layers[tile.layer].matrix.columns,
                  tile.targets_uS.count == plan.roles.count * tile.weightCount,
                  tile.referenceTargets_uS.count == plan.referenceColumns * tile.rows.count,
                  tile.weightPerMicrosiemens.count == tile.columns.count else {
                throw VerifierError("tile \(t) of the plan is inconsistent with its layers and device roles")
            }
        }
        guard options.knownFaults.isEmpty || options.knownFaults.count == plan.tiles.count else {
            throw VerifierError("known faults are given for \(options.knownFaults.count) tiles, but the plan has \(plan.tiles.count)")
        }
        self.plan = plan
        self.options = options
        let faults = options.knownFaults.isEmpty ? TileFaults.recorded(in: plan) : options.knownFaults
        self.faults = faults.allSatisfy(\.isEmpty) ? [] : faults
        nodes = try LayerMatrices.nodeIndices(of: plan)
        simulator = options.ideal ? nil : DeviceSimulator(spec: plan.device, devicesPerConductance: plan.devicesPerConductance,
                                                          rramMode: options.rramMode, stuckRates: options.stuckRates)
        if let m = options.measured {
            guard m.conductance_uS.count == plan.tiles.count,
                  zip(m.conductance_uS, plan.tiles).allSatisfy({ $0.count == $1.targets_uS.count }) else {
                throw VerifierError("\(m.source): the read-back was joined to another plan (its devices do not match this plan's tiles)")
            }
            let latest = m.latestTime_s
            if let early = options.times_s.first(where: { $0 < latest }) {
                throw VerifierError("time \(early) s is earlier than the measurement (\(latest) s after programming); a simulation starts from it")
            }
            measuredChip = MeasuredChip(measured: m, plan: plan, simulator: simulator)
        } else {
            measuredChip = nil
        }
    }

    /// Checks that a data set fits the plan's input and carries usable labels.
    public func check(_ data: Dataset) throws {
        try DatasetEvaluation.check(data, for: plan.network)
        guard data.labels != nil else {
            throw VerifierError("\(data.source): the data set has no labels, and verification needs them to measure accuracy")
        }
    }

    /// Runs all trials, times and compensations; `progress` receives samples done and the total.
    /// `calibration` (samples only) is needed by AdaBS.
    public func run(_ data: Dataset, calibration: Dataset? = nil,
                    progress: (Int, Int) -> Void = { _, _ in }) throws -> VerificationResult {
        try check(data)
        let o = options
        let adabs = o.compensations.contains(.adabs) ? AdaBS(plan: plan, nodes: nodes) : nil
        if adabs != nil {
            guard let calibration, calibration.count > 0 else {
                throw VerifierError("adabs needs calibration samples, and none were given")
            }
            let input = plan.network.inputs[0]
            try calibration.checkFits(inputShape: input.shape, inputName: input.name)
        }
        let passes = adabs.map { Set($0.depths).count } ?? 0
        let calibrationCount = calibration?.count ?? 0
        let evaluation = data.count * o.compensations.count + calibrationCount * passes
        guard let total = Self.checkedSum([data.count, adabs == nil ? 0 : calibrationCount, o.measured == nil ? 0 : data.count],
                                          product: [o.trials, o.times_s.count, evaluation]) else {
            throw VerifierError("\(o.trials) trials × \(o.times_s.count) times × \(data.count) samples is too many evaluations to count")
        }
        var done = 0
        let compiled = LayerMatrices.weights(plan: plan, nodes: nodes, conductances_uS: plan.tiles.map(\.targets_uS))
        let baseline = try accuracy(AnalogMatrixProducts(network: plan.network, mapped: compiled), data)
        done += data.count; progress(done, total)
        var statistics = RunStatistics(plan: plan, nodes: nodes, compiled: compiled, times_s: o.times_s, samples: data.count)
        let targets = try adabs?.targets(digital: AnalogMatrixProducts(network: plan.network, mapped: compiled),
                                         calibration: calibration!, verifier: self)
        if adabs != nil { done += calibrationCount; progress(done, total) }

        var comparison = o.measured.map { MeasuredComparison(plan: plan, measured: $0) }
        if let m = o.measured {
            comparison?.targetAccuracy = baseline
            let chip = LayerMatrices.weights(plan: plan, nodes: nodes,
                                             conductances_uS: plan.tiles.indices.map { m.conductances_uS(tile: $0, targets_uS: plan.tiles[$0].targets_uS) })
            comparison?.measuredAccuracy = try accuracy(AnalogMatrixProducts(network: plan.network, mapped: chip), data)
            done += data.count; progress(done, total)
        }
        // Index 0: the GDC reference, read right after programming, or at the (latest) measurement of a
        // read-back, where the simulation starts.
        let allTimes = [o.measured?.latestTime_s ?? 0] + o.times_s
        let needsCalibration = o.compensations.contains { $0 == .gdc || $0 == .gdcColumn }
        let perRead = o.readNoise == .perRead && simulator != nil
        var perTrial = [[Double]](repeating: [], count: o.times_s.count * o.compensations.count)
        var stats = ProgrammingStatistics()
        for trial in 0..<o.trials {
            var reference = [[Double]]()
            var firstRead = true
            // Time index k of `allTimes`: 0 is the GDC reference, right after programming.
            for k in (needsCalibration ? 0 : 1)..<allTimes.count {
                let chip = read(trial: trial, t_s: allTimes[k], statistics: statistics, perRead: perRead,
                                programming: firstRead, lastRead: trial == 0 && k == allTimes.count - 1)
                if firstRead {
                    stats.addChip(chip.programming)
                    if trial == 0 { statistics.recordProgrammed(chip.programmedCounts) }
                    firstRead = false
                }
                if !chip.lastRead.isEmpty { statistics.recordLastRead(chip.lastRead) }
                if k == 0 {
                    reference = DriftCompensation.columnSums(plan: plan, nodes: nodes, weights: chip.weights)
                    continue
                }
                let i = k - 1
                let (weights, variances) = (chip.weights, chip.variances)
                let now = needsCalibration ? DriftCompensation.columnSums(plan: plan, nodes: nodes, weights: weights) : []
                let tiles = o.periphery.isIdeal ? nil
                    : (o.periphery, PeripheralTiles(plan: plan, nodes: nodes, weights: weights, variances: variances))
                let noise = AnalogMatrixProducts.PerReadNoiseKey(seed: o.seed, trial: trial, time_s: allTimes[k])
                for (j, mode) in o.compensations.enumerated() {
                    let gains = DriftCompensation.gains(mode, plan: plan, nodes: nodes, reference: reference, now: now)
                    var corrections: [AnalogMatrixProducts.ChannelAffine?]? = nil
                    if mode == .adabs, let adabs, let targets, let calibration {
                        // The calibration reads draw their own noise: another key, same chip and time.
                        let calibrationNoise = AnalogMatrixProducts.PerReadNoiseKey(seed: o.seed ^ 0x4164_6142_5300_0000,
                                                                                    trial: trial, time_s: allTimes[k])
                        corrections = try adabs.corrections(targets: targets, calibration: calibration, verifier: self) { c in
                            AnalogMatrixProducts(network: plan.network, mapped: weights, variances: variances, corrections: c,
                                                 noise: calibrationNoise, periphery: tiles)
                        }
                        done += calibrationCount * passes; progress(done, total)
                    }
                    let analog = AnalogMatrixProducts(
                        network: plan.network, mapped: weights, variances: variances, gains: gains,
                        corrections: corrections, noise: noise, periphery: tiles)
                    let (provider, layerErrors) = statistics.provider(analog, measuresLayerErrors: mode == o.layerErrorCompensation)
                    perTrial[i * o.compensations.count + j].append(try accuracy(provider, data))
                    statistics.record(layerErrors, timeIndex: i, trial: trial)
                    done += data.count; progress(done, total)
                }
            }
        }
        var results = [TimeResult]()
        for (i, t) in o.times_s.enumerated() {
            for (j, mode) in o.compensations.enumerated() {
                results.append(TimeResult(time_s: t, compensation: mode, accuracyPerTrial: perTrial[i * o.compensations.count + j]))
            }
        }
        return VerificationResult(baselineAccuracy: baseline, samples: data.count, results: results, programming: stats,
                                  layers: statistics.layerErrors(), device: statistics.device, measured: comparison)
    }

    /// What one streamed read of a chip yields.
    struct ChipRead {
        var weights: LayerMatrices
        var variances: LayerMatrices?
        /// Summed over tiles when `programming` was asked, else empty.
        var programming = ProgrammingStatistics()
        /// Per tile, histogram counts of the programmed conductances (when `programming` and trial 0).
        var programmedCounts: [[[Int]]] = []
        /// Per tile, histogram counts and error of this read (when `lastRead`).
        var lastRead: [([[Int]], TileError)] = []
    }

    /// Programs trial `trial`'s chip and reads it at `t_s`, tile by tile over the
    /// threads, straight into layer weights (IR drop applied when the periphery has it) and per-read
    /// variances: memory holds the weights, never the chip's devices.
    func read(trial: Int, t_s: Double, statistics: RunStatistics, perRead: Bool,
              programming: Bool, lastRead: Bool) -> ChipRead {
        struct TileResult: Sendable {
            var weights: [Float]
            var variances: [Float]?
            var programming: ProgrammingStatistics
            var programmedCounts: [[Int]]?
            var last: ([[Int]], TileError)?
        }
        let (plan, o) = (plan, options)
        let verifyOutcome = ProgrammingStatistics.hasVerifyOutcome(plan.device)
        let wire = o.periphery.wireResistancePerCell_ohm
        let tileResult: @Sendable (Int, ProgrammedTile?, [Float], [Float]) -> TileResult = { t, programmed, g, sigma in
            let tile = plan.tiles[t]
            var result = TileResult(weights: [], programming: ProgrammingStatistics())
            if programming {
                if let programmed {
                    result.programming = ProgrammingStatistics(programmed, targets_uS: tile.deviceTargets_uS, rules: plan.targetRules,
                                                               hasVerifyOutcome: verifyOutcome)
                }
                if trial == 0 { result.programmedCounts = statistics.counts(programmed?.programmed_uS ?? tile.targets_uS, tile: t) }
            }
            if lastRead { result.last = (statistics.counts(g, tile: t), statistics.tileError(g, tile: t)) }
            var wired = g
            if let wire, wire > 0 { IRDrop.apply(plan: plan, tile: t, conductances_uS: &wired, wireResistancePerCell_ohm: wire) }
            result.weights = LayerMatrices.tilePlane(plan: plan, tile: t, conductances_uS: wired)
            if perRead { result.variances = HardwareInstance.variancePlane(plan: plan, tile: t, sigma_uS: sigma) }
            return result
        }
        let results = measuredChip.map {
            $0.streamTiles(plan: plan, simulator: simulator, seed: o.seed, trial: trial, t_s: t_s, readNoise: o.readNoise,
                           threads: o.threads, faults: faults, tileResult)
        } ?? HardwareInstance.streamTiles(plan: plan, simulator: simulator, seed: o.seed, trial: trial, t_s: t_s,
                                          readNoise: o.readNoise, threads: o.threads, faults: faults, tileResult)
        var chip = ChipRead(weights: LayerMatrices.planes(plan: plan, nodes: nodes, tilePlanes: results.map(\.weights)),
                            variances: perRead ? LayerMatrices.planes(plan: plan, nodes: nodes, tilePlanes: results.map { $0.variances ?? [] }) : nil)
        for r in results {
            chip.programming.add(r.programming)
            if let c = r.programmedCounts { chip.programmedCounts.append(c) }
            if let l = r.last { chip.lastRead.append(l) }
        }
        return chip
    }

    /// The evaluation harness (the one `infer` uses) for the plan's network with `provider`.
    func evaluation(_ provider: any MatrixProductProvider) throws -> DatasetEvaluation {
        DatasetEvaluation(engine: try InferenceEngine(network: plan.network, provider: provider,
                                                      options: .init(threads: options.threads, batchSize: options.batchSize)),
                          pixelScale: options.pixelScale)
    }

    /// Streams the data set through the network with `provider`, in batches.
    func forEachOutput(_ provider: any MatrixProductProvider, _ data: Dataset,
                       body: (Range<Int>, Tensor) throws -> Void) throws {
        try evaluation(provider).forEachOutput(data, body: body)
    }

    /// Top-1 accuracy of the network with `provider` over the labelled data set, streamed in batches
    /// (0 for no samples).
    func accuracy(_ provider: any MatrixProductProvider, _ data: Dataset) throws -> Double {
        try evaluation(provider).topOne(data)?.accuracy ?? 0
    }
}

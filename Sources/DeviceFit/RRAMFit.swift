import DeviceSimulation
import Devices
import Foundation

/// The RRAM fit (devices.md §2, the HfOx form): σ_prog linear in the target, relaxation mean shift
/// m · ln t and spread s₀ + s₁ · ln t, log10-flicker read noise, stuck rates and, for discrete
/// targets, the level table. t is the read time itself (s since programming, ln t clamped at 1 s).
///
/// At read time t a device of target g reads g + m ln t + e with var(e) = σ_prog(g)² + (s₀ + s₁ ln t)²
/// + σ_read²/n: the cross terms of the two squares in g and in ln t are what separate σ_prog from
/// the relaxation spread, so both need several targets and several times.
struct RRAMFit {
    let data: CharacterisationData
    let options: FitOptions
    let base: RRAMModel
    let tRead_s: Double
    /// Targets at most this many distinct values are a level table.
    static let maxLevels = 32

    func flicker(_ t: Double) -> Double { max(log((t + tRead_s) / (2 * tRead_s)), 0).squareRoot() }

    struct Cell: Sendable {
        var bin: Int
        var timeKey: Int
        var time_s: Double
        /// (device, point) of the cell.
        var members: [(Int, TimePoint)]
    }

    struct Context: Sendable {
        var targets: [Double]
        var bins: TargetBins
        var cells: [Cell]
        var stuck: [Int8]
        var detection: StuckDetection
        var points: CharacterisationData
        var tRead_s: Double
        var timeKeys: Int
    }

    /// Constants of one set of devices: [a, b, s₀, s₁, m, c, stuck low, stuck high] and the evidence.
    static func estimate(_ c: Context, members devices: [Int]) -> (vector: [Double], evidence: FitEvidence) {
        var weight = [Int](repeating: 0, count: c.targets.count)
        for d in devices { weight[d] += 1 }
        func flicker(_ t: Double) -> Double { max(log((t + c.tRead_s) / (2 * c.tRead_s)), 0).squareRoot() }
        // Read noise: pooled (n − 1) s² / (log10(ḡ)² h(t)²) over points above 1.26 µS (log10 ≥ 0.1),
        // s² less step²/12 for quantised reads (Sheppard).
        let quantisation = c.points.readStep_uS.map { $0 * $0 / 12 } ?? 0
        var sum = 0.0, dof = 0.0
        for d in 0..<c.targets.count where weight[d] > 0 && c.stuck[d] == 0 {
            for p in c.points.points(of: d) where p.reads > 1 && p.mean_uS >= 1.26 {
                let h = flicker(p.time_s), l = log10(p.mean_uS)
                guard h > 0 else { continue }
                sum += Double(weight[d] * (p.reads - 1)) * max(p.variance_uS2 - quantisation, 0) / (l * l * h * h)
                dof += Double(weight[d] * (p.reads - 1))
            }
        }
        let coefficient = dof > 0 ? (sum / dof).squareRoot() : Double.nan
        var evidence = FitEvidence()
        // Per cell: trimmed mean and variance of ḡ − target, less the mean read-noise variance.
        struct Stat { var g: Double; var lnT: Double; var mean: Double; var v: Double; var total: Double; var n: Double; var bin: Int; var key: Int; var t: Double }
        var stats = [Stat]()
        for cell in c.cells {
            var d = [Double](), readVar = 0.0
            for (dev, p) in cell.members where c.stuck[dev] == 0 {
                for _ in 0..<weight[dev] {
                    d.append(p.mean_uS - c.targets[dev])
                    if coefficient.isFinite {
                        let s = coefficient * log10(max(p.mean_uS, 1)) * flicker(p.time_s)
                        readVar += s * s / Double(p.reads)
                    }
                }
            }
            guard d.count >= 10 else { continue }
            let r = RobustMoments(d)
            stats.append(Stat(g: c.bins.center_uS[cell.bin], lnT: log(max(cell.time_s, 1)), mean: r.mean,
                              v: r.variance - readVar / Double(d.count), total: r.variance, n: Double(r.kept), bin: cell.bin, key: cell.timeKey, t: cell.time_s))
        }
        // Mean shift through the origin in ln t (the spec's form has no offset).
        var num = 0.0, den = 0.0
        for s in stats { let w = s.n / max(s.total, 1e-12); num += w * s.lnT * s.mean; den += w * s.lnT * s.lnT }
        let shift = den > 0 ? num / den : Double.nan
        // Variance model by Levenberg–Marquardt.
        let distinctTimes = Set(stats.map(\.key)).count, distinctTargets = Set(stats.map(\.bin)).count
        let p = fitVariance(stats.map { ($0.g, $0.lnT, $0.v, $0.n / (2 * max($0.total * $0.total, 1e-12))) },
                            freeSlope: distinctTargets >= 2, freeRelaxation: distinctTimes >= 2)
        let (low, high) = c.detection.rates(devices)
        // Evidence: σ at the earliest time per target, and the relaxation per time.
        if let first = stats.map(\.key).min() {
            for s in stats where s.key == first {
                // σ_prog alone: the cell's variance less the fitted relaxation spread at that time.
                let relaxation = p[2] + p[3] * s.lnT
                evidence.programSigma.append(BinnedValue(x: s.g, value: max(s.v - relaxation * relaxation, 0).squareRoot(),
                                                         standardError: max(s.total, 0).squareRoot() / (2 * s.n).squareRoot(), devices: Int(s.n)))
            }
        }
        for key in Set(stats.map(\.key)).sorted() {
            let at = stats.filter { $0.key == key }
            let w = at.map(\.n).reduce(0, +)
            let mean = at.map { $0.mean * $0.n }.reduce(0, +) / w
            let spread2 = at.map { ($0.v - pow(max(p[0] + p[1] * $0.g, 0), 2)) * $0.n }.reduce(0, +) / w
            let t = at[0].t
            evidence.relaxationMean.append(BinnedValue(x: t, value: mean, standardError: (at.map { $0.total * $0.n }.reduce(0, +) / w / w).squareRoot(), devices: Int(w)))
            evidence.relaxationSpread.append(BinnedValue(x: t, value: max(spread2, 0).squareRoot(),
                                                         standardError: (at.map(\.total).reduce(0, +) / Double(at.count)).squareRoot() / (2 * w).squareRoot(), devices: Int(w)))
        }
        return ([p[0], p[1], p[2], p[3], shift, coefficient, low, high], evidence)
    }

    /// Weighted least squares of V ≈ (a + b g)² + (s₀ + s₁ L)² over (g, L, V, weight), by
    /// Levenberg–Marquardt from a start that splits the smallest variance evenly; the signs are
    /// normalised so both spreads are positive at the middle of the data.
    static func fitVariance(_ obs: [(Double, Double, Double, Double)], freeSlope: Bool, freeRelaxation: Bool) -> [Double] {
        guard !obs.isEmpty else { return [.nan, .nan, .nan, .nan] }
        let vMin = max(obs.map(\.2).min()!, 1e-6)
        var p = [(vMin / 2).squareRoot(), 0.0, (vMin / 2).squareRoot(), 0.0]
        let free = [true, freeSlope, freeRelaxation, freeRelaxation]
        if !freeRelaxation { p = [vMin.squareRoot(), 0, 0, 0] }
        func cost(_ q: [Double]) -> Double {
            obs.reduce(0) { acc, o in
                let r = o.2 - (pow(q[0] + q[1] * o.0, 2) + pow(q[2] + q[3] * o.1, 2))
                return acc + o.3 * r * r
            }
        }
        var lambda = 1e-3, current = cost(p)
        for _ in 0..<200 {
            var jtj = [Double](repeating: 0, count: 16), jtr = [Double](repeating: 0, count: 4)
            for o in obs {
                let u = p[0] + p[1] * o.0, w = p[2] + p[3] * o.1
                let r = o.2 - (u * u + w * w)
                var j = [2 * u, 2 * u * o.0, 2 * w, 2 * w * o.1]
                for k in 0..<4 where !free[k] { j[k] = 0 }
                for a in 0..<4 {
                    jtr[a] += o.3 * j[a] * r
                    for b in 0..<4 { jtj[a * 4 + b] += o.3 * j[a] * j[b] }
                }
            }
            var improved = false
            for _ in 0..<20 {
                var m = jtj
                for k in 0..<4 { m[k * 4 + k] = free[k] ? m[k * 4 + k] * (1 + lambda) + 1e-12 : 1 }
                guard let step = Regression.solve(m, (0..<4).map { free[$0] ? jtr[$0] : 0 }, 4) else { lambda *= 10; continue }
                let trial = zip(p, step).map { $0 + $1 }
                let c = cost(trial)
                if c < current {
                    let relative = (current - c) / max(current, 1e-300)
                    p = trial; current = c; lambda = max(lambda / 10, 1e-12); improved = true
                    if relative < 1e-12 { return normalised(p, obs) }
                    break
                }
                lambda *= 10
            }
            if !improved { break }
        }
        return normalised(p, obs)
    }

    static func normalised(_ p: [Double], _ obs: [(Double, Double, Double, Double)]) -> [Double] {
        let gMid = obs.map(\.0).reduce(0, +) / Double(obs.count), lMid = obs.map(\.1).reduce(0, +) / Double(obs.count)
        var q = p
        if q[0] + q[1] * gMid < 0 { q[0] = -q[0]; q[1] = -q[1] }
        if q[2] + q[3] * lMid < 0 { q[2] = -q[2]; q[3] = -q[3] }
        return q
    }

    func run() throws(FitError) -> FitResult {
        let bins = TargetBins(targets: data.targets_uS, include: { _ in true })
        // Stuck: far outside the bin's first-read distribution (`StuckDetection`).
        let detection = StuckDetection(first: (0..<data.deviceCount).map { data.points(of: $0).first?.mean_uS }, targets: data.targets_uS,
                                       bins: bins, rails: (options.base.gMin_uS, options.gMax_uS ?? options.base.gMax_uS))
        let stuck = detection.state
        var cellIndex = [[Int]: Int](), cells = [Cell](), logT = [Double]()
        for d in 0..<data.deviceCount {
            for p in data.points(of: d) {
                let key = [bins.bin[d], GoodnessOfFit.timeKey(p.time_s)]
                let i = cellIndex[key] ?? { cells.append(Cell(bin: key[0], timeKey: key[1], time_s: 0, members: [])); logT.append(0); cellIndex[key] = cells.count - 1; return cells.count - 1 }()
                cells[i].members.append((d, p))
                logT[i] += log(max(p.time_s, 1e-300))
            }
        }
        for i in cells.indices { cells[i].time_s = exp(logT[i] / Double(cells[i].members.count)) }
        cells.sort { ($0.bin, $0.timeKey) < ($1.bin, $1.timeKey) }
        let context = Context(targets: data.targets_uS, bins: bins, cells: cells, stuck: stuck, detection: detection, points: data, tRead_s: tRead_s,
                              timeKeys: Set(cells.map(\.timeKey)).count)
        let all = Array(0..<data.deviceCount)
        let (v, evidence) = RRAMFit.estimate(context, members: all)
        guard v[0].isFinite, v[1].isFinite else {
            throw FitError(file: data.file, message: "has too few devices per target and time to fit σ_prog: need 10 devices at a target and time")
        }
        let errors = Bootstrap.standardErrors(population: all, replicates: options.bootstrapReplicates, seed: options.seed,
                                              threads: options.threads) { RRAMFit.estimate(context, members: $0).vector }
        func se(_ i: Int) -> Double? { i < errors.count ? errors[i] : nil }

        var notes = [String]()
        var model = base
        let timesFitted = context.timeKeys >= 2
        let targetsFitted = Set(bins.bin).count >= 2
        model.programmingSpread = .linear(slope: v[1], intercept_uS: v[0], min_uS: 0)
        var shift = v[4], s0 = v[2], s1 = v[3]
        if !shift.isFinite { shift = 0; notes.append("relaxation mean shift: every read at t ≤ 1 s, where ln t = 0; set to 0") }
        if !timesFitted {
            if case .logTime(let m, let a, let b) = base.relaxation { shift = m; s0 = a; s1 = b } else { s0 = 0; s1 = 0 }
            notes.append("relaxation: one read time only; the spread over time cannot be told from σ_prog, so the base spec's log-time relaxation (or none) is kept")
        }
        if s0 < 0 { notes.append("relaxation spread at 1 s came out \(formatNumber(s0)) µS; clamped to 0 as the spec requires"); s0 = 0 }
        model.relaxation = .logTime(meanShiftPerLn_uS: shift, spreadAt1s_uS: s0, spreadPerLn_uS: s1)
        let readFitted = v[5].isFinite
        if readFitted { model.readNoise = .log10Flicker(coefficient_uS: v[5], tRead_s: tRead_s) }
        else { notes.append("read noise: no repeated reads at one time above 1.26 µS; kept the base spec's") }

        var spec = options.base
        spec.model = .rram(model)
        if let g = options.gMax_uS { spec.gMax_uS = g }
        let stuckLow = v[6], stuckHigh = v[7]
        spec.stuck = StuckRates(atGMin_probability: stuckLow, atGMax_probability: stuckHigh)
        let distinct = Array(Set(data.targets_uS)).sorted()
        if distinct.count <= RRAMFit.maxLevels {
            let levels = distinct.filter { $0 >= spec.gMin_uS && $0 <= spec.gMax_uS }
            if !levels.isEmpty { spec.levels_uS = levels }
        }
        if spec.acceptance.halfWidth_uS(target_uS: spec.gMax_uS) <= 0 { notes.append("acceptance window kept from the base spec") }

        var constants = [FittedConstant]()
        constants.append(FittedConstant(name: "model.programming_spread.intercept_uS", value: v[0], standardError: se(0), fitted: true, unit: "µS"))
        constants.append(FittedConstant(name: "model.programming_spread.slope", value: v[1], standardError: targetsFitted ? se(1) : nil, fitted: targetsFitted, unit: "1"))
        constants.append(FittedConstant(name: "model.relaxation.spread_at_1s_uS", value: s0, standardError: timesFitted ? se(2) : nil, fitted: timesFitted, unit: "µS"))
        constants.append(FittedConstant(name: "model.relaxation.spread_per_ln_s_uS", value: s1, standardError: timesFitted ? se(3) : nil, fitted: timesFitted, unit: "µS"))
        constants.append(FittedConstant(name: "model.relaxation.mean_shift_per_ln_s_uS", value: shift, standardError: v[4].isFinite ? se(4) : nil, fitted: v[4].isFinite, unit: "µS"))
        if readFitted {
            constants.append(FittedConstant(name: "model.read_noise.coefficient_uS", value: v[5], standardError: se(5), fitted: true, unit: "µS"))
        }
        constants.append(FittedConstant(name: "stuck.at_g_min_probability", value: stuckLow, standardError: se(6), fitted: true, unit: "1"))
        constants.append(FittedConstant(name: "stuck.at_g_max_probability", value: stuckHigh, standardError: se(7), fitted: true, unit: "1"))

        let final = model, gMax = spec.gMax_uS
        let goodness = GoodnessOfFit.cells(data, bins: bins, stuck: { stuck[$0] != 0 }, seed: options.seed) { target, t, reads, s in
            let g = target + final.programmingSpread.sigma_uS(g_uS: target) * s.normal() + final.relaxation.meanShift_uS(t_s: t)
                + final.relaxation.spread_uS(g_uS: target, t_s: t) * s.normal()
            return g + final.readNoise.sigma_uS(g_uS: g, t_s: t, gMax_uS: gMax) / Double(reads).squareRoot() * s.normal()
        }
        return FitResult(spec: spec, constants: constants, evidence: evidence, goodness: goodness, devices: data.deviceCount,
                         stuckLow: stuck.filter { $0 < 0 }.count, stuckHigh: stuck.filter { $0 > 0 }.count, notes: notes)
    }
}

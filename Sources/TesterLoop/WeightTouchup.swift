import Devices
import Plan

/// One device of a weight as the planner sees it: compiled target, read-back, whether it failed.
struct DeviceReading: Sendable {
    var target_uS: Double
    var measured_uS: Double
    var failed: Bool
}

/// What the touch-up makes of one weight: per device the target it should hold (its compiled target,
/// a new one, or its measured value when it is left alone), whether it is programmed again, and the
/// conductance expected after the touch-up (the new target where programmed, else the read-back).
struct WeightDecision: Sendable {
    var desired_uS: [Double]
    var programmed: [Bool]
    var cost: Double

    func expected(_ devices: [DeviceReading]) -> [Double] {
        devices.indices.map { programmed[$0] ? desired_uS[$0] : devices[$0].measured_uS }
    }
}

/// Decides the touch-up of one weight (docs in formats/tester-plan.md, "Touch-up files").
///
/// A weight's devices are re-programmed to their compiled targets, or some are given new targets so
/// that the weight W = Σ c·G (c = significance × sign) is restored from what was measured:
/// - a differential pair may keep one device where it was measured (it overshot, or it failed) and
///   move its partner so that G⁺ − G⁻ holds the pair's difference again;
/// - with `--pairs dual` the LSP pair is always written against the *expected* MSP pair (measured, or
///   the MSP's new targets), so F·(G⁺ − G⁻) + (g⁺ − g⁻) = W (Cristiano/Burr 2018, tester-loop.md), and
///   the MSP may be left out of its window when the LSP can absorb its error.
/// Among the candidates the one with the lowest cost wins: one per device programmed again, plus half
/// for a PCM device that must be lowered (a RESET and a new SET sequence, where raising takes SET
/// pulses only; tester-loop.md, "PCM physics"), plus a penalty for leaving the weight further from W
/// than its devices' windows allow. A candidate whose devices all read inside the windows of its
/// targets costs nothing, so a touch-up executed exactly finds nothing left to do.
struct WeightTouchup: Sendable {
    let rules: TargetRules
    let technology: Technology
    /// Per device of a weight, significance × sign (+1 pos, −1 neg).
    let coefficients: [Double]
    enum Layout: Sendable { case perDevice, pair, dual }
    let layout: Layout

    init(rules: TargetRules, technology: Technology, roles: [DeviceSlot]) {
        self.rules = rules
        self.technology = technology
        coefficients = roles.map { $0.significance * ($0.polarity == .neg ? -1 : 1) }
        let pols = roles.map(\.polarity)
        if roles.count == 2, pols == [.pos, .neg] {
            layout = .pair
        } else if roles.count == 4, pols == [.pos, .neg, .pos, .neg], roles[2].significance == 1 {
            layout = .dual
        } else {
            // Offset mode and parallel replicas: each device on its own.
            layout = .perDevice
        }
    }

    /// Reads within this distance of g_min or g_max count as "at the rail": the acceptance half-width
    /// there, and at least 1 % of g_max so a quantised read of a stuck device still counts ([check]
    /// heuristic; tester-loop.md reports stuck-OFF devices reading exactly 0).
    func railTolerance(at g: Double) -> Double { max(rules.window.halfWidth_uS(target_uS: g), 0.01 * rules.gMax_uS) }

    /// A device pinned at a rail more than a quarter of the device range from its target is taken for
    /// stuck even when the tester reported success: a program-verify schedule does not leave a working
    /// device that far off ([check] heuristic; imperfect detection, tester-loop.md).
    var railDistance_uS: Double { 0.25 * (rules.gMax_uS - rules.gMin_uS) }

    func looksStuck(measured: Double, target: Double) -> Bool {
        let low = measured <= rules.gMin_uS + railTolerance(at: rules.gMin_uS)
        let high = measured >= rules.gMax_uS - railTolerance(at: rules.gMax_uS)
        return (low || high) && abs(measured - target) > railDistance_uS
    }

    /// A new target for a device compiled to `target`: inside the device range, and never inside a
    /// rail band far from `target`, where a later read-back would take the device for stuck (so a
    /// touch-up executed exactly stays done). Nil when that moves `x` and `allowMove` is false.
    func newTarget(_ x: Double, compiled target: Double, allowMove: Bool) -> Double? {
        let tol = rules.forceTolerance_uS
        var v = min(max(x, rules.gMin_uS), rules.gMax_uS)
        if looksStuck(measured: v, target: target) {
            v = v < (rules.gMin_uS + rules.gMax_uS) / 2
                ? rules.gMin_uS + railTolerance(at: rules.gMin_uS) * 1.01
                : rules.gMax_uS - railTolerance(at: rules.gMax_uS) * 1.01
        }
        return abs(v - x) <= tol || allowMove ? v : nil
    }

    /// The window of a target as the plan's records give it (targets travel as float32), widened by
    /// the rules' force tolerance (1e-6 of g_max): a forced target a rounding error above g_min has
    /// the window [0, g_min], which a device reading exactly that target would otherwise miss.
    @inline(__always) func inWindow(_ measured: Double, of target: Double) -> Bool {
        let b = rules.acceptanceBounds_uS(target_uS: Double(Float(target)))
        return measured >= b.lowerBound - rules.forceTolerance_uS && measured <= b.upperBound + rules.forceTolerance_uS
    }

    /// The weight's tolerance in µS: the error that devices all inside their windows can leave.
    func tolerance(_ devices: [DeviceReading]) -> Double {
        zip(coefficients, devices).reduce(0) { $0 + abs($1.0) * rules.window.halfWidth_uS(target_uS: $1.1.target_uS) }
    }

    func weight(_ values: [Double]) -> Double { zip(coefficients, values).reduce(0) { $0 + $1.0 * $1.1 } }

    func decide(_ devices: [DeviceReading]) -> WeightDecision {
        switch layout {
        case .perDevice: return score(devices, devices.map { $0.failed ? $0.measured_uS : $0.target_uS }, exact: true)
        case .pair: return best(pairOptions(devices, 0, 1, difference: devices[0].target_uS - devices[1].target_uS, base: nil), devices)
        case .dual: return decideDual(devices)
        }
    }

    // MARK: candidates

    /// Candidate targets of the pair (p, n) for the difference `difference` = G⁺ − G⁻ (µS): the base
    /// targets (compiled, or `base`), or one device kept at its read-back and the other moved.
    private func pairOptions(_ d: [DeviceReading], _ p: Int, _ n: Int, difference: Double, base: (Double, Double)?) -> [[Double]?] {
        let (bp, bn) = base.map { (newTarget($0.0, compiled: d[p].target_uS, allowMove: true)!, newTarget($0.1, compiled: d[n].target_uS, allowMove: true)!) }
            ?? (d[p].target_uS, d[n].target_uS)
        var compiled = d.map(\.measured_uS)
        compiled[p] = d[p].failed ? d[p].measured_uS : bp
        compiled[n] = d[n].failed ? d[n].measured_uS : bn
        func anchored(_ keep: Int, _ move: Int, _ value: Double) -> [Double]? {
            guard !d[move].failed else { return nil }
            guard let v = newTarget(value, compiled: d[move].target_uS, allowMove: d[keep].failed) else { return nil }
            var t = compiled
            t[keep] = d[keep].measured_uS
            t[move] = v
            return t
        }
        return [compiled, anchored(p, n, d[p].measured_uS - difference), anchored(n, p, d[n].measured_uS + difference)]
    }

    private func decideDual(_ d: [DeviceReading]) -> WeightDecision {
        let w = weight(d.map(\.target_uS))
        let f = coefficients[0]
        var msp = pairOptions(d, 0, 1, difference: d[0].target_uS - d[1].target_uS, base: nil)
        // Keep the MSP as measured and let the LSP absorb its error (listed first: preferred on ties).
        msp.insert(d.map(\.measured_uS), at: 0)
        var candidates = [[Double]?]()
        for option in msp.compactMap({ $0 }) {
            // The MSP after the touch-up: new targets where a device is programmed, else its read-back.
            let mspScore = score(Array(d[0..<2]), Array(option[0..<2]), exact: true)
            let mspAfter = mspScore.expected(Array(d[0..<2]))
            let residual = w - f * (mspAfter[0] - mspAfter[1])
            let base = (rules.gMin_uS + max(residual, 0), rules.gMin_uS + max(-residual, 0))
            for lsp in pairOptions(d, 2, 3, difference: residual, base: base) {
                guard let lsp else { continue }
                candidates.append([option[0], option[1], lsp[2], lsp[3]])
            }
        }
        return best(candidates, d)
    }

    private func best(_ candidates: [[Double]?], _ d: [DeviceReading]) -> WeightDecision {
        var chosen: WeightDecision?
        for c in candidates {
            guard let c else { continue }
            let s = score(d, c, exact: false)
            if chosen == nil || s.cost < chosen!.cost { chosen = s }
        }
        return chosen!
    }

    /// Programs every working device that reads outside the window of `desired`; the cost counts
    /// them (RESETs of PCM at 1.5) and, unless `exact`, adds 1000 + the remaining error for a weight
    /// left outside its tolerance.
    private func score(_ d: [DeviceReading], _ desired: [Double], exact: Bool) -> WeightDecision {
        var programmed = [Bool](repeating: false, count: d.count)
        var cost = 0.0
        var desired = desired
        for i in d.indices {
            desired[i] = Double(Float(desired[i]))
            if d[i].failed { desired[i] = d[i].measured_uS; continue }
            if !inWindow(d[i].measured_uS, of: desired[i]) {
                programmed[i] = true
                cost += (technology == .pcm && desired[i] < d[i].measured_uS) ? 1.5 : 1
            }
        }
        var decision = WeightDecision(desired_uS: desired, programmed: programmed, cost: cost)
        if !exact {
            let error = abs(weight(decision.expected(d)) - weight(d.map(\.target_uS)))
            if error > tolerance(d) + 1e-9 { decision.cost += 1000 + error }
        }
        return decision
    }
}

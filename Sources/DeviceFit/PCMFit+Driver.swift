import DeviceSimulation
import Devices
import Foundation

extension PCMFit {
    /// Runs the whole PCM fit: summaries, stuck devices, g_max, σ_prog degree, constants with
    /// bootstrap errors, the spec and the goodness of fit.
    func run() throws(FitError) -> FitResult {
        let file = data.file
        guard data.timeRange_s.lowerBound >= t0_s * (1 - 1e-9) else {
            throw FitError(file: file, message: "holds reads at time_s \(formatNumber(data.timeRange_s.lowerBound)), before t0 = \(formatNumber(t0_s)) s (the reference read); give the reference read's time as t0")
        }
        var devices = summarise()
        let bins = TargetBins(targets: data.targets_uS, include: { _ in true })
        let stuck = StuckDetection(first: devices.map(\.reference_uS), targets: data.targets_uS, bins: bins,
                                   rails: (options.base.gMin_uS, options.gMax_uS ?? options.base.gMax_uS))
        for i in devices.indices { devices[i].stuck = stuck.state[i] }
        let all = Array(devices.indices)
        let top = data.targets_uS.max() ?? 0
        let gMax = options.gMax_uS ?? PCMFit.gMax(devices, members: all.filter { devices[$0].stuck == 0 }, top: top)
        guard gMax.isFinite, gMax > 0 else {
            throw FitError(file: file, message: "has no reference read (T = t0 = \(formatNumber(t0_s)) s) at the top target \(formatNumber(top)) µS to estimate g_max from; give g_max")
        }
        // Quantised reads: Sheppard's correction holds while σ_read spans several steps, so devices
        // below 20 steps are left out of the read-noise fit.
        let minimumForReadNoise = 20 * (data.readStep_uS ?? 0)
        var context = PCMEstimate.Context(devices: devices, bins: bins, gMax_uS: gMax, degree: 0, base: base, t0_s: t0_s,
                                          referenceTimeFactor: timeFactor(t0_s), stuck: stuck,
                                          readNoiseBins: TargetBins(logOf: devices.map { $0.programmed_uS ?? 0 }, width: 0.05, include: { i in
                                              devices[i].stuck == 0 && devices[i].q2Dof > 0 && (devices[i].programmed_uS ?? 0) > minimumForReadNoise
                                                  && devices[i].target_uS / gMax >= PCMFit.minimumX
                                          }))
        context.degree = PCMFit.selectDegree(context)
        let estimate = PCMEstimate(context, members: all)
        guard !estimate.sigmaCoefficients.isEmpty else {
            throw FitError(file: file, message: "has too few reference reads (T = t0 = \(formatNumber(t0_s)) s) per target to fit σ_prog: need 10 devices in each of at least \(context.degree + 1) targets")
        }
        let frozen = context
        let fixedGMax = options.gMax_uS != nil
        let errors = Bootstrap.standardErrors(population: all, replicates: options.bootstrapReplicates, seed: options.seed,
                                              threads: options.threads) { sample in
            let e = PCMEstimate(frozen, members: sample)
            let g = fixedGMax ? Double.nan : PCMFit.gMax(frozen.devices, members: sample.filter { frozen.devices[$0].stuck == 0 }, top: top)
            return e.vector(degree: frozen.degree) + [g]
        }
        func se(_ i: Int) -> Double? { i < errors.count ? errors[i] : nil }

        var model = base
        var constants = [FittedConstant]()
        var notes = [String]()
        constants.append(FittedConstant(name: "g_max_uS", value: gMax, standardError: fixedGMax ? nil : se(errors.count - 1),
                                        fitted: !fixedGMax, unit: "µS"))
        constants.append(FittedConstant(name: "model.t0_s", value: t0_s, standardError: nil, fitted: false, unit: "s"))
        model.t0_s = t0_s
        model.programNoiseCoefficients_uS = estimate.sigmaCoefficients
        model.programNoiseGMaxReference_uS = gMax
        for (k, c) in estimate.sigmaCoefficients.enumerated() {
            constants.append(FittedConstant(name: "model.prog_noise_coefficients_uS[\(k)]", value: c, standardError: se(k), fitted: true, unit: "µS"))
        }
        var index = context.degree + 1
        let lnX = bins.center_uS.map { log(max($0 / gMax, base.driftXFloor)) }.filter { $0 >= log(PCMFit.minimumX) }
        let uRange = (lnX.min() ?? 0)...(lnX.max() ?? 0)
        for (name, fit, baseForm) in [("drift_nu_mean", estimate.driftMean, base.driftMean), ("drift_nu_std", estimate.driftStd, base.driftStd)] {
            let (form, leftFitted, rightFitted) = PCMFit.clampedForm(fit, base: baseForm, u: uRange)
            if name == "drift_nu_mean" { model.driftMean = form } else { model.driftStd = form }
            let fitted = fit != nil
            let lowIsLeft = (fit?.slope ?? 0) > 0
            constants.append(FittedConstant(name: "model.\(name).slope", value: form.slope, standardError: fitted ? se(index) : nil, fitted: fitted, unit: "1"))
            constants.append(FittedConstant(name: "model.\(name).intercept", value: form.intercept, standardError: fitted ? se(index + 1) : nil, fitted: fitted, unit: "1"))
            let minFitted = fitted && (lowIsLeft ? leftFitted : rightFitted), maxFitted = fitted && (lowIsLeft ? rightFitted : leftFitted)
            constants.append(FittedConstant(name: "model.\(name).min", value: form.min, standardError: minFitted ? se(index + 2) : nil, fitted: minFitted, unit: "1"))
            constants.append(FittedConstant(name: "model.\(name).max", value: form.max, standardError: maxFitted ? se(index + 3) : nil, fitted: maxFitted, unit: "1"))
            if !fitted { notes.append("\(name): too few devices with positive reads at two or more times; kept the base spec's") }
            else if !minFitted || !maxFitted { notes.append("\(name): the data do not reach its \(!minFitted ? "lower" : "upper") clamp; that bound is the base spec's or the fitted line's value at the data's edge") }
            index += 4
        }
        model.readNoise = estimate.readNoise
        let qFitted = estimate.readNoiseFitted
        let qCapFitted = qFitted && estimate.qFit?.leftIdentified == true
        constants.append(FittedConstant(name: "model.read_noise.q_coefficient", value: model.readNoise.qCoefficient, standardError: qFitted ? se(index) : nil, fitted: qFitted, unit: "1"))
        constants.append(FittedConstant(name: "model.read_noise.q_exponent", value: model.readNoise.qExponent, standardError: qFitted ? se(index + 1) : nil, fitted: qFitted, unit: "1"))
        constants.append(FittedConstant(name: "model.read_noise.q_max", value: model.readNoise.qMax, standardError: qCapFitted ? se(index + 2) : nil, fitted: qCapFitted, unit: "1"))
        if !qFitted { notes.append("read noise: no repeated reads at one time above x = \(PCMFit.minimumX); kept the base spec's Q_s") }
        index += 3
        constants.append(FittedConstant(name: "stuck.at_g_min_probability", value: estimate.stuckLow, standardError: se(index), fitted: true, unit: "1"))
        constants.append(FittedConstant(name: "stuck.at_g_max_probability", value: estimate.stuckHigh, standardError: se(index + 1), fitted: true, unit: "1"))

        var spec = options.base
        spec.gMax_uS = gMax
        spec.model = base == PCMModel.nandakumar || spec.model.kind == "pcm" ? .pcm(model) : .pcmHermes(model)
        spec.stuck = StuckRates(atGMin_probability: estimate.stuckLow, atGMax_probability: estimate.stuckHigh)

        let final = model
        let goodness = GoodnessOfFit.cells(data, bins: bins, stuck: { devices[$0].stuck != 0 }, seed: options.seed) { target, T, reads, s in
            let x = target / gMax
            let g0 = max(target + final.programSigma_uS(x: x, gMax_uS: gMax) * s.normal(), 0)
            let nu = abs(final.driftExponentMean(x: x) + final.driftExponentStd(x: x) * s.normal())
            let g = g0 * pow(T / t0_s, -nu)
            let sigma = g * final.readNoiseQ(x: g0 / gMax) * timeFactor(T) / Double(reads).squareRoot()
            return max(g + sigma * s.normal(), 0)
        }
        let low = devices.filter { $0.stuck < 0 }.count, high = devices.filter { $0.stuck > 0 }.count
        return FitResult(spec: spec, constants: constants, evidence: estimate.evidence, goodness: goodness,
                         devices: data.deviceCount, stuckLow: low, stuckHigh: high, notes: notes)
    }

    /// The σ_prog polynomial degree (0–3) with the highest held-out likelihood: fitted on the devices
    /// of even index, scored on the odd ones, and the other way round.
    static func selectDegree(_ c: PCMEstimate.Context) -> Int {
        let folds = [c.devices.indices.filter { $0 % 2 == 0 }, c.devices.indices.filter { $0 % 2 == 1 }]
        let q = c.base.readNoise
        var best = (degree: 0, score: -Double.infinity)
        for degree in 0...3 {
            var score = 0.0, valid = true
            for (train, test) in [(folds[0], folds[1]), (folds[1], folds[0])] {
                var ctx = c
                ctx.degree = degree
                let e = PCMEstimate(ctx, members: train)
                guard e.sigmaCoefficients.count == degree + 1, e.evidence.programSigma.count > degree + 1 else { valid = false; break }
                let qn = e.readNoiseFitted ? e.readNoise : q
                let byBin = c.bins.members(test)
                for m in byBin {
                    guard PCMEstimate.binSigma(ctx, m, { qn.q(x: $0 / c.gMax_uS) }) != nil else { continue }
                    for i in m where c.devices[i].stuck == 0 {
                        guard let r = c.devices[i].reference_uS else { continue }
                        let x = c.devices[i].target_uS / c.gMax_uS
                        let s = max(Regression.evaluatePolynomial(e.sigmaCoefficients, at: x), 1e-3)
                        let noise = r * qn.q(x: (c.devices[i].programmed_uS ?? r) / c.gMax_uS) * c.referenceTimeFactor
                        let v = s * s + noise * noise / Double(c.devices[i].referenceReads)
                        let d = r - c.devices[i].target_uS
                        score += -0.5 * log(v) - d * d / (2 * v)
                    }
                }
            }
            if valid && score > best.score { best = (degree, score) }
        }
        return best.degree
    }

    /// The spec's clamped-log form from a clamped-line fit over u = ln x in `u`: a plateau the data
    /// never reach keeps the base spec's bound when that bound lies beyond the line's value at the
    /// data's edge, else takes that value, so the fitted line is never cut inside the data.
    static func clampedForm(_ fit: ClampedLineFit?, base: ClampedLogLinear, u: ClosedRange<Double>) -> (ClampedLogLinear, Bool, Bool) {
        guard let f = fit else { return (base, false, false) }
        let atLeft = f.slope * u.lowerBound + f.intercept, atRight = f.slope * u.upperBound + f.intercept
        var left = f.left, right = f.right
        if !f.leftIdentified { left = f.slope > 0 ? min(base.min, atLeft) : max(base.max, atLeft) }
        if !f.rightIdentified { right = f.slope > 0 ? max(base.max, atRight) : min(base.min, atRight) }
        let lo = max(min(left, right), 0), hi = max(max(left, right), lo)
        return (ClampedLogLinear(slope: f.slope, intercept: f.intercept, min: lo, max: hi), f.leftIdentified, f.rightIdentified)
    }
}

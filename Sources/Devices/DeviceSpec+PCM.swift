import Foundation

/// Parameters of the PCM statistical model (devices.md §1). Conductances are normalised as
/// `x = g / g_max`; the functions here are the model's formulas, which the verifier samples and the
/// tests check against the published golden values.
public struct PCMModel: Sendable, Hashable, Codable {
    /// σ_prog(x) polynomial coefficients in µS, ascending powers of x, valid at `programNoiseGMaxReference_uS`.
    public var programNoiseCoefficients_uS: [Double]
    /// The g_max the σ_prog coefficients were fitted at; σ_prog scales by g_max / this.
    public var programNoiseGMaxReference_uS: Double
    /// μ_ν(x): mean drift exponent.
    public var driftMean: ClampedLogLinear
    /// σ_ν(x): device-to-device spread of the drift exponent.
    public var driftStd: ClampedLogLinear
    /// x is floored here before ln x, so a RESET device (x = 0) gets finite drift statistics.
    public var driftXFloor: Double
    /// Time of the reference read after programming: drift and read noise count from here.
    public var t0_s: Double
    public var readNoise: PCMReadNoise

    public init(programNoiseCoefficients_uS: [Double], programNoiseGMaxReference_uS: Double,
                driftMean: ClampedLogLinear, driftStd: ClampedLogLinear, driftXFloor: Double,
                t0_s: Double, readNoise: PCMReadNoise) {
        self.programNoiseCoefficients_uS = programNoiseCoefficients_uS
        self.programNoiseGMaxReference_uS = programNoiseGMaxReference_uS
        self.driftMean = driftMean
        self.driftStd = driftStd
        self.driftXFloor = driftXFloor
        self.t0_s = t0_s
        self.readNoise = readNoise
    }

    enum CodingKeys: String, CodingKey {
        case programNoiseCoefficients_uS = "prog_noise_coefficients_uS"
        case programNoiseGMaxReference_uS = "prog_noise_g_max_ref_uS"
        case driftMean = "drift_nu_mean"
        case driftStd = "drift_nu_std"
        case driftXFloor = "drift_x_floor"
        case t0_s = "t0_s"
        case readNoise = "read_noise"
    }

    /// Programming error σ_prog at normalised target x, in µS for a device range of `gMax_uS`:
    /// `max(Σ c_k x^k, 0) · g_max / g_max_ref`. Drawn once per device per programming event as
    /// `g_prog = g_T + σ_prog · N(0,1)`, clamped at ≥ 0.
    public func programSigma_uS(x: Double, gMax_uS: Double) -> Double {
        var p = 0.0
        for c in programNoiseCoefficients_uS.reversed() { p = p * x + c }
        return max(p, 0) * gMax_uS / programNoiseGMaxReference_uS
    }

    /// μ_ν at normalised target x (x floored at `driftXFloor`).
    public func driftExponentMean(x: Double) -> Double { driftMean(max(x, driftXFloor)) }

    /// σ_ν at normalised target x (x floored at `driftXFloor`); ν = |μ_ν + σ_ν N(0,1)|.
    public func driftExponentStd(x: Double) -> Double { driftStd(max(x, driftXFloor)) }

    /// `((t + t0) / t0)^(−ν)`: t is the time since programming the user asks about, so t = 0 is the
    /// reference read at t0 with no drift yet.
    public func driftFactor(t_s: Double, nu: Double) -> Double {
        pow((t_s + t0_s) / t0_s, -nu)
    }

    /// Relative 1/f read-noise amplitude Q_s(x) for a device programmed to normalised conductance x.
    public func readNoiseQ(x: Double) -> Double { readNoise.q(x: x) }

    /// `sqrt(ln((t_eff + t_read) / (2 t_read)))` with `t_eff = t + t0`: 1/f noise accumulated since programming.
    public func readNoiseTimeFactor(t_s: Double) -> Double {
        let tRead = readNoise.tRead_s
        return (log((t_s + t0_s + tRead) / (2 * tRead))).squareRoot()
    }

    /// σ_read(t) = g(t) · Q_s(x) · time factor, in µS, for a device reading `g_uS` at time t.
    public func readNoiseSigma_uS(g_uS: Double, x: Double, t_s: Double) -> Double {
        g_uS * readNoiseQ(x: x) * readNoiseTimeFactor(t_s: t_s)
    }
}

/// Q_s(x) = min(coefficient / max(x^exponent, powerFloor), max): the 1/f amplitude is relatively
/// larger at low conductance; the floor and cap keep it finite for RESET devices.
public struct PCMReadNoise: Sendable, Hashable, Codable {
    public var qCoefficient: Double
    public var qExponent: Double
    public var qPowerFloor: Double
    public var qMax: Double
    /// Duration of one read: the lower cut-off of the 1/f integral.
    public var tRead_s: Double

    public init(qCoefficient: Double, qExponent: Double, qPowerFloor: Double, qMax: Double, tRead_s: Double) {
        self.qCoefficient = qCoefficient
        self.qExponent = qExponent
        self.qPowerFloor = qPowerFloor
        self.qMax = qMax
        self.tRead_s = tRead_s
    }

    enum CodingKeys: String, CodingKey {
        case qCoefficient = "q_coefficient"
        case qExponent = "q_exponent"
        case qPowerFloor = "q_power_floor"
        case qMax = "q_max"
        case tRead_s = "t_read_s"
    }

    public func q(x: Double) -> Double {
        min(qCoefficient / max(pow(max(x, 0), qExponent), qPowerFloor), qMax)
    }
}

import Foundation

// Compiled-in device specs. Every constant cites devices.md (../shared/reference/devices.md) and the
// paper behind it; **[check]** marks a value devices.md does not confirm, kept as data to change.

extension DeviceSpec {
    /// All presets in the order `imprint devices` lists them.
    public static let presets: [DeviceSpec] = [.pcm, .pcmHermes, .rram, .rramHfOx]

    public static var presetNames: [String] { presets.map(\.name) }

    /// PCM as modelled by Nandakumar et al. (ICECS 2019) and used by Joshi et al. (Nat. Commun. 2020).
    public static let pcm = DeviceSpec(
        name: "pcm",
        technology: .pcm,
        source: "Nandakumar et al., ICECS 2019; Joshi et al., Nat. Commun. 11, 2473 (2020) — devices.md §1",
        gMin_uS: 0,                       // §1: the unused device of a pair is RESET, target 0
        gMax_uS: 25,                      // §1: g_max = 25 µS
        devicesPerConductance: 1,         // §1: one device per sign
        acceptance: .absolute(halfWidth_uS: 0.5), // [check] devices.md gives no PCM verify tolerance
        programVerify: ProgramVerify(
            algorithm: .pcmIterative,     // §1: "iterative program-and-verify"
            set: VoltageRamp(start_V: 0.8, step_V: 0.05, stop_V: 1.6),   // [check] no PCM schedule in devices.md
            reset: VoltageRamp(start_V: 2.0, step_V: 0.1, stop_V: 3.0),  // [check] no PCM schedule in devices.md
            gate: GateVoltages(set_V: 1.2, reset_V: 1.8),                // [check] no PCM schedule in devices.md
            pulseWidth_s: 100e-9,         // [check] typical partial-SET width, not from devices.md
            readBias_V: 0.2,              // [check] §2 typical verify read, assumed for PCM
            readsAveraged: 1,             // [check]
            readsDiscarded: 0,            // [check]
            readTime_s: 250e-9,           // §1: t_read 250 ns [check] the read-noise model's read duration; settling not included
            maxIterations: 20,            // [check]
            maxPulsesAtCeiling: 5,        // [check]
            belowGMin: .fullReset,        // §1: the other device is RESET (target 0)
            secondPass: false),
        model: .pcm(.nandakumar),
        stuck: .none)                     // §1 model has no stuck devices; keeps peer comparisons exact

    /// The HERMES-chip PCM fit (Le Gallo et al., Nat. Electron. 2023, as fitted in a peer tool).
    public static let pcmHermes: DeviceSpec = {
        var spec = DeviceSpec.pcm
        spec.name = "pcm-hermes"
        spec.source = "Le Gallo et al., Nat. Electron. 6, 680 (2023), HERMES fit of a peer tool — devices.md §1"
        spec.gMax_uS = 20.7               // §1: 20.7 µS with 2 devices per sign (10.35 with 1)
        spec.devicesPerConductance = 2    // §1
        spec.model = .pcmHermes(PCMModel(
            programNoiseCoefficients_uS: [0.166, 4.718, -8.481, 4.690], // §1: cubic σ_prog
            programNoiseGMaxReference_uS: 20.7, // [check] assumed fitted at the HERMES g_max
            driftMean: PCMModel.nandakumar.driftMean,   // [check] devices.md gives no HERMES drift fit
            driftStd: PCMModel.nandakumar.driftStd,     // [check] as above
            driftXFloor: 1e-7,            // §1: x floored at 1e-7
            t0_s: 300,                    // §1: t0 300 s with 2 devices (200 s with 1)
            readNoise: PCMReadNoise(
                qCoefficient: 0.0088, qExponent: 0.65, qPowerFloor: 1e-3, qMax: 0.2, // [check] Nandakumar Q_s reused
                tRead_s: 512e-9)))        // §1: t_read 512 ns
        spec.programVerify.readTime_s = 512e-9 // §1: t_read 512 ns [check] the read-noise model's read duration; settling not included
        return spec
    }()

    /// NeuRRAM-like RRAM (Wan et al., Nature 608, 504 (2022), public test code).
    public static let rram = DeviceSpec(
        name: "rram",
        technology: .rram,
        source: "Wan et al., Nature 608, 504 (2022) and its public test code — devices.md §2",
        gMin_uS: 1,                       // §2 NeuRRAM: g_min = 1 µS
        gMax_uS: 40,                      // §2 NeuRRAM: g_max = 40 µS
        devicesPerConductance: 1,         // §2: sign-differential pairs in adjacent rows, one device each
        acceptance: .absolute(halfWidth_uS: 1), // §2: tolerance ±1 µS
        programVerify: ProgramVerify(
            algorithm: .bipolarIncremental,                              // §2: bipolar incremental write-verify
            set: VoltageRamp(start_V: 1.2, step_V: 0.1, stop_V: 4.0),    // §2: SET BL 1.2 → 4.0 V, 0.1 V steps
            reset: VoltageRamp(start_V: 1.2, step_V: 0.1, stop_V: 4.0),  // §2: RESET SL from 1.2 V, 0.1 V steps; stop [check] not given
            gate: GateVoltages(set_V: 3.0, reset_V: 5.0),                // §2: WL 3.0 V (SET), 5.0 V (RESET)
            pulseWidth_s: 1e-6,           // §2: pulse width 1 µs
            readBias_V: 0.2,              // §2: read bias 0.2 V
            readsAveraged: 8,             // §2: mean of 8 reads [check] whether the 3 discarded are among the 8
            readsDiscarded: 3,            // §2: first 3 discarded
            readTime_s: 1e-6,             // [check] devices.md gives no NeuRRAM read time; §2's HfOx t_read = 1 µs
            maxIterations: 50,            // §2: at most 50 iterations
            maxPulsesAtCeiling: 30,       // §2: 30 pulses at the ceiling voltage
            belowGMin: .resetUntilBelow,  // §2: targets below g_min: RESET until G ≤ g_min
            secondPass: false),           // §2: second pass optional; off unless asked for
        model: .rram(RRAMModel(
            pulse: .neurram,
            programmingSpread: .table([   // the 1 s spreads of §2: programming output means "at ~1 s" (fast relaxation included)
                SpreadPoint(g_uS: 10, sigma_uS: 2.3),   // §2: σ ≈ 2.3 µS at 10 µS, 1 s
                SpreadPoint(g_uS: 40, sigma_uS: 1.1),   // §2: σ ≈ 1.1 µS at 40 µS, 1 s
            ]),
            relaxation: .spreadTable(anchors: [
                RelaxationAnchor(g_uS: 10, t1_s: 1, sigmaAtT1_uS: 2.3, t2_s: 86400, sigmaAtT2_uS: 3.7), // §2
                RelaxationAnchor(g_uS: 40, t1_s: 1, sigmaAtT1_uS: 1.1, t2_s: 86400, sigmaAtT2_uS: 2.7), // §2
            ], meanShiftPerLn_uS: 0,      // [check] devices.md gives no NeuRRAM mean shift
               spreadIsTotal: true),      // §2: spreads of G around target, programming error included
            readNoise: .fractionOfGMax(fraction: 0.0175))), // [check] §4 short-term read noise ≈ 1.75 % of w_max
        stuck: .matureArray)

    /// HfOx / CMO ReRAM (Falcone et al. 2025 as fitted in a peer tool), one device per weight.
    public static let rramHfOx = DeviceSpec(
        name: "rram-hfox",
        technology: .rram,
        source: "Falcone et al. 2025 (HfOx/CMO ReRAM) as fitted in a peer tool — devices.md §2",
        gMin_uS: 8,                       // §2: 8–90 µS
        gMax_uS: 90,                      // §2: 8–90 µS
        devicesPerConductance: 1,         // §2: single device per weight
        acceptance: .relative(halfWidth_percent: 2, floor_uS: nil), // §2: 2 % band [check] half-width vs full band
        programVerify: ProgramVerify(
            algorithm: .ispva,            // [check] devices.md names no algorithm for this device
            set: VoltageRamp(start_V: 1.0, step_V: 0.02, stop_V: 3.0),   // [check] §2 typical steps 0.01–0.1 V; 0.02 V keeps a pulse's step near the 2 % band
            reset: VoltageRamp(start_V: 1.0, step_V: 0.05, stop_V: 3.0), // [check] unused by ISPVA (overshoot is one full RESET)
            gate: GateVoltages(set_V: 1.75, reset_V: 3.0),               // [check] compliance ceiling 150 µS, above g_max 90 µS
            pulseWidth_s: 1e-6,           // [check] §2 typical 1–10 µs
            readBias_V: 0.2,              // §2 typical verify read ≈ 0.2 V
            readsAveraged: 4,             // [check] §2: average several reads
            readsDiscarded: 0,            // [check]
            readTime_s: 1e-6,             // §2: t_read = 1 µs [check] the read-noise model's read duration; settling not included
            maxIterations: 400,           // [check] room for ~5 overshoot restarts of a ≤ 80-pulse ramp
            maxPulsesAtCeiling: 30,       // [check]
            belowGMin: .programToGMin,    // single device: zero weights sit inside the range
            secondPass: false),
        model: .rram(RRAMModel(
            pulse: .falconeHfOx,
            programmingSpread: .linear(slope: 0.01129, intercept_uS: 0.01122, min_uS: 0), // §2: 2 % band fit
            relaxation: .logTime(meanShiftPerLn_uS: -0.089, spreadAt1s_uS: 0.412, spreadPerLn_uS: 0.042), // §2
            readNoise: .log10Flicker(coefficient_uS: 0.0277, tRead_s: 1e-6))), // §2: 0.0277 log10(g), t_read 1 µs
        stuck: .matureArray)
}

extension PCMModel {
    /// Nandakumar et al. ICECS 2019 (devices.md §1).
    public static let nandakumar = PCMModel(
        // §1: σ_prog = −1.1731x² + 1.9650x + 0.2635. The constant is 0.26348 as in the peer tool's fit:
        // devices.md prints it rounded, and only 0.26348 reproduces all six §1 golden values (x = 0.1 → 0.4482).
        programNoiseCoefficients_uS: [0.26348, 1.9650, -1.1731],
        programNoiseGMaxReference_uS: 25, // §1: scaled by g_max/25
        driftMean: ClampedLogLinear(slope: -0.0155, intercept: 0.0244, min: 0.049, max: 0.1), // §1: μ_ν
        driftStd: ClampedLogLinear(slope: -0.0125, intercept: -0.0059, min: 0.008, max: 0.045), // §1: σ_ν
        driftXFloor: 1e-7,                // §1: x floored at 1e-7
        t0_s: 20,                         // §1: t0 = 20 s (one peer uses 27.36 s)
        readNoise: PCMReadNoise(
            qCoefficient: 0.0088,         // §1: Q_s = min(0.0088 / x^0.65, 0.2)
            qExponent: 0.65,              // §1
            qPowerFloor: 1e-3,            // §1: x^0.65 floored at 1e-3
            qMax: 0.2,                    // §1
            tRead_s: 250e-9))             // §1: t_read = 250 ns
}

extension RRAMPulseModel {
    /// A 1–40 µS device under the NeuRRAM schedule. The pulse mechanics are **[check]** guesses (SET
    /// 1.2–4.0 V at WL 3.0 V reaches 40 µS in 10–20 pulses, every device verifies within ±1 µS); the
    /// fast relaxation is fitted so pulse-level program-verify gives the 1 s spreads of devices.md §2
    /// (σ 2.3 µS at 10 µS, 1.1 µS at 40 µS): `RRAMPulseFit.fitFastRelaxation`, 50,000 devices per
    /// anchor, seed 2022, 5 iterations (`IMPRINT_FIT=1 swift test --filter FitRun`).
    public static let neurram = RRAMPulseModel(
        fitted: true,
        setThreshold_V: 1.0, setVoltageScale_V: 0.8, setRate_uS: 1.0, setStateExponent: 1.0,
        resetThreshold_V: 1.0, resetVoltageScale_V: 0.8, resetRate_uS: 1.5, resetStateExponent: 1.0,
        gateThreshold_V: 0.7, compliance_uS_per_V: 25, saturation_uS: 60, floor_uS: 0.5,
        cycleToCycleLogSigma: 0.5, stepSigma_uS: 0.3, deviceToDeviceLogSigma: 0.3,
        verifyReadSigma_uS: 0.5,
        fastRelaxationIntercept_uS: 2.6549, fastRelaxationSlope: -0.044102) // fitted, see above

    /// An 8–90 µS HfOx/CMO device under ISPVA with a ±2 % band. The pulse mechanics are **[check]**
    /// guesses chosen so the loop's last SET step near a target is about the band's width (the ramp's
    /// step grows ~4 % per pulse, so the step stays proportional to G): devices land nearly uniformly
    /// in the band, which is what σ_prog = 0.01122 + 0.01129 g of devices.md §2 (≈ 0.02 g/√3) says;
    /// an overshoot (about 1 in 4 approaches) costs a full RESET and a new ramp; every device verifies,
    /// in 24–76 pulses on average (8 → 90 µS). The fast relaxation fills the small remainder (loop σ
    /// 0.90–0.98 of the line; σ_fast 0.04 µS at 8 µS, 0.34 µS at 80 µS): fitted with
    /// `RRAMPulseFit.fitFastRelaxation` through 8 and 80 µS, 50,000 devices per anchor, seed 2025,
    /// 5 iterations (`IMPRINT_FIT=1 swift test --filter FitRun`); 20–50 µS come out 4 % high.
    public static let falconeHfOx = RRAMPulseModel(
        fitted: true,
        setThreshold_V: 0.8,              // [check] SET onset below the 1.0 V ramp start
        setVoltageScale_V: 0.5,           // [check] with 0.02 V ramp steps: step ×1.04 per pulse
        setRate_uS: 0.3,                  // [check] first step ≈ 0.09 µS, below the 0.32 µS band at 8 µS
        setStateExponent: 0.5,            // [check] mild slowing toward the compliance ceiling
        resetThreshold_V: 0.8, resetVoltageScale_V: 0.6, resetRate_uS: 3.0, resetStateExponent: 1.0, // [check] unused by ISPVA
        gateThreshold_V: 0.5,             // [check]
        compliance_uS_per_V: 120,         // [check] gate 1.75 V → ceiling 150 µS
        saturation_uS: 150,               // [check] above the §2 range 8–90 µS
        floor_uS: 4,                      // [check] HRS below the §2 g_min 8 µS
        cycleToCycleLogSigma: 0.15,       // [check]
        stepSigma_uS: 0.02,               // [check] small against the 0.32 µS band at 8 µS
        deviceToDeviceLogSigma: 0.15,     // [check]
        verifyReadSigma_uS: 0.05,         // [check] §2 read noise vanishes at t ≈ t_read; a small floor
        fastRelaxationIntercept_uS: 0.0065827, fastRelaxationSlope: 0.0041348) // fitted, see above
}

import Foundation

/// The device-spec schema. `formats/device.schema.json` is this tree rendered
/// (`imprint devices --schema > formats/device.schema.json`); a test keeps the two equal and another
/// checks every field here is one `DeviceSpec` encodes, and vice versa.
public enum DeviceSchema {
    public static let schemaURI = "https://json-schema.org/draft/2020-12/schema"

    /// The schema as the JSON text of `formats/device.schema.json`.
    public static var jsonText: String {
        guard case .object(let body) = spec.jsonSchema() else { return "" }
        let head: [(String, OrderedJSON)] = [
            ("$schema", .string(schemaURI)),
            ("$id", .string("device.schema.json")),
            ("title", .string("Imprint device specification")),
        ]
        return OrderedJSON.object(head + body).render() + "\n"
    }

    public static let spec = obj("One device technology: range, acceptance window, program-verify schedule and the verifier's statistical model. Conductances in µS are per conductance (the sum of its devices), voltages in V, times in s.", [
        req("name", str("Short identifier, used on the command line and in plans.")),
        req("technology", choice(Technology.allCases.map(\.rawValue), "Device technology.")),
        req("source", str("Free-text citation of where the numbers come from.")),
        req("g_min_uS", num("Lowest target conductance in µS; lower targets follow program_verify.below_g_min.", min: 0)),
        req("g_max_uS", num("Highest target conductance in µS; the largest |weight| maps here.", gt: 0)),
        req("devices_per_conductance", int("Devices in parallel forming one conductance.", min: 1)),
        req("acceptance", tagged("When a verify read counts as programmed.", [
            variant("absolute", "Accept |G − target| ≤ half_width_uS.", [
                req("half_width_uS", num("Half-width of the window in µS.", gt: 0)),
            ]),
            variant("relative", "Accept |G − target| ≤ max(half_width_percent % of target, floor_uS).", [
                req("half_width_percent", num("Half-width as a percentage of the target (%).", gt: 0, max: 100)),
                opt("floor_uS", num("Smallest half-width in µS, for targets near zero.", gt: 0)),
            ]),
        ])),
        req("program_verify", programVerify),
        opt("levels_uS", arr(num("One level in µS.", min: 0), minItems: 1,
                             "Discrete target levels of a multilevel device in µS, strictly ascending, within [g_min_uS, g_max_uS].")),
        req("model", tagged("Statistical model the verifier samples.", [
            variant("pcm", "PCM model of Nandakumar et al. 2019 / Joshi et al. 2020.", pcmProperties),
            variant("pcm-hermes", "PCM model fitted to the HERMES chip (Le Gallo et al. 2023); same parameters.", pcmProperties),
            variant("rram", "RRAM: pulse-level program-verify, statistical spread, relaxation, read noise.", rramProperties),
        ])),
        req("stuck", obj("Fractions of devices that ignore programming.", [
            req("at_g_min_probability", probability("Probability a device is stuck at g_min (stuck-OFF).")),
            req("at_g_max_probability", probability("Probability a device is stuck at g_max (stuck-ON).")),
            opt("at_random_probability", probability("Probability a device is stuck at a random conductance, uniform in [g_min, g_max].")),
        ])),
        opt("provenance", obj("Written by imprint fit: the characterisation data the numbers were fitted to.", [
            req("data_file", str("Name of the data file as given.")),
            req("data_sha256", str("SHA-256 of the data file, lowercase hex.")),
            req("devices", int("Devices in the data.", min: 1)),
            req("reads", int("Reads in the data.", min: 1)),
            req("time_min_s", num("Earliest read time in s.", min: 0)),
            req("time_max_s", num("Latest read time in s.", min: 0)),
            req("tool_version", str("Version of imprint that fitted the spec.")),
            req("seed", int("Seed of the bootstrap over devices.", min: 0)),
            req("bootstrap_replicates", int("Bootstrap replicates behind the standard errors.", min: 0)),
        ])),
    ])

    static func ramp(_ what: String) -> SchemaNode {
        obj("\(what) pulse amplitude: start_V, raised by step_V per iteration up to stop_V.", [
            req("start_V", num("First pulse amplitude in V.", gt: 0)),
            req("step_V", num("Amplitude increment per iteration in V.", gt: 0)),
            req("stop_V", num("Ceiling amplitude in V (≥ start_V).", gt: 0)),
        ])
    }

    static let programVerify = obj("Closed-loop programming schedule run per device by the tester.", [
        req("algorithm", choice(ProgramVerify.Algorithm.allCases.map(\.rawValue), "Program-verify algorithm.")),
        req("set", ramp("SET")),
        req("reset", ramp("RESET")),
        req("gate", obj("Access-transistor gate (word-line) voltages in V.", [
            req("set_V", num("Gate voltage during SET in V (IGVVA: the first).", gt: 0)),
            opt("set_step_V", num("IGVVA gate increment per iteration in V.", gt: 0)),
            opt("set_stop_V", num("IGVVA highest gate voltage in V.", gt: 0)),
            req("reset_V", num("Gate voltage during RESET in V.", gt: 0)),
        ])),
        req("pulse_width_s", num("Programming pulse width in s.", gt: 0)),
        req("read_bias_V", num("Verify read voltage in V.", gt: 0)),
        req("reads_averaged", int("Verify reads averaged into one value.", min: 1)),
        req("reads_discarded", int("Reads taken first and discarded.", min: 0)),
        opt("read_time_s", num("Duration of one verify read including settling in s; a verify costs reads_discarded + reads_averaged of them. Default 1e-6.", gt: 0)),
        req("max_iterations", int("Program-verify iterations before failure.", min: 1)),
        req("max_pulses_at_ceiling", int("Pulses allowed at the ceiling amplitude before failure.", min: 0)),
        req("below_g_min", choice(BelowGMinAction.allCases.map(\.rawValue), "Handling of targets below g_min_uS (the plan's force flag).")),
        req("second_pass", bool("Re-verify every cell and reprogram those that relaxed out of the window.")),
    ])

    static func logLinear(_ what: String) -> SchemaNode {
        obj("\(what) = clamp(slope · ln x + intercept, min, max), x = g / g_max.", [
            req("slope", num("Coefficient of ln x.")),
            req("intercept", num("Constant term.")),
            req("min", num("Lower clamp.", min: 0)),
            req("max", num("Upper clamp.", min: 0)),
        ])
    }

    static let pcmProperties: [SchemaProperty] = [
        req("prog_noise_coefficients_uS", arr(num("Coefficient in µS."), minItems: 1,
            "σ_prog(x) polynomial coefficients in µS, ascending powers of x = g / g_max.")),
        req("prog_noise_g_max_ref_uS", num("g_max in µS the σ_prog coefficients were fitted at; σ_prog scales by g_max_uS / this.", gt: 0)),
        req("drift_nu_mean", logLinear("Mean drift exponent μ_ν")),
        req("drift_nu_std", logLinear("Drift exponent spread σ_ν")),
        req("drift_x_floor", num("x is floored here before ln x (dimensionless).", gt: 0, lt: 1)),
        req("t0_s", num("Time of the reference read after programming in s.", gt: 0)),
        req("read_noise", obj("1/f read noise: σ = g · Q_s(x) · sqrt(ln((t + t0 + t_read) / (2 t_read))).", [
            req("q_coefficient", num("Q_s numerator (dimensionless).", min: 0)),
            req("q_exponent", num("Exponent of x in Q_s.", min: 0)),
            req("q_power_floor", num("Floor of x^q_exponent.", gt: 0)),
            req("q_max", num("Cap of Q_s.", min: 0)),
            req("t_read_s", num("Duration of one read in s.", gt: 0)),
        ])),
    ]

    static let rramProperties: [SchemaProperty] = [
        req("pulse_model", obj("Per-pulse conductance change for the pulse-level simulation; initial values are to be fitted.", [
            req("fitted", bool("Whether the values were fitted to published spreads.")),
            req("set_threshold_V", num("SET amplitude in V below which a pulse does nothing.", min: 0)),
            req("set_voltage_scale_V", num("Amplitude in V above threshold that multiplies the SET step by e.", gt: 0)),
            req("set_rate_uS", num("Mean SET step in µS one scale above threshold.", min: 0)),
            req("set_state_exponent", num("Exponent of the remaining room below the ceiling.", min: 0)),
            req("reset_threshold_V", num("RESET amplitude in V below which a pulse does nothing.", min: 0)),
            req("reset_voltage_scale_V", num("Amplitude in V above threshold that multiplies the RESET step by e.", gt: 0)),
            req("reset_rate_uS", num("Mean RESET step in µS one scale above threshold.", min: 0)),
            req("reset_state_exponent", num("Exponent of the remaining room above the floor.", min: 0)),
            req("gate_threshold_V", num("Gate voltage in V at which the compliance ceiling is zero.", min: 0)),
            req("compliance_uS_per_V", num("Compliance ceiling gained per volt of gate in µS/V.", gt: 0)),
            req("saturation_uS", num("Highest reachable conductance in µS.", gt: 0)),
            req("floor_uS", num("Lowest conductance RESET reaches in µS.", min: 0)),
            req("cycle_to_cycle_log_sigma", num("σ of the log step factor per pulse.", min: 0)),
            req("step_sigma_uS", num("Additive Gaussian per pulse in µS.", min: 0)),
            req("device_to_device_log_sigma", num("σ of the log rate factor per device.", min: 0)),
            req("verify_read_sigma_uS", num("σ of a single verify read in µS.", min: 0)),
            req("fast_relaxation_intercept_uS", num("Fast relaxation after the last verify: σ = max(intercept + slope · G, 0); the intercept in µS.")),
            req("fast_relaxation_slope", num("Fast relaxation after the last verify: change of σ per µS of G.")),
        ])),
        req("programming_spread", tagged("σ of G around its target after program-verify (statistical mode).", [
            variant("linear", "σ = max(slope · G + intercept_uS, min_uS).", [
                req("slope", num("σ per µS of target (dimensionless).")),
                req("intercept_uS", num("σ at G = 0 in µS.")),
                req("min_uS", num("Lower bound of σ in µS.", min: 0)),
            ]),
            variant("table", "σ interpolated linearly in G between points, constant beyond them.", [
                req("points", arr(spreadPoint, minItems: 1, "Points sorted by g_uS.")),
            ]),
        ])),
        req("relaxation", tagged("Conductance change after programming, in log time (t in s since programming, t ≥ 1 s).", [
            variant("log-time", "Mean shift mean_shift_per_ln_s_uS · ln t; extra spread spread_at_1s_uS + spread_per_ln_s_uS · ln t.", [
                req("mean_shift_per_ln_s_uS", num("Mean shift per unit ln(t / 1 s) in µS.")),
                req("spread_at_1s_uS", num("Spread at 1 s in µS.", min: 0)),
                req("spread_per_ln_s_uS", num("Spread growth per unit ln(t / 1 s) in µS.")),
            ]),
            variant("spread-table", "Measured spreads at two times per conductance, interpolated in G and ln t.", [
                req("anchors", arr(anchor, minItems: 1, "Anchors sorted by g_uS.")),
                req("mean_shift_per_ln_s_uS", num("Mean shift per unit ln(t / 1 s) in µS.")),
                req("spread_is_total", bool("Whether the spreads include the programming error.")),
            ]),
        ])),
        req("read_noise", tagged("Read noise at inference time.", [
            variant("log10-flicker", "σ = coefficient_uS · log10(g / 1 µS) · sqrt(ln((t + t_read_s) / (2 t_read_s))).", [
                req("coefficient_uS", num("Coefficient in µS.", min: 0)),
                req("t_read_s", num("Duration of one read in s.", gt: 0)),
            ]),
            variant("fraction-of-g-max", "σ = fraction · g_max_uS, independent of state and time.", [
                req("fraction", probability("Fraction of g_max (dimensionless).")),
            ]),
        ])),
    ]

    static let spreadPoint = obj("σ at one conductance.", [
        req("g_uS", num("Conductance in µS.", min: 0)),
        req("sigma_uS", num("σ in µS.", min: 0)),
    ])

    static let anchor = obj("Spread of devices programmed to g_uS at two times.", [
        req("g_uS", num("Conductance in µS.", min: 0)),
        req("t1_s", num("First time in s.", gt: 0)),
        req("sigma_at_t1_uS", num("σ at t1_s in µS.", min: 0)),
        req("t2_s", num("Second time in s (> t1_s).", gt: 0)),
        req("sigma_at_t2_uS", num("σ at t2_s in µS.", min: 0)),
    ])

    // MARK: builders

    static func obj(_ d: String, _ p: [SchemaProperty]) -> SchemaNode { SchemaNode(kind: .object(p), description: d) }
    static func tagged(_ d: String, _ v: [SchemaVariant]) -> SchemaNode { SchemaNode(kind: .tagged(v), description: d) }
    static func variant(_ tag: String, _ d: String, _ p: [SchemaProperty]) -> SchemaVariant {
        SchemaVariant(tag: tag, description: d, properties: p)
    }
    static func req(_ name: String, _ node: SchemaNode) -> SchemaProperty { SchemaProperty(name: name, node: node, required: true) }
    static func opt(_ name: String, _ node: SchemaNode) -> SchemaProperty { SchemaProperty(name: name, node: node, required: false) }
    static func str(_ d: String) -> SchemaNode { SchemaNode(kind: .string(allowed: nil), description: d) }
    static func choice(_ values: [String], _ d: String) -> SchemaNode { SchemaNode(kind: .string(allowed: values), description: d) }
    static func bool(_ d: String) -> SchemaNode { SchemaNode(kind: .boolean, description: d) }
    static func arr(_ items: SchemaNode, minItems: Int, _ d: String) -> SchemaNode {
        SchemaNode(kind: .array(items: items, minItems: minItems), description: d)
    }
    static func num(_ d: String, min: Double? = nil, gt: Double? = nil, max: Double? = nil, lt: Double? = nil) -> SchemaNode {
        SchemaNode(kind: .number(NumberBounds(minimum: min, exclusiveMinimum: gt, maximum: max, exclusiveMaximum: lt)), description: d)
    }
    static func int(_ d: String, min: Double? = nil) -> SchemaNode {
        SchemaNode(kind: .integer(NumberBounds(minimum: min)), description: d)
    }
    static func probability(_ d: String) -> SchemaNode { num(d, min: 0, max: 1) }
}

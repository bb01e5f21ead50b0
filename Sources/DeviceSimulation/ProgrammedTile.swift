import Devices

/// Per-device target conventions (the same as `Plan.TargetRules`, restated here because the device
/// layer sits below the plan layer): a conductance of N parallel devices puts G/N on each, so a
/// device ranges over [g_min/N, g_max/N] and is verified into the spec's window on its own.
public struct DeviceRules: Sendable, Hashable {
    public var gMin_uS: Double
    public var gMax_uS: Double
    public var window: AcceptanceWindow
    public var belowGMin: BelowGMinAction

    public init(spec: DeviceSpec, devicesPerConductance: Int) {
        let n = Double(max(devicesPerConductance, 1))
        self.init(gMin_uS: spec.gMin_uS / n, gMax_uS: spec.gMax_uS / n, window: spec.acceptance,
                  belowGMin: spec.programVerify.belowGMin)
    }

    public init(gMin_uS: Double, gMax_uS: Double, window: AcceptanceWindow, belowGMin: BelowGMinAction) {
        self.gMin_uS = gMin_uS
        self.gMax_uS = gMax_uS
        self.window = window
        self.belowGMin = belowGMin
    }

    /// Float rounding of g_min/N must not turn an idle device into a verify target (as `TargetRules`).
    @inlinable public var forceTolerance_uS: Double { 1e-6 * max(abs(gMax_uS), 1) }

    /// A target at or below the device g_min is driven down rather than verified into a window.
    @inlinable public func isForced(target_uS: Double) -> Bool {
        belowGMin != .programToGMin && target_uS <= gMin_uS + forceTolerance_uS
    }

    /// The accepted interval of a verify read (forced: anything from 0 up to g_min).
    @inlinable public func acceptanceBounds_uS(target_uS: Double) -> ClosedRange<Double> {
        if isForced(target_uS: target_uS) { return 0...max(gMin_uS, 0) }
        let b = window.bounds_uS(target_uS: target_uS)
        return max(b.lowerBound, 0)...max(b.upperBound, 0)
    }
}

/// Why a device ignores programming, if it does.
public enum StuckState: UInt8, Sendable, Hashable {
    case none = 0, atGMin, atGMax, random
}

/// One programmed tile as packed per-device buffers, indexed like the plan's `Tile.targets_uS`.
public struct ProgrammedTile: Sendable, Equatable {
    /// Conductance right after programming (RRAM: after the fast relaxation of the first second).
    public var programmed_uS: [Float]
    /// PCM drift exponent ν, drawn once per device; 0 for RRAM and for stuck devices.
    public var driftExponent: [Float]
    /// Programming pulses spent (RRAM pulse-level, or the statistical estimate); 0 for PCM, whose
    /// published model describes the outcome of program-and-verify, not its pulses.
    public var pulses: [UInt16]
    /// Whether the device ended inside its acceptance window (stuck: whether it happens to be).
    public var success: [Bool]
    public var stuck: [StuckState]

    public init(count: Int) {
        programmed_uS = [Float](repeating: 0, count: count)
        driftExponent = [Float](repeating: 0, count: count)
        pulses = [UInt16](repeating: 0, count: count)
        success = [Bool](repeating: false, count: count)
        stuck = [StuckState](repeating: .none, count: count)
    }

    public var count: Int { programmed_uS.count }
}

/// Raw views of a `ProgrammedTile`'s buffers, so disjoint device ranges can be filled from several
/// threads without copying. Callers guarantee the ranges they fill do not overlap.
public struct ProgrammedTileBuffers: @unchecked Sendable {
    public let programmed_uS: UnsafeMutablePointer<Float>
    public let driftExponent: UnsafeMutablePointer<Float>
    public let pulses: UnsafeMutablePointer<UInt16>
    public let success: UnsafeMutablePointer<Bool>
    public let stuck: UnsafeMutablePointer<StuckState>
}

extension ProgrammedTile {
    /// Runs `body` with raw views of all five buffers.
    public mutating func withBuffers<R>(_ body: (ProgrammedTileBuffers) throws -> R) rethrows -> R {
        try programmed_uS.withUnsafeMutableBufferPointer { g in
            try driftExponent.withUnsafeMutableBufferPointer { nu in
                try pulses.withUnsafeMutableBufferPointer { p in
                    try success.withUnsafeMutableBufferPointer { s in
                        try stuck.withUnsafeMutableBufferPointer { st in
                            try body(ProgrammedTileBuffers(programmed_uS: g.baseAddress!, driftExponent: nu.baseAddress!,
                                                           pulses: p.baseAddress!, success: s.baseAddress!,
                                                           stuck: st.baseAddress!))
                        }
                    }
                }
            }
        }
    }
}

/// Per-device target conventions, derived from the device spec, so that the compiler, the emitters
/// and the device simulation share one rule for what a target means.
///
/// The spec's g_min/g_max are per *conductance*; a conductance of N parallel devices puts G/N on
/// each, so a single device ranges over [g_min/N, g_max/N].
public struct TargetRules: Sendable, Hashable {
    public var gMin_uS: Double
    public var gMax_uS: Double
    public var window: AcceptanceWindow
    public var belowGMin: BelowGMinAction

    public init(device: DeviceSpec, devicesPerConductance: Int) {
        let n = Double(max(devicesPerConductance, 1))
        self.init(gMin_uS: device.gMin_uS / n, gMax_uS: device.gMax_uS / n, window: device.acceptance,
                  belowGMin: device.programVerify.belowGMin)
    }

    public init(gMin_uS: Double, gMax_uS: Double, window: AcceptanceWindow, belowGMin: BelowGMinAction) {
        self.gMin_uS = gMin_uS
        self.gMax_uS = gMax_uS
        self.window = window
        self.belowGMin = belowGMin
    }

    /// Targets within this distance above the device g_min count as "at g_min": float rounding of
    /// g_min/N must not turn an idle device into a verify target. 1e-6 of g_max is far below any
    /// acceptance window (devices.md §2: ±1 µS).
    @inlinable public var forceTolerance_uS: Double { 1e-6 * max(abs(gMax_uS), 1) }

    /// The plan's force flag: a target at or below the device g_min is not verified into a window but
    /// driven down by the spec's below-g_min action — one full RESET (PCM: the idle device of a pair,
    /// devices.md §1) or RESET pulses until G ≤ g_min (NeuRRAM, §2). A spec whose action is
    /// `program-to-g-min` treats g_min as an ordinary target, so nothing is forced.
    @inlinable public func isForced(target_uS: Double) -> Bool {
        belowGMin != .programToGMin && target_uS <= gMin_uS + forceTolerance_uS
    }

    /// The accepted interval of a device's verify read. The spec's window applies per device, as each
    /// device is verified on its own. A forced device is accepted anywhere from 0 up to g_min (the
    /// stop criterion of reset-until-below; a full RESET is not verified at all). Never below 0.
    @inlinable public func acceptanceBounds_uS(target_uS: Double) -> ClosedRange<Double> {
        if isForced(target_uS: target_uS) { return 0...max(gMin_uS, 0) }
        let b = window.bounds_uS(target_uS: target_uS)
        return max(b.lowerBound, 0)...max(b.upperBound, 0)
    }
}

import Plan

extension TesterTimeEstimate {
    /// The same time model as `init(plan:)` with the pulse count of a simulation
    /// (`imprint verify`'s mean pulses per device over its chips) instead of the schedule's estimate.
    /// Verifies follow from the pulses by the loop's rule: one before every loop pulse and one after
    /// the last, i.e. the pulses less the opening RESET plus one per device (and one more per device
    /// for a second pass).
    public init(plan: Plan, simulatedPulsesPerDevice: Double) {
        let pv = plan.device.programVerify
        let devices = Double(plan.deviceCount)
        let pulses = max(simulatedPulsesPerDevice, 0) * devices
        let opening = Self.opensWithReset(pv) ? devices : 0
        let verifies = pulses > 0 ? max(pulses - opening, 0) + devices + (pv.secondPass ? devices : 0) : 0
        self.init(pulses: pulses, verifies: verifies, schedule: pv)
    }
}

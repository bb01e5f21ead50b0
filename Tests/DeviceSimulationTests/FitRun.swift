import Foundation
import Testing
import Devices
@testable import DeviceSimulation

/// The one-off fit behind the fitted preset values. Run it with
/// `IMPRINT_FIT=1 swift test --scratch-path .build-devsim --filter FitRun`; it prints the fitted
/// pulse model and the achieved σ at the anchors (50,000 devices per anchor, seed 2022).
@Suite struct FitRun {
    @Test func neurramFit() {
        guard ProcessInfo.processInfo.environment["IMPRINT_FIT"] != nil else { return }
        var spec = DeviceSpec.rram
        let anchors = (SpreadAnchor(g_uS: 10, sigma_uS: 2.3), SpreadAnchor(g_uS: 40, sigma_uS: 1.1))
        let p = RRAMPulseFit.fitFastRelaxation(spec: spec, anchors: anchors, devices: 50_000, seed: 2022, iterations: 5)
        print("FIT neurram intercept", p.fastRelaxationIntercept_uS, "slope", p.fastRelaxationSlope)
        spec.model = .rram({ guard case .rram(var m) = spec.model else { fatalError() }; m.pulse = p; return m }())
        for t in [5.0, 10, 20, 30, 40] {
            print("FIT neurram", t, RRAMPulseFit.simulate(spec: spec, target_uS: t, devices: 20_000, seed: 7))
        }
    }
}

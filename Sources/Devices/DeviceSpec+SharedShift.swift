import Foundation

extension DeviceSpec {
    /// The mean conductance change per unit of ln(t / 1 s), in µS, that the model gives every device
    /// alike whatever its level (HfOx/CMO relaxation, −0.089 µS per ln t, devices.md §2); nil when it
    /// has none. With one device per weight against a fixed digital zero point such a shift is a
    /// weight offset that no gain undoes; a reference column or a differential pair cancels it. PCM
    /// drift scales each level instead (a gain, which drift compensation undoes), so it has none.
    public var levelIndependentShiftPerLn_uS: Double? {
        guard case .rram(let m) = model else { return nil }
        let perLn = m.relaxation.meanShift_uS(t_s: M_E)   // ln e = 1
        return perLn != 0 ? perLn : nil
    }
}

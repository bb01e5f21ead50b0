import Devices
import Foundation

/// Characterisation data → a fitted `DeviceSpec` with standard errors, provenance and goodness of fit.
public enum DeviceFitter {
    public static func fit(_ data: CharacterisationData, options: FitOptions) throws(FitError) -> FitResult {
        guard options.base.technology == options.technology else {
            throw FitError(file: options.base.name, message: "is a \(options.base.technology.rawValue) spec; the fit is for \(options.technology.rawValue)")
        }
        var result: FitResult
        switch options.base.model {
        case .pcm(let m), .pcmHermes(let m):
            let t0 = options.t0_s ?? data.timeRange_s.lowerBound
            guard t0 > 0 else {
                throw FitError(file: data.file, message: "its earliest read is at time_s 0, which cannot be PCM's reference read t0 (drift counts from (t + t0) / t0); give t0 > 0")
            }
            result = try PCMFit(data: data, options: options, base: m, t0_s: t0, tRead_s: m.readNoise.tRead_s).run()
        case .rram(let m):
            let tRead: Double
            if case .log10Flicker(_, let t) = m.readNoise { tRead = t } else { tRead = 1e-6 } // devices.md §2: t_read = 1 µs
            result = try RRAMFit(data: data, options: options, base: m, tRead_s: tRead).run()
        }
        if let step = data.readStep_uS {
            result.notes.append("reads are quantised in steps of \(String(format: "%.6g", step)) µS; repeated-read variances corrected by step²/12 (Sheppard)")
        }
        result.spec.name = options.base.name + "-fit"
        result.spec.source = "imprint fit of \(data.file) (sha256 \(data.sha256.prefix(12))…), base \(options.base.name): \(options.base.source)"
        result.spec.provenance = FitProvenance(dataFile: data.file, dataSHA256: data.sha256, devices: data.deviceCount, reads: data.reads,
                                               timeMin_s: data.timeRange_s.lowerBound, timeMax_s: data.timeRange_s.upperBound,
                                               toolVersion: options.toolVersion, seed: options.seed, bootstrapReplicates: options.bootstrapReplicates)
        let problems = result.spec.semanticProblems()
        guard problems.isEmpty else {
            throw FitError(file: data.file, message: "the fitted spec is not valid: " + problems.map(\.description).joined(separator: "; "))
        }
        return result
    }
}

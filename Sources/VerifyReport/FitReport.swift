import DeviceFit
import Devices
import FileSupport
import Foundation

/// The `imprint fit --report` page: one self-contained HTML document (inline CSS and SVG, no
/// scripts) with the provenance, every constant with its standard error, the fitted curves against
/// the binned data with error bars, and the Kolmogorov–Smirnov table.
public struct FitReport: Sendable {
    public var result: FitResult

    public init(result: FitResult) { self.result = result }

    public func html() -> String {
        let r = result, spec = r.spec
        let page = VerifyReportPage.self
        var body = [Element("h1", text: "Device fit: \(spec.name)")]
        if let p = spec.provenance {
            body.append(page.table(header: nil, rows: [
                ["data", p.dataFile], ["SHA-256", p.dataSHA256], ["devices", p.devices.grouped], ["reads", p.reads.grouped],
                ["time range", "\(formatNumber(p.timeMin_s)) – \(formatNumber(p.timeMax_s)) s"],
                ["stuck devices", "\(r.stuckLow.grouped) low, \(r.stuckHigh.grouped) high (left out of the fit)"],
                ["standard errors", "bootstrap over devices, \(p.bootstrapReplicates) replicates, seed \(p.seed)"],
                ["tool", "imprint \(p.toolVersion)"],
            ], leftColumns: 2))
        }
        body.append(Element("h2", text: "Fitted constants"))
        body.append(page.table(header: ["constant", "value", "std. error", "unit"], rows: r.constants.map { c in
            [c.name, String(format: "%.6g", c.value), c.fitted ? (c.standardError.map { String(format: "%.2g", $0) } ?? "—") : "not fitted", c.unit]
        }, leftColumns: 1))
        for n in r.notes { body.append(page.note(n)) }
        body.append(Element("h2", text: "Fitted model against the data"))
        body.append(Element("div", [("class", "charts")], children: charts().map { $0.svg() }))
        body.append(page.note("Circles: the data binned by target (or time), with ± one standard error; lines: the fitted model."))
        body.append(Element("h2", text: "Goodness of fit"))
        let failed = r.goodness.filter(\.failed).count
        body.append(page.note("Per target bin and read time: the devices' reads against draws from the fitted model, two-sample Kolmogorov–Smirnov statistic and asymptotic p-value; a cell fails below p = \(String(format: "%.2g", 0.05 / Double(max(r.goodness.count, 1)))) (0.05 Bonferroni-corrected over \(r.goodness.count) cells). \(failed) failed."))
        body.append(page.table(header: ["target (µS)", "time (s)", "devices", "mean (µS)", "model mean", "σ (µS)", "model σ", "KS", "p", ""],
                               rows: r.goodness.map { c in
            [String(format: "%.4g", c.target_uS), String(format: "%.4g", c.time_s), c.devices.grouped,
             String(format: "%.4g", c.measuredMean_uS), String(format: "%.4g", c.modelMean_uS),
             String(format: "%.4g", c.measuredSigma_uS), String(format: "%.4g", c.modelSigma_uS),
             String(format: "%.3f", c.ks), String(format: "%.2g", c.pValue), c.failed ? "FAILED" : ""]
        }, leftColumns: 0))
        return page.page(title: "Device fit: \(spec.name)", body: body)
    }

    func charts() -> [CurveChart] {
        let e = result.evidence, spec = result.spec
        func points(_ v: [BinnedValue]) -> [(x: Double, y: Double, error: Double)] { v.map { ($0.x, $0.value, $0.standardError) } }
        let gs = (0...60).map { spec.gMax_uS * Double($0) / 60 }
        var out = [CurveChart]()
        switch spec.model {
        case .pcm(let m), .pcmHermes(let m):
            out.append(CurveChart(title: "Programming error σ_prog(g)", xLabel: "target (µS)", yLabel: "σ_prog (µS)", series: [
                .init(name: "σ_prog", points: points(e.programSigma), curve: gs.map { ($0, m.programSigma_uS(x: $0 / spec.gMax_uS, gMax_uS: spec.gMax_uS)) })]))
            out.append(CurveChart(title: "Drift exponent ν(g)", xLabel: "target (µS)", yLabel: "ν", series: [
                .init(name: "μ_ν", points: points(e.driftMean), curve: gs.dropFirst().map { ($0, m.driftExponentMean(x: $0 / spec.gMax_uS)) }),
                .init(name: "σ_ν", points: points(e.driftStd), curve: gs.dropFirst().map { ($0, m.driftExponentStd(x: $0 / spec.gMax_uS)) })]))
            out.append(CurveChart(title: "1/f read noise Q_s(g)", xLabel: "programmed conductance (µS)", yLabel: "Q_s", series: [
                .init(name: "Q_s", points: points(e.readNoise), curve: gs.dropFirst().map { ($0, m.readNoiseQ(x: $0 / spec.gMax_uS)) })]))
        case .rram(let m):
            out.append(CurveChart(title: "Programming error σ_prog(g)", xLabel: "target (µS)", yLabel: "σ_prog (µS)", series: [
                .init(name: "σ_prog", points: points(e.programSigma), curve: gs.map { ($0, m.programmingSpread.sigma_uS(g_uS: $0)) })]))
            let ts = e.relaxationMean.map(\.x)
            let lo = max(ts.min() ?? 1, 1e-3), hi = max(ts.max() ?? 10, lo * 10)
            let grid = (0...40).map { lo * pow(hi / lo, Double($0) / 40) }
            out.append(CurveChart(title: "Relaxation after programming", xLabel: "time after programming (s)", yLabel: "µS", series: [
                .init(name: "mean shift", points: points(e.relaxationMean), curve: grid.map { ($0, m.relaxation.meanShift_uS(t_s: $0)) }),
                .init(name: "spread", points: points(e.relaxationSpread), curve: grid.map { ($0, m.relaxation.spread_uS(g_uS: spec.gMax_uS / 2, t_s: $0)) })],
                logX: true))
            out.append(CurveChart(title: "Read noise σ_read(g) at 1 s", xLabel: "conductance (µS)", yLabel: "σ_read (µS)", series: [
                .init(name: "σ_read", points: [], curve: gs.map { ($0, m.readNoise.sigma_uS(g_uS: $0, t_s: 1, gMax_uS: spec.gMax_uS)) })]))
        }
        return out
    }
}

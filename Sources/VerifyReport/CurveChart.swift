import Foundation

/// Binned data with error bars against fitted curves (the `imprint fit --report` charts): each series
/// is a list of (x, value, ± error) points and a curve sampled from the fitted model, on a linear or
/// a log x axis.
struct CurveChart {
    struct Series {
        var name: String
        var points: [(x: Double, y: Double, error: Double)]
        var curve: [(Double, Double)]
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var logX = false
    var width = 400.0
    var height = 300.0

    func svg() -> Element {
        let margin = (left: 58.0, right: 14.0, top: 28.0, bottom: 44.0)
        let plotX = margin.left...(width - margin.right)
        let plotY = margin.top...(height - margin.bottom)
        let xs = series.flatMap { $0.points.map(\.x) + $0.curve.map(\.0) }.filter { $0.isFinite && (!logX || $0 > 0) }
        var ys = series.flatMap { s in s.points.flatMap { [$0.y - $0.error, $0.y + $0.error] } + s.curve.map(\.1) }.filter(\.isFinite)
        if ys.isEmpty { ys = [0, 1] }
        let y = LinearScale.nice(min(ys.min()!, 0), ys.max()!, count: 5, range: plotY, flipped: true)
        var parts = [Element]()
        let place: (Double) -> Double
        var xTicks = [Tick]()
        if logX {
            let domain = TimeTicks.domain(xs.isEmpty ? [1] : xs)
            let scale = LogScale(domain: domain, range: plotX)
            place = { scale($0) }
            xTicks = TimeTicks.ticks(in: domain)
        } else {
            let scale = LinearScale.nice(min(xs.min() ?? 0, 0), xs.max() ?? 1, count: 5, range: plotX)
            place = { scale($0) }
            xTicks = scale.ticks()
        }
        for t in y.ticks() {
            parts.append(SVG.line(plotX.lowerBound, y(t.value), plotX.upperBound, y(t.value), stroke: "#e3e3e3"))
            parts.append(SVG.text(t.label, x: plotX.lowerBound - 6, y: y(t.value) + 4, anchor: "end"))
        }
        for t in xTicks {
            parts.append(SVG.line(place(t.value), plotY.lowerBound, place(t.value), plotY.upperBound, stroke: "#e3e3e3"))
            parts.append(SVG.text(t.label, x: place(t.value), y: plotY.upperBound + 16, anchor: "middle"))
        }
        parts.append(SVG.rect(x: plotX.lowerBound, y: plotY.lowerBound, width: plotX.upperBound - plotX.lowerBound,
                              height: plotY.upperBound - plotY.lowerBound, fill: "none", stroke: "#888"))
        parts.append(SVG.text(title, x: plotX.lowerBound, y: 16, size: 13, weight: "bold"))
        parts.append(SVG.text(xLabel, x: (plotX.lowerBound + plotX.upperBound) / 2, y: height - 8, anchor: "middle", size: 12))
        parts.append(SVG.text(yLabel, x: 14, y: (plotY.lowerBound + plotY.upperBound) / 2, anchor: "middle", size: 12, rotate: -90))
        for (k, s) in series.enumerated() {
            let colour = SVG.palette[k % SVG.palette.count]
            var group = [Element]()
            let curve = s.curve.filter { $0.0.isFinite && $0.1.isFinite && (!logX || $0.0 > 0) }
            if curve.count > 1 { group.append(SVG.polyline(curve.map { (place($0.0), y($0.1)) }, stroke: colour, cssClass: "fit")) }
            for p in s.points where p.x.isFinite && p.y.isFinite {
                let cx = place(p.x)
                if p.error > 0 {
                    let (a, b) = (y(p.y - p.error), y(p.y + p.error))
                    group.append(SVG.line(cx, a, cx, b, stroke: colour, width: 1.2))
                    group.append(SVG.line(cx - 3, a, cx + 3, a, stroke: colour, width: 1.2))
                    group.append(SVG.line(cx - 3, b, cx + 3, b, stroke: colour, width: 1.2))
                }
                group.append(SVG.circle(cx, y(p.y), r: 3, fill: "white", stroke: colour))
            }
            parts.append(Element("g", [("data-series", s.name)], children: group))
            if series.count > 1 {
                let lx = plotX.upperBound - 110, ly = plotY.lowerBound + 12 + Double(k) * 16
                parts.append(SVG.line(lx, ly, lx + 18, ly, stroke: colour, width: 2))
                parts.append(SVG.text(s.name, x: lx + 22, y: ly + 4))
            }
        }
        return SVG.document(width: width, height: height, label: title, parts)
    }
}

import Devices
import FileSupport
import Foundation

/// Which device a read belongs to: the `device` column, or the emitted plan's address
/// (`array,row,col`), packed into one key so a million devices cost one hash table entry each.
public struct DeviceKey: Sendable, Hashable {
    public let raw: UInt64
    public init(index: Int) { raw = UInt64(truncatingIfNeeded: index) & 0x7FFF_FFFF_FFFF_FFFF }
    /// Address fields up to 2²¹ − 1 each (arrays of 2 M rows are far beyond any tester).
    public init(array: Int, row: Int, col: Int) {
        raw = 1 << 63 | UInt64(array & 0x1F_FFFF) << 42 | UInt64(row & 0x1F_FFFF) << 21 | UInt64(col & 0x1F_FFFF)
    }
}

/// One time point of one device: the mean and the unbiased variance of the reads taken at that time
/// (`reads` of them; variance 0 for a single read).
public struct TimePoint: Sendable, Hashable {
    public var time_s: Double
    public var mean_uS: Double
    public var variance_uS2: Double
    public var reads: Int
}

/// Characterisation data reduced to time points per device, in device order of first appearance;
/// each device's points in time order. Memory grows with devices × read times, never with repeated
/// reads, so 10 M reads of repeated-read data fit in a few hundred MB at most.
public struct CharacterisationData: Sendable {
    public var file: String
    public var sha256: String
    public var targets_uS: [Double]
    /// Points of device d are `points[offsets[d]..<offsets[d + 1]]`.
    public var offsets: [Int]
    public var points: [TimePoint]
    public var reads: Int
    public var timeRange_s: ClosedRange<Double>
    /// The step reads come in when the tester quantises them (an ADC's LSB), else nil; variances of
    /// repeated reads are corrected for it (Sheppard: − step²/12).
    public var readStep_uS: Double?

    public var deviceCount: Int { targets_uS.count }

    public func points(of device: Int) -> ArraySlice<TimePoint> { points[offsets[device]..<offsets[device + 1]] }
}

/// Builds `CharacterisationData` from reads in file order, checking what only the whole sequence
/// shows: a device given two targets, a device's time going backwards. Reads at one time are folded
/// into a running mean and variance (Welford), so repeated reads cost no memory.
public struct CharacterisationAccumulator {
    public let file: String
    private var index = [UInt64: Int32]()
    private var targets = [Double]()
    private var firstLine = [Int32]()
    private var current = [Running]()
    private var flushed = [(device: Int32, point: TimePoint)]()
    private var reads = 0
    private var tMin = Double.infinity, tMax = -Double.infinity
    /// The first reads, kept to detect a quantisation step.
    private var sample = [Double]()
    static let sampleSize = 10_000

    private struct Running {
        var time = -1.0
        var n = 0
        var mean = 0.0
        var m2 = 0.0
    }

    public init(file: String) { self.file = file }

    /// Adds one read; `line` is its 1-based line in the file, for errors.
    public mutating func add(device key: DeviceKey, target_uS: Double, time_s: Double, measured_uS: Double,
                             line: Int) throws(CharacterisationError) {
        for (name, v) in [("target_uS", target_uS), ("time_s", time_s), ("measured_uS", measured_uS)] where !(v.isFinite && v >= 0) {
            throw CharacterisationError(file: file, line: line, message: "\(name) must be a finite number >= 0 (got \(v))")
        }
        let d: Int
        if let i = index[key.raw] {
            d = Int(i)
            guard targets[d] == target_uS else {
                throw CharacterisationError(file: file, line: line, message: "device \(describe(key)) has target_uS \(formatNumber(target_uS)) here but \(formatNumber(targets[d])) on line \(firstLine[d])")
            }
        } else {
            guard targets.count < Int(Int32.max) else {
                throw CharacterisationError(file: file, line: line, message: "more than \(Int32.max) devices")
            }
            d = targets.count
            index[key.raw] = Int32(d)
            targets.append(target_uS)
            firstLine.append(Int32(clamping: line))
            current.append(Running())
        }
        var r = current[d]
        if time_s != r.time {
            guard time_s > r.time else {
                throw CharacterisationError(file: file, line: line, message: "device \(describe(key)) goes back in time: time_s \(formatNumber(time_s)) after \(formatNumber(r.time)); a device's reads must be in time order")
            }
            if r.n > 0 { flushed.append((Int32(d), Self.point(r))) }
            r = Running(time: time_s)
        }
        r.n += 1
        let delta = measured_uS - r.mean
        r.mean += delta / Double(r.n)
        r.m2 += delta * (measured_uS - r.mean)
        current[d] = r
        reads += 1
        if sample.count < Self.sampleSize { sample.append(measured_uS) }
        tMin = min(tMin, time_s)
        tMax = max(tMax, time_s)
    }

    private static func point(_ r: Running) -> TimePoint {
        TimePoint(time_s: r.time, mean_uS: r.mean, variance_uS2: r.n > 1 ? r.m2 / Double(r.n - 1) : 0, reads: r.n)
    }

    private func describe(_ key: DeviceKey) -> String {
        if key.raw >> 63 == 1 {
            return "(array \(key.raw >> 42 & 0x1F_FFFF), row \(key.raw >> 21 & 0x1F_FFFF), col \(key.raw & 0x1F_FFFF))"
        }
        return String(key.raw)
    }

    /// The data, points grouped by device (a counting sort, stable, so each device keeps time order).
    public consuming func finish(sha256: String) throws(CharacterisationError) -> CharacterisationData {
        guard reads > 0 else { throw CharacterisationError(file: file, line: 0, message: "holds no reads") }
        for (d, r) in current.enumerated() where r.n > 0 { flushed.append((Int32(d), Self.point(r))) }
        var offsets = [Int](repeating: 0, count: targets.count + 1)
        for f in flushed { offsets[Int(f.device) + 1] += 1 }
        for d in 0..<targets.count { offsets[d + 1] += offsets[d] }
        var next = offsets
        var points = [TimePoint](repeating: TimePoint(time_s: 0, mean_uS: 0, variance_uS2: 0, reads: 0), count: flushed.count)
        for f in flushed {
            points[next[Int(f.device)]] = f.point
            next[Int(f.device)] += 1
        }
        return CharacterisationData(file: file, sha256: sha256, targets_uS: targets, offsets: offsets, points: points,
                                    reads: reads, timeRange_s: tMin...tMax, readStep_uS: Self.quantisationStep(sample))
    }

    /// The step of quantised reads: the smallest gap between distinct sampled values, if every
    /// sampled value is a whole multiple of it (to 1 ppm of the step) and it is at least 10⁻⁴ µS.
    /// Continuous reads have gaps far below that in a sample of 10,000; a step under 10⁻⁴ µS
    /// would change no variance the fit uses (step²/12 ≤ 10⁻⁹ µS²).
    static func quantisationStep(_ values: [Double]) -> Double? {
        let distinct = Array(Set(values)).sorted()
        guard distinct.count >= 20 else { return nil }
        let step = zip(distinct, distinct.dropFirst()).map { $1 - $0 }.min()!
        guard step >= 1e-4 else { return nil }
        let aligned = distinct.allSatisfy { v in abs(v / step - (v / step).rounded()) <= 1e-6 * max(1, v / step) }
        return aligned ? step : nil
    }
}

import FileSupport
import Foundation
import Testing
import TestSupport
@testable import Plan
@testable import TesterFiles

/// A test's virtual tester: the plan's devices with addresses computed here from the address rule of
/// formats/tester-plan.md (not from the code under test), measured = target × gain + offset.
struct ReadBackWriter {
    struct Device { var address: DeviceAddress; var tile: Int; var index: Int; var target: Float }

    static func devices(_ plan: Plan) -> [Device] {
        let slots = plan.roles.count
        var out = [Device]()
        for (t, tile) in plan.tiles.enumerated() {
            let (rows, cols) = (tile.rows.count, tile.columns.count)
            for s in 0..<slots { for r in 0..<rows { for c in 0..<cols {
                let i = (s * rows + r) * cols + c
                out.append(Device(address: DeviceAddress(array: tile.array, row: tile.rowOffset + r, col: tile.columnOffset + c * slots + s),
                                  tile: t, index: i, target: tile.targets_uS[i]))
            } } }
        }
        return out
    }

    /// The measured value of a device (a float32, printed so it reads back exactly).
    static func measured(_ d: Device) -> Float { d.target * 0.97 + Float(d.index % 5) * 0.125 }

    /// Writes `devices` as CSV or JSON Lines, `extra` columns per device, comments first.
    static func write(_ devices: [Device], to url: URL, json: Bool, comments: [String] = [],
                      extra: (Device) -> [(String, String)] = { _ in [] }) throws {
        var text = comments.map { "# \($0)\n" }.joined()
        for (k, d) in devices.enumerated() {
            let fields = [("array", "\(d.address.array)"), ("row", "\(d.address.row)"), ("col", "\(d.address.col)"),
                          ("target_uS", "\(d.target)"), ("measured_uS", "\(measured(d))")] + extra(d)
            if json {
                text += "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}\n"
            } else {
                if k == 0 { text += fields.map(\.0).joined(separator: ",") + "\n" }
                text += fields.map(\.1).joined(separator: ",") + "\n"
            }
        }
        if devices.isEmpty && !json { text += "array,row,col,measured_uS\n" }
        try Data(text.utf8).write(to: url)
    }
}

@Suite struct ReadBackTests {
    static let plan = PlanFixtures.plan(PlanFixtures.cases[1])   // dual pairs: 4 slots per weight
    static let hash = String(repeating: "0f", count: 32)

    static func url(_ name: String) throws -> URL { try Fixtures.temporaryDirectory().appendingPathComponent(name) }

    /// The join's error for a read-back with `devices` (as the writer writes them) and `comments`.
    static func failure(_ devices: [ReadBackWriter.Device], json: Bool = false, comments: [String] = [], partial: Bool = false,
                        extra: @escaping (ReadBackWriter.Device) -> [(String, String)] = { _ in [] }) throws -> ReadBackError? {
        let file = try url(json ? "rb.jsonl" : "rb.csv")
        try ReadBackWriter.write(devices, to: file, json: json, comments: comments, extra: extra)
        do { _ = try ReadBack.read(file, plan: plan, planSHA256: hash, partial: partial) } catch { return error }
        Issue.record("no error")
        return nil
    }

    @Test func addressingIsTheInverseOfTheAddressRule() {
        for c in PlanFixtures.cases {
            let plan = PlanFixtures.plan(c)
            var addressing = PlanAddressing(plan)
            for d in ReadBackWriter.devices(plan).shuffled() {
                #expect(addressing.locate(d.address) == DeviceLocation(tile: d.tile, device: d.index))
                #expect(PlanAddressing.address(of: DeviceLocation(tile: d.tile, device: d.index), in: plan) == d.address)
            }
            // Just outside every array: the unused row below the first tile, a column past the end, a missing array.
            #expect(addressing.locate(DeviceAddress(array: 0, row: plan.arrays[0].rows - 1, col: 0)) == nil)
            #expect(addressing.locate(DeviceAddress(array: 0, row: 0, col: plan.arrays[0].columns)) == nil)
            #expect(addressing.locate(DeviceAddress(array: plan.arrays.count, row: 0, col: 0)) == nil)
            #expect(addressing.locate(DeviceAddress(array: -1, row: 0, col: 0)) == nil)
        }
    }

    /// Any order, both formats, extra columns: the same per-device values in plan order.
    @Test(arguments: [false, true])
    func joinsByAddressNotByOrder(json: Bool) throws {
        let devices = ReadBackWriter.devices(Self.plan)
        let file = try Self.url(json ? "rb.jsonl" : "rb.csv")
        try ReadBackWriter.write(devices.shuffled(), to: file, json: json, comments: ["plan_sha256: \(Self.hash.uppercased())"]) { d in
            [("success", d.index % 3 == 0 ? "0" : "1"), ("pulses", "\(d.index % 11)"), ("note", json ? "\"x\"" : "x")]
        }
        let m = try ReadBack.read(file, plan: Self.plan, planSHA256: Self.hash, measuredAt_s: 42)
        #expect(m.recordedDevices == Self.plan.deviceCount && m.missingDevices == 0)
        #expect(m.time_s == nil && m.uniformTime_s == 42 && m.latestTime_s == 42)
        for d in devices {
            #expect(m.conductance_uS[d.tile][d.index] == ReadBackWriter.measured(d))
            #expect(m.success?[d.tile][d.index] == (d.index % 3 == 0 ? 0 : 1))
            #expect(m.pulses?[d.tile][d.index] == UInt32(d.index % 11))
        }
    }

    @Test func perDeviceTimesAndPartialReadBacks() throws {
        let devices = ReadBackWriter.devices(Self.plan)
        let kept = devices.enumerated().filter { $0.offset % 4 != 1 }.map(\.element)
        let file = try Self.url("rb.csv")
        try ReadBackWriter.write(kept, to: file, json: false) { d in [("time_s", "\(60 + d.index % 3)")] }
        let m = try ReadBack.read(file, plan: Self.plan, planSHA256: nil, partial: true)
        #expect(m.missingDevices == devices.count - kept.count && m.recordedDevices == kept.count)
        #expect(m.success == nil && m.pulses == nil)
        // JSON Lines without those keys: no arrays either.
        let json = try Self.url("rb.jsonl")
        try ReadBackWriter.write(devices, to: json, json: true)
        let j = try ReadBack.read(json, plan: Self.plan, planSHA256: nil)
        #expect(j.success == nil && j.pulses == nil && j.missingDevices == 0)
        for d in kept { #expect(m.time_s?[d.tile][d.index] == Float(60 + d.index % 3) && m.isMeasured(tile: d.tile, device: d.index)) }
        #expect(m.latestTime_s == 62)
        for (k, d) in devices.enumerated() where k % 4 == 1 { #expect(!m.isMeasured(tile: d.tile, device: d.index)) }

        // Not declared partial: the count and the first device without a record.
        let e = try Self.failure(kept)
        let first = devices[1].address
        guard case .missingDevices(_, let count, let firstMissing) = e else { Issue.record("\(String(describing: e))"); return }
        #expect(count == devices.count - kept.count && firstMissing == first)
        #expect(e?.description.hasSuffix("rb.csv: \((devices.count - kept.count).grouped) devices of the plan have no record (the first: \(first))") == true)
    }

    /// Each rule: one line with the file, the line and the address (data written before the bad line is discarded).
    @Test func badRecordsAreRefusedWithFileLineAndAddress() throws {
        let devices = ReadBackWriter.devices(Self.plan)
        var dup = devices
        dup.insert(devices[5], at: 9)
        func message(_ e: ReadBackError?) -> String { e.map { "\($0)" } ?? "" }
        #expect(message(try Self.failure(dup)).hasSuffix("rb.csv:11: \(devices[5].address): a second record for this address"))

        var outside = devices
        outside[3].address.row = Self.plan.arrays[outside[3].address.array].rows + 7
        #expect(message(try Self.failure(outside)).hasSuffix("rb.csv:5: \(outside[3].address): not a device of the plan"))

        for (bad, shown) in [("-0.5", "-0.5"), ("nan", "nan"), ("inf", "inf"), ("1e39", "1e+39")] {
            let file = try Self.url("rb.csv")
            var text = "array,row,col,measured_uS\n"
            for d in devices { text += "\(d.address.array),\(d.address.row),\(d.address.col),\(d.tile == 0 && d.index == 2 ? bad : "1")\n" }
            try Data(text.utf8).write(to: file)
            let line = 2 + devices.firstIndex { $0.tile == 0 && $0.index == 2 }!
            let addr = devices[line - 2].address
            let want = bad == "1e39" ? "rb.csv:\(line): \(addr): measured_uS \(shown) is beyond a float32"
                                     : "rb.csv:\(line): \(addr): measured_uS must be a finite conductance ≥ 0 (got \(Double(bad)!))"
            #expect(throws: ReadBackError.self) { _ = try ReadBack.read(file, plan: Self.plan, planSHA256: nil) }
            do { _ = try ReadBack.read(file, plan: Self.plan, planSHA256: nil) } catch {
                #expect("\(error)".hasSuffix(want), "\(error)")
                #expect(error.failureKind == .badData)
            }
        }

        #expect(message(try Self.failure(devices) { d in [("time_s", d.index == 0 && d.tile == 1 ? "-1" : "5")] })
            .contains(": time_s must be a finite time ≥ 0 in seconds (got -1.0)"))
        #expect(message(try Self.failure(devices) { d in [("success", d.index == 0 && d.tile == 1 ? "2" : "1")] })
            .contains(": success must be 0 or 1 (got '2')"))
        #expect(message(try Self.failure(devices) { d in [("pulses", d.index == 0 && d.tile == 1 ? "-3" : "1")] })
            .contains(": pulses must be a count ≥ 0 (got -3)"))
    }

    @Test func planHashMismatchIsRefusedAtItsLine() throws {
        let other = String(repeating: "ab", count: 32)
        let e = try Self.failure(ReadBackWriter.devices(Self.plan), comments: ["units: uS", "plan_sha256: \(other)"])
        #expect("\(e!)".hasSuffix("rb.csv:2: plan_sha256 \(other) is not the plan's SHA-256 (\(Self.hash)): this read-back belongs to another plan"))
        // JSON Lines take the same comment.
        let j = try Self.failure(ReadBackWriter.devices(Self.plan), json: true, comments: ["plan_sha256: \(other)"])
        #expect("\(j!)".contains("rb.jsonl:1: plan_sha256 \(other) is not the plan's SHA-256"))
    }

    @Test func emptyReadBackHasEveryDeviceMissing() throws {
        let e = try Self.failure([])
        guard case .missingDevices(_, let count, _) = e else { Issue.record("\(String(describing: e))"); return }
        #expect(count == Self.plan.deviceCount)
    }
}

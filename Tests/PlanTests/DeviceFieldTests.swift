import CPlan
import CProtobufC
import Foundation
import ProtobufCSupport
import Testing
@testable import Plan
@testable import TesterFiles

/// The one device-record table against the proto schema, and the derived columns (Ω windows, read
/// currents) against computations of the test's own.
@Suite struct DeviceFieldTests {
    @Test func everyFieldIsADeviceRecordFieldAndBack() {
        let d = imprint__plan__device_record__descriptor
        var numbers = Set<Int>()
        // measured_uS and reason exist only in touch-up files, which DeviceRecord does not carry.
        let fields = DeviceField.allCases.filter { !$0.isTouchupOnly }
        #expect(fields.count == DeviceField.allCases.count - 2)
        for field in fields {
            let n = protoFieldNumber(d, field.protoName)
            #expect(n != nil, "\(field.protoName)")
            if let n { numbers.insert(n) }
        }
        #expect(numbers.count == fields.count)
        #expect(Int(d.n_fields) == fields.count, "a DeviceRecord field without a DeviceField")
        #expect(Set(DeviceField.allCases.map(\.name)).count == DeviceField.allCases.count)
        #expect(!DeviceField.columns(offset: false).contains(.zero))
        #expect(DeviceField.columns(offset: true).last == .zero)
        #expect(DeviceField.columns(offset: true, touchup: true).suffix(3) == [.measured, .reason, .zero])
        #expect(!DeviceField.columns(offset: false).contains(.measured))
    }

    @Test(arguments: PlanFixtures.cases)
    func resistanceWindowsAndReadCurrents(_ c: PlanFixtures.Case) throws {
        let plan = PlanFixtures.plan(c)
        let url = try PlanFixtures.temporaryDirectory().appendingPathComponent("p.csv")
        try PlanEmitter.emit(plan, format: .csv, to: url)
        let rows = try parseCSV(url).rows
        let bias = c.device.programVerify.readBias_V
        #expect(!rows.isEmpty)
        for row in rows {
            let lo = Double(row["window_lo_uS"]!)!, hi = Double(row["window_hi_uS"]!)!, target = Double(row["target_uS"]!)!
            let loOhm = Double(row["window_lo_ohm"]!)!, hiOhm = Double(row["window_hi_ohm"]!)!
            #expect(hi == 0 ? loOhm.isInfinite : abs(loOhm * hi / 1e6 - 1) < 1e-6)
            #expect(lo == 0 ? hiOhm.isInfinite : abs(hiOhm * lo / 1e6 - 1) < 1e-6)
            #expect(loOhm <= hiOhm)
            for (g, current) in [(target, "target_read_uA"), (lo, "window_lo_read_uA"), (hi, "window_hi_read_uA")] {
                #expect(abs(Double(row[current]!)! - g * bias) <= 1e-6 * max(1, g * bias))
            }
        }
    }
}

import FileSupport
import Foundation
import Plan

extension DefectMap {
    /// The most defects one map may list: more than every device of a 50 M-device plan with every
    /// word and bit line listed too, far below what the memory of a list of them would strain.
    public static let maxDefects = 1 << 28

    /// Reads a defect map (CSV, or JSON Lines with the same keys; formats/tester-plan.md, "Defect
    /// maps") through the shared `RecordReader`, streaming. Every problem is a one-line error naming
    /// the file and line: an unknown kind, `stuck_at` without `value_uS` or a value on another kind, a
    /// negative or non-finite value, a negative address, `*` for both row and column, an address
    /// given twice. Addresses are checked against a plan's arrays where the plan is known
    /// (`Defect.sites`).
    public static func read(_ path: String) throws(RecordFileError) -> DefectMap {
        let url = URL(fileURLWithPath: path)
        let columns = [RecordColumn("array"), RecordColumn("row"), RecordColumn("col"), RecordColumn("kind"), .optional("value_uS")]
        var reader = try RecordReader(url: url, columns: columns)
        var defects = [Defect]()
        var firstLine = [AddressKey: Int]()
        while let record = try reader.next() {
            let array = try record.int(0)
            let row = record.isWildcard(1) ? nil : try record.int(1)
            let column = record.isWildcard(2) ? nil : try record.int(2)
            guard array >= 0, row.map({ $0 >= 0 }) ?? true, column.map({ $0 >= 0 }) ?? true else {
                throw record.error("array, row and col start at 0 (got \(array),\(row.map(String.init) ?? "*"),\(column.map(String.init) ?? "*"))")
            }
            guard row != nil || column != nil else {
                throw record.error("row and col are both *: a whole array cannot be mapped around; leave it out of the plan with a smaller --array or fewer layers")
            }
            let value = try record.optionalDouble(4)
            let kind: DefectKind
            switch try record.string(3) {
            case "stuck_low": kind = .stuckLow
            case "stuck_high": kind = .stuckHigh
            case "stuck_at":
                guard let value else { throw record.error("stuck_at needs value_uS, the conductance the device is stuck at") }
                guard value.isFinite, value >= 0 else { throw record.error("value_uS must be a finite conductance ≥ 0 µS (got \(value))") }
                kind = .stuckAt(value_uS: value)
            case let other:
                throw record.error("unknown kind '\(other)' (kinds: \(DefectKind.names.joined(separator: ", ")))")
            }
            if value != nil, case .stuckAt = kind {} else if value != nil {
                throw record.error("value_uS applies to stuck_at only; \(kind.name) is stuck at the device's \(kind == .stuckLow ? "g_min" : "g_max")")
            }
            let key = AddressKey(array: array, row: row ?? -1, column: column ?? -1)
            if let earlier = firstLine[key] {
                throw record.error("the address \(array),\(row.map(String.init) ?? "*"),\(column.map(String.init) ?? "*") is listed twice (first on line \(earlier))")
            }
            guard defects.count < maxDefects else { throw record.error("more than \(maxDefects) defects") }
            firstLine[key] = record.line
            defects.append(Defect(array: array, row: row, column: column, kind: kind, line: record.line))
        }
        let sha256: String
        do { sha256 = SHA256Digest.hex(try SHA256Digest.hash(fileAt: url)) } catch {
            throw RecordFileError(file: path, line: nil, "cannot read: \(error)", kind: .missingInput)
        }
        return DefectMap(defects: defects, source: path, sha256: sha256)
    }

    private struct AddressKey: Hashable { var array: Int, row: Int, column: Int }
}

import FileSupport
import Foundation

/// One read of characterisation data (formats/characterisation.md): which device (its `device`
/// number, or its emitted address), its target, when, and what was measured.
public struct CharacterisationRecord: Sendable, Equatable {
    public enum Device: Sendable, Equatable {
        case index(Int)
        case address(array: Int, row: Int, col: Int)
    }
    public var device: Device
    public var target_uS: Double
    public var time_s: Double
    public var measured_uS: Double
    /// Index of a repeated read at the same time; informational (repeats are grouped by time).
    public var read: Int?
    public var line: Int
}

/// Streams characterisation data through the shared `RecordReader`, checking each record on its own
/// (finite, non-negative numbers; a device named by `device` or by `array,row,col`). What needs the
/// whole sequence (two targets for one device, time going backwards) is the consumer's to check.
public enum CharacterisationReader {
    static let columns: [RecordColumn] = [
        .optional("device"), .optional("array"), .optional("row"), .optional("col"),
        RecordColumn("target_uS"), RecordColumn("time_s"), RecordColumn("measured_uS"),
        .optional("read"), .optional("pulses"), .optional("success"),
    ]
    enum Column: Int { case device, array, row, col, target, time, measured, read, pulses, success }

    /// Calls `body` for every record in file order.
    public static func read(url: URL, _ body: (CharacterisationRecord) throws(RecordFileError) -> Void) throws(RecordFileError) {
        var reader = try RecordReader(url: url, columns: columns)
        let byIndex = reader.hasColumn(Column.device.rawValue)
        let byAddress = [Column.array, .row, .col].allSatisfy { reader.hasColumn($0.rawValue) }
        if reader.format == .csv && !byIndex && !byAddress {
            throw RecordFileError(file: reader.path, line: nil, "names no device: the header needs a device column or array, row and col")
        }
        while let r = try reader.next() {
            let device: CharacterisationRecord.Device
            if r.has(Column.device.rawValue) {
                let d = try r.int(Column.device.rawValue)
                guard d >= 0 else { throw r.error("device must be an integer >= 0 (got \(d))") }
                device = .index(d)
            } else if [Column.array, .row, .col].allSatisfy({ r.has($0.rawValue) }) {
                let a = try r.int(Column.array.rawValue), row = try r.int(Column.row.rawValue), col = try r.int(Column.col.rawValue)
                for (name, v) in [("array", a), ("row", row), ("col", col)] where !(0..<(1 << 21)).contains(v) {
                    throw r.error("\(name) must be an integer in 0…2097151 (got \(v))")
                }
                device = .address(array: a, row: row, col: col)
            } else {
                throw r.error("names no device: give device, or array, row and col")
            }
            var values = [Double]()
            for c in [Column.target, .time, .measured] {
                let v = try r.double(c.rawValue)
                guard v.isFinite, v >= 0 else { throw r.error("\(columns[c.rawValue].name) must be a finite number >= 0 (got \(r.text(c.rawValue) ?? "?"))") }
                values.append(v)
            }
            let read = try r.optionalInt(Column.read.rawValue)
            if let read, read < 0 { throw r.error("read must be an integer >= 0 (got \(read))") }
            if let p = try r.optionalInt(Column.pulses.rawValue), p < 0 { throw r.error("pulses must be an integer >= 0 (got \(p))") }
            _ = try r.optionalBool(Column.success.rawValue)
            try body(CharacterisationRecord(device: device, target_uS: values[0], time_s: values[1], measured_uS: values[2], read: read, line: r.line))
        }
    }
}

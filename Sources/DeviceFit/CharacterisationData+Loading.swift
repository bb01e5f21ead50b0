import FileSupport
import Foundation
import TesterFiles

extension CharacterisationData {
    /// Reads a characterisation file (CSV or JSON Lines, formats/characterisation.md) in one pass,
    /// then hashes it for the provenance; `name` is how errors and the provenance refer to it.
    public static func load(url: URL, name: String) throws(CharacterisationError) -> CharacterisationData {
        var accumulator = CharacterisationAccumulator(file: name)
        do {
            try CharacterisationReader.read(url: url) { (r: CharacterisationRecord) throws(RecordFileError) in
                let key: DeviceKey
                switch r.device {
                case .index(let d): key = DeviceKey(index: d)
                case .address(let a, let row, let col): key = DeviceKey(array: a, row: row, col: col)
                }
                do throws(CharacterisationError) {
                    try accumulator.add(device: key, target_uS: r.target_uS, time_s: r.time_s, measured_uS: r.measured_uS, line: r.line)
                } catch {
                    throw RecordFileError(file: name, line: r.line, error.message)
                }
            }
        } catch {
            // The reader names the file by its resolved path; errors name it as the user gave it.
            throw CharacterisationError(file: name, line: error.line ?? 0, message: error.message, kind: error.failureKind)
        }
        let digest: [UInt8]
        do { digest = try SHA256Digest.hash(fileAt: url) } catch {
            throw CharacterisationError(file: name, line: 0, message: error.reason, kind: .missingInput)
        }
        return try accumulator.finish(sha256: SHA256Digest.hex(digest))
    }
}

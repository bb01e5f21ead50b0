import FileSupport
import Foundation

/// The `.plan` file: the magic `IMPRPLAN`, then varint-length-delimited `PlanRecord`s (one header,
/// the tiles, one footer with a SHA-256 of everything before it). See formats/plan.proto.
///
/// A stream of records rather than one message so that a 50 M-device plan is written and read one
/// tile at a time; protobuf itself would need the whole message in memory.
public enum PlanFile {
    public static let magic: [UInt8] = Array("IMPRPLAN".utf8)
    /// Largest record a reader accepts: far above a 256 × 256 × 8-slot tile (2 MiB), far below
    /// anything that would exhaust memory on a hostile length.
    public static let maxRecordBytes = 1 << 30

    /// Writes `plan` atomically: to a temporary file in the destination folder, renamed into place
    /// only once the footer is written, so an error leaves nothing behind.
    public static func write(_ plan: Plan, to url: URL) throws(PlanFileError) {
        try write(plan, to: try OutputFile.destination(url.path))
    }

    /// Writes `plan` to a classified destination (atomically for a regular file).
    public static func write(_ plan: Plan, to output: OutputDestination) throws(PlanFileError) {
        let stream = try PlanFileWriter(destination: output, header: plan.header)
        for tile in plan.tiles { try stream.append(tile) }
        try stream.finish()
    }
}

/// Streams a plan to disk tile by tile, for a compiler that does not hold every tile at once.
public final class PlanFileWriter {
    private let writer: AtomicFileWriter
    private let path: String
    private var hasher = SHA256Digest()
    private let slots: Int
    private let expectedTiles: Int
    private var tiles = 0
    private var devices = 0

    /// Opens the temporary file and writes the magic and the header; `header.tileCount` tiles must follow.
    public convenience init(destination url: URL, header: PlanHeader) throws(PlanFileError) {
        try self.init(destination: try OutputFile.destination(url.path), header: header)
    }

    public init(destination output: OutputDestination, header: PlanHeader) throws(PlanFileError) {
        path = output.path
        do { writer = try AtomicFileWriter(output) } catch {
            throw PlanFileError(file: output.path, .writeFailed(error.reason))
        }
        slots = header.roles.count
        expectedTiles = header.tileCount
        try emit(PlanFile.magic, record: false)
        try emit(PlanEncoding.headerRecord(header), record: true)
    }

    public func append(_ tile: Tile) throws(PlanFileError) {
        guard tiles < expectedTiles else {
            throw PlanFileError(file: path, .writeFailed("more tiles than the header's \(expectedTiles)"))
        }
        try emit(PlanEncoding.tileRecord(tile), record: true)
        tiles += 1
        devices += tile.deviceCount(slots: slots)
    }

    /// Writes the footer and renames the file into place. Without this call the temporary file is
    /// removed when the writer goes away.
    public func finish() throws(PlanFileError) {
        guard tiles == expectedTiles else {
            throw PlanFileError(file: path, .writeFailed("\(tiles) tiles written, the header announced \(expectedTiles)"))
        }
        let footer = PlanEncoding.footerRecord(tileCount: tiles, deviceCount: devices, sha256: hasher.finalize())
        do {
            try writer.write(ProtoWriter.lengthPrefix(footer.count))
            try writer.write(footer)
            try writer.commit()
        } catch {
            throw PlanFileError(file: path, .writeFailed(error.reason))
        }
    }

    private func emit(_ bytes: [UInt8], record: Bool) throws(PlanFileError) {
        do {
            if record {
                let prefix = ProtoWriter.lengthPrefix(bytes.count)
                hasher.update(prefix)
                try writer.write(prefix)
            }
            hasher.update(bytes)
            try writer.write(bytes)
        } catch {
            throw PlanFileError(file: path, .writeFailed(error.reason))
        }
    }
}

import FileSupport
import Foundation

extension PlanFile {
    /// Reads and checks a whole plan: magic, version, every record, the tiles against the header,
    /// the footer's counts and checksum, and that nothing follows the footer.
    public static func read(_ url: URL) throws(PlanFileError) -> Plan {
        let reader = try PlanFileReader(url: url)
        var tiles = [Tile]()
        tiles.reserveCapacity(min(reader.header.tileCount, 1 << 20))
        while let tile = try reader.nextTile() { tiles.append(tile) }
        return Plan(header: reader.header, tiles: tiles)
    }

    /// Reads only the magic and the header: enough for a summary, without touching the tiles (so
    /// neither the checksum nor the tiles are checked).
    public static func readHeader(_ url: URL) throws(PlanFileError) -> PlanHeader {
        try PlanFileReader(url: url).header
    }
}

/// Reads a plan one tile at a time, checking each against the header as it goes; the checksum is
/// verified when `nextTile()` reaches the footer, so a consumer must not commit its output until
/// `nextTile()` has returned nil.
public final class PlanFileReader {
    public let header: PlanHeader
    private let path: String
    private var source: ByteSource
    private var hasher = SHA256Digest()
    private let validator: PlanValidator
    private var tilesRead = 0
    private var devicesRead = 0
    private var finished = false

    public init(url: URL) throws(PlanFileError) {
        path = url.path
        source = try ByteSource(url: url)
        let magic = try source.read(upTo: PlanFile.magic.count)
        guard magic == PlanFile.magic else {
            if magic.count < PlanFile.magic.count && magic == Array(PlanFile.magic.prefix(magic.count)) && !magic.isEmpty {
                throw PlanFileError(file: url.path, .truncated("the file ends inside the magic"))
            }
            throw PlanFileError(file: url.path, .notAPlan)
        }
        hasher.update(magic)
        guard let (prefix, body) = try Self.nextRecord(&source, path: url.path, name: "the header record") else {
            throw PlanFileError(file: url.path, .truncated("the file ends before the header"))
        }
        let record: PlanDecoding.Record
        do { record = try PlanDecoding.record(body) } catch {
            throw PlanFileError(file: url.path, .corrupted("the header record: \(error.message)"))
        }
        guard case .header(let version, let decoded) = record else {
            throw PlanFileError(file: url.path, .corrupted("the first record is not the header"))
        }
        guard version <= Plan.formatVersion else {
            throw PlanFileError(file: url.path, .newerVersion(found: version, supported: Plan.formatVersion))
        }
        guard version >= 1 else { throw PlanFileError(file: url.path, .corrupted("format version \(version)")) }
        do { header = try decoded.get() } catch {
            throw PlanFileError(file: url.path, .corrupted(error.message))
        }
        do { validator = try PlanValidator(header) } catch {
            throw PlanFileError(file: url.path, .inconsistent(error.message))
        }
        hasher.update(prefix)
        hasher.update(body)
    }

    /// The next tile, or nil after the footer has been read and checked.
    public func nextTile() throws(PlanFileError) -> Tile? {
        guard !finished else { return nil }
        let name = tilesRead < header.tileCount ? "tile record \(tilesRead)" : "the footer record"
        guard let (prefix, body) = try Self.nextRecord(&source, path: path, name: name) else {
            throw PlanFileError(file: path, .truncated("the file ends after \(tilesRead) of \(header.tileCount) tiles, before the footer"))
        }
        let record: PlanDecoding.Record
        do { record = try PlanDecoding.record(body) } catch {
            throw PlanFileError(file: path, .corrupted("\(name): \(error.message)"))
        }
        switch record {
        case .header:
            throw PlanFileError(file: path, .corrupted("\(name) is a second header"))
        case .tile(let tile):
            guard tilesRead < header.tileCount else {
                throw PlanFileError(file: path, .corrupted("more tiles than the header's \(header.tileCount)"))
            }
            do { try validator.check(tile, index: tilesRead) } catch {
                throw PlanFileError(file: path, .inconsistent("tile \(tilesRead): \(error.message)"))
            }
            hasher.update(prefix)
            hasher.update(body)
            tilesRead += 1
            devicesRead += tile.deviceCount(slots: header.roles.count)
            return tile
        case .footer(let tileCount, let deviceCount, let sha256):
            guard tilesRead == header.tileCount else {
                throw PlanFileError(file: path, .corrupted("the footer follows \(tilesRead) tiles; the header announced \(header.tileCount)"))
            }
            guard sha256 == hasher.finalize() else {
                throw PlanFileError(file: path, .corrupted("checksum mismatch: the SHA-256 of the contents differs from the footer's"))
            }
            guard tileCount == UInt64(tilesRead), deviceCount == UInt64(devicesRead) else {
                throw PlanFileError(file: path, .corrupted("the footer counts \(tileCount) tiles and \(deviceCount) devices; the file holds \(tilesRead) and \(devicesRead)"))
            }
            guard source.remaining == 0 else {
                throw PlanFileError(file: path, .corrupted("\(source.remaining) bytes follow the footer"))
            }
            finished = true
            return nil
        }
    }

    /// Reads a varint length and that many bytes; nil at a clean end of file. The length is checked
    /// against the limit and the bytes actually left before anything is allocated.
    private static func nextRecord(_ source: inout ByteSource, path: String, name: String) throws(PlanFileError) -> ([UInt8], [UInt8])? {
        guard source.remaining > 0 else { return nil }
        var prefix = [UInt8]()
        var length: UInt64 = 0
        while true {
            guard let byte = try source.read(upTo: 1).first else {
                throw PlanFileError(file: path, .truncated("the file ends inside the length of \(name)"))
            }
            prefix.append(byte)
            guard prefix.count <= 5 else {  // 5 varint bytes already exceed the 1 GiB limit
                throw PlanFileError(file: path, .corrupted("\(name) has an over-long length prefix"))
            }
            length |= UInt64(byte & 0x7f) << (7 * UInt64(prefix.count - 1))
            if byte & 0x80 == 0 { break }
        }
        guard length > 0 else { throw PlanFileError(file: path, .corrupted("\(name) is empty")) }
        guard length <= UInt64(PlanFile.maxRecordBytes) else {
            throw PlanFileError(file: path, .corrupted("\(name) declares \(length) bytes, above the 1 GiB record limit"))
        }
        guard length <= UInt64(source.remaining) else {
            throw PlanFileError(file: path, .truncated("\(name) declares \(length) bytes but only \(source.remaining) remain"))
        }
        let body = try source.read(upTo: Int(length))
        guard body.count == Int(length) else {
            throw PlanFileError(file: path, .truncated("the file ends inside \(name)"))
        }
        return (prefix, body)
    }
}

/// Buffered sequential reads of a file of known size.
struct ByteSource {
    private let handle: FileHandle
    private let path: String
    private var buffer = [UInt8]()
    private var position = 0
    /// Bytes not yet returned, from the size at open time.
    private(set) var remaining: Int

    init(url: URL) throws(PlanFileError) {
        path = url.path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else {
            throw PlanFileError(file: url.path, .unreadable("no such file"))
        }
        guard (attributes[.type] as? FileAttributeType) != .typeDirectory else {
            throw PlanFileError(file: url.path, .unreadable("it is a folder"))
        }
        guard let size = (attributes[.size] as? NSNumber)?.intValue, let h = try? FileHandle(forReadingFrom: url) else {
            throw PlanFileError(file: url.path, .unreadable("cannot open the file"))
        }
        handle = h
        remaining = size
    }

    /// Up to `count` bytes; fewer only at the end of the file.
    mutating func read(upTo count: Int) throws(PlanFileError) -> [UInt8] {
        let wanted = min(count, remaining)
        var out = [UInt8]()
        out.reserveCapacity(wanted)
        while out.count < wanted {
            if position == buffer.count {
                let chunk: Data?
                do { chunk = try handle.read(upToCount: max(1 << 20, wanted - out.count)) } catch {
                    throw PlanFileError(file: path, .unreadable(error.localizedDescription))
                }
                guard let chunk, !chunk.isEmpty else { break }
                buffer = [UInt8](chunk)
                position = 0
            }
            let take = min(wanted - out.count, buffer.count - position)
            out.append(contentsOf: buffer[position..<(position + take)])
            position += take
        }
        remaining -= out.count
        return out
    }
}

internal import Crypto
import Foundation

/// SHA-256 (FIPS 180-4), incremental, so plans and model files hash while they stream.
///
/// A thin wrapper over swift-crypto's maintained implementation (BoringSSL's assembly on Linux, with
/// SHA extensions where the CPU has them): the plan checksum is computed over every byte a plan
/// writes and reads, so the hash's speed is a large share of writing a ResNet-50-sized plan. The
/// wrapper keeps the project's one vocabulary (byte arrays and lowercase hex) and keeps `Crypto` an
/// internal dependency.
public struct SHA256Digest {
    private var hasher = Crypto.SHA256()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    public mutating func update(_ bytes: some Collection<UInt8>) {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        Array(bytes).withUnsafeBytes { update($0) }
    }

    /// The 32-byte digest; the hasher itself is left as it was, so a running hash can be peeked at.
    public func finalize() -> [UInt8] {
        Array(hasher.finalize())
    }

    public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var h = SHA256Digest()
        h.update(bytes)
        return h.finalize()
    }

    /// Hashes a file in 1 MiB chunks, so model files of any size cost constant memory.
    public static func hash(fileAt url: URL) throws(FileReadError) -> [UInt8] {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw FileReadError(path: url.path, reason: "cannot open the file")
        }
        defer { try? handle.close() }
        var h = SHA256Digest()
        while true {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 1 << 20) } catch {
                throw FileReadError(path: url.path, reason: error.localizedDescription)
            }
            guard let chunk, !chunk.isEmpty else { break }
            chunk.withUnsafeBytes { h.update($0) }
        }
        return h.finalize()
    }

    /// Lowercase hex, the form plans and tester files record.
    public static func hex(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(digest.count * 2)
        for b in digest { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A file could not be read.
public struct FileReadError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }
}

import Foundation
import FileSupport
import HDF5Support
import NetworkModel
import ZIPFoundation

/// Imports Keras 3 models: a `.keras` zip archive (`config.json`, `metadata.json`,
/// `model.weights.h5`), or a `.weights.h5` file with the architecture from a `.keras` archive or a
/// `config.json`.
public enum KerasArchiveImporter {
    public static func load(_ url: URL) throws(ImportError) -> Network {
        let archive = try KerasArchive(url)
        let config = try archive.read("config.json", limit: KerasImport.maxConfigBytes)
        return try archive.withExtracted("model.weights.h5") { (weightsURL: URL) throws(ImportError) -> Network in
            do throws(ImportError) {
                let h5 = try KerasImport.open(weightsURL)
                let display = url.path + "!model.weights.h5"
                return try KerasImport.network(config: config, configFile: url.path + "!config.json", dialect: .keras3,
                                               weights: KerasArchiveWeights(h5: h5, display: display), file: url.path)
            } catch {
                // Name the archive member, not the private temporary copy.
                guard error.file == weightsURL.path else { throw error }
                throw ImportError(error.kind, file: url.path, "model.weights.h5: \(error.message)")
            }
        }
    }

    public static func load(weights: URL, architecture: URL) throws(ImportError) -> Network {
        let config: Data
        let configFile: String
        if architecture.pathExtension.lowercased() == "keras" {
            config = try KerasArchive(architecture).read("config.json", limit: KerasImport.maxConfigBytes)
            configFile = architecture.path + "!config.json"
        } else {
            config = try readSmallFile(architecture, limit: KerasImport.maxConfigBytes)
            configFile = architecture.path
        }
        let h5 = try KerasImport.open(weights)
        return try KerasImport.network(config: config, configFile: configFile, dialect: .keras3,
                                       weights: KerasArchiveWeights(h5: h5, display: weights.path), file: weights.path)
    }

    static func readSmallFile(_ url: URL, limit: Int) throws(ImportError) -> Data {
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
        guard let size else { throw ImportError(.unreadable, file: url.path, "cannot read the file (missing or not readable)") }
        guard size <= limit else { throw ImportError(.malformed, file: url.path, "the config is \(size) bytes, more than the \(limit) allowed") }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ImportError(.unreadable, file: url.path, "cannot read the file")
        }
        return data
    }
}

/// A `.keras` zip archive read with bounded uncompressed sizes: entry sizes are checked before
/// reading and reading stops past the bound, since declared sizes can lie.
struct KerasArchive {
    let url: URL
    let archive: Archive
    /// Total bytes any one entry may expand to: 64× the archive, at most 4 GiB.
    let limit: Int

    init(_ url: URL) throws(ImportError) {
        self.url = url
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        guard size > 0 else { throw ImportError(.malformed, file: url.path, "not a .keras archive (the file is empty or unreadable)") }
        do { archive = try Archive(url: url, accessMode: .read) } catch {
            throw ImportError(.malformed, file: url.path, "not a .keras archive (not a readable zip file)")
        }
        let (bound, overflow) = size.multipliedReportingOverflow(by: 64)
        limit = min(overflow ? Int.max : bound, 4 << 30)
    }

    private func entry(_ name: String) throws(ImportError) -> Entry {
        guard let e = archive[name], e.type == .file else {
            throw ImportError(.malformed, file: url.path, "the archive has no '\(name)'; is it a Keras 3 .keras file?")
        }
        return e
    }

    private func checkedSize(_ e: Entry, _ name: String, limit: Int) throws(ImportError) {
        guard e.uncompressedSize <= UInt64(limit) else {
            throw ImportError(.malformed, file: url.path, "archive member '\(name)' claims \(e.uncompressedSize) bytes, more than the \(limit) allowed")
        }
    }

    private func tooLarge(_ name: String, _ limit: Int) -> ImportError {
        ImportError(.malformed, file: url.path, "archive member '\(name)' expands past \(limit) bytes")
    }

    /// ZIPFoundation computes the CRC-32 of what it extracts but leaves the comparison to the caller;
    /// without it a damaged archive loads silently with wrong weights.
    private func checkCRC(_ computed: CRC32, of e: Entry, _ name: String) throws(ImportError) {
        guard computed == e.checksum else {
            throw ImportError(.malformed, file: url.path, "archive member '\(name)' is corrupted (CRC-32 \(String(format: "%08x", computed)), the archive records \(String(format: "%08x", e.checksum)))")
        }
    }

    /// Reads a small member into memory.
    func read(_ name: String, limit small: Int) throws(ImportError) -> Data {
        let e = try entry(name)
        let cap = min(small, limit)
        try checkedSize(e, name, limit: cap)
        var data = Data()
        let crc: CRC32
        do {
            crc = try archive.extract(e, consumer: { chunk in
                guard data.count + chunk.count <= cap else { throw KerasArchiveOverflow() }
                data.append(chunk)
            })
        } catch is KerasArchiveOverflow { throw tooLarge(name, cap) } catch {
            throw ImportError(.malformed, file: url.path, "cannot extract '\(name)' (corrupted archive?)")
        }
        try checkCRC(crc, of: e, name)
        return data
    }

    /// Extracts a member to a private temporary file, runs `body` on it and deletes the file.
    func withExtracted<T>(_ name: String, _ body: (URL) throws(ImportError) -> T) throws(ImportError) -> T {
        let e = try entry(name)
        try checkedSize(e, name, limit: limit)
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("imprint-keras-\(UUID().uuidString)")
        // Registered as they are made, so that an interrupted import removes the copy too.
        let madeFolder: Void? = TemporaryFiles.create(dir.path) {
            try? fm.createDirectory(at: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        }
        guard madeFolder != nil else {
            throw ImportError(.unreadable, file: url.path, "cannot create a temporary folder to extract '\(name)'")
        }
        let target = dir.appendingPathComponent("model.weights.h5")
        defer {
            try? fm.removeItem(at: dir)
            TemporaryFiles.unregister(target.path)
            TemporaryFiles.unregister(dir.path)
        }
        let madeFile: Void? = TemporaryFiles.create(target.path) {
            fm.createFile(atPath: target.path, contents: nil, attributes: [.posixPermissions: 0o600]) ? () : nil
        }
        guard madeFile != nil, let handle = FileHandle(forWritingAtPath: target.path) else {
            throw ImportError(.unreadable, file: url.path, "cannot create a temporary file to extract '\(name)'")
        }
        var written = 0
        let cap = limit
        let crc: CRC32
        do {
            crc = try archive.extract(e, consumer: { chunk in
                written += chunk.count
                guard written <= cap else { throw KerasArchiveOverflow() }
                try handle.write(contentsOf: chunk)
            })
            try handle.close()
        } catch is KerasArchiveOverflow {
            try? handle.close()
            throw tooLarge(name, cap)
        } catch {
            try? handle.close()
            throw ImportError(.malformed, file: url.path, "cannot extract '\(name)' (corrupted archive?)")
        }
        try checkCRC(crc, of: e, name)
        return try body(target)
    }
}

private struct KerasArchiveOverflow: Error {}

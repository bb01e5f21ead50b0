import Foundation

/// Reads tensor data stored outside the model (`data_location = EXTERNAL`).
///
/// The location comes from an untrusted file, so it must stay inside the model's folder: absolute
/// paths, `..` steps out of the folder and symbolic links resolving elsewhere are refused, and every
/// offset and length is checked against the real file size before a byte is read.
struct ONNXExternalData {
    let modelFile: URL

    func read(_ entries: [String: String], tensor what: String,
              expectedBytes: (partialValue: Int, overflow: Bool)) throws(ImportError) -> [UInt8] {
        let path = modelFile.path
        guard let location = entries["location"], !location.isEmpty else {
            throw ImportError(.malformed, file: path, "\(what) is stored externally but names no location")
        }
        let target = try resolve(location, what: what)
        let offset = try number(entries["offset"], key: "offset", what: what) ?? 0
        let length = try number(entries["length"], key: "length", what: what)
        guard !expectedBytes.overflow else {
            throw ImportError(.malformed, file: path, "\(what) claims more elements than can be addressed")
        }
        let expected = expectedBytes.partialValue
        if let length, length != expected {
            throw ImportError(.malformed, file: path,
                              "\(what) declares \(length) external bytes, but its dims and data type need \(expected)")
        }
        let size: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: target.path)
            size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw ImportError(.unreadable, file: path, "cannot read external data file '\(location)' of \(what)")
        }
        let (end, overflow) = offset.addingReportingOverflow(expected)
        guard !overflow, end <= size else {
            throw ImportError(.malformed, file: path,
                              "\(what) needs bytes \(offset)..<\(overflow ? "overflow" : String(end)) of '\(location)', which holds only \(size)")
        }
        do {
            let handle = try FileHandle(forReadingFrom: target)
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: expected) ?? Data()
            guard data.count == expected else {
                throw ImportError(.malformed, file: path, "external data file '\(location)' of \(what) ended early")
            }
            return [UInt8](data)
        } catch let error as ImportError {
            throw error
        } catch {
            throw ImportError(.unreadable, file: path, "cannot read external data file '\(location)' of \(what): \(error.localizedDescription)")
        }
    }

    /// The file a location names, only if it lies inside the model's folder.
    func resolve(_ location: String, what: String) throws(ImportError) -> URL {
        let path = modelFile.path
        if location.hasPrefix("/") || location.hasPrefix("\\") || location.contains(":") {
            throw ImportError(.unsafePath, file: path, "\(what): external data location '\(location)' is absolute; it must be relative to the model's folder")
        }
        var depth = 0
        for component in location.split(whereSeparator: { $0 == "/" || $0 == "\\" }) {
            switch component {
            case ".": continue
            case "..": depth -= 1
            default: depth += 1
            }
            if depth < 0 {
                throw ImportError(.unsafePath, file: path, "\(what): external data location '\(location)' leaves the model's folder")
            }
        }
        let folder = modelFile.deletingLastPathComponent().standardizedFileURL
        let target = folder.appendingPathComponent(location).standardizedFileURL
        guard FileManager.default.fileExists(atPath: target.path) else {
            throw ImportError(.missingWeights, file: path, "\(what): external data file '\(location)' does not exist next to the model")
        }
        let realFolder = folder.resolvingSymlinksInPath().path
        let realTarget = target.resolvingSymlinksInPath().path
        let prefix = realFolder.hasSuffix("/") ? realFolder : realFolder + "/"
        guard realTarget.hasPrefix(prefix) else {
            throw ImportError(.unsafePath, file: path, "\(what): external data location '\(location)' resolves to '\(realTarget)', outside the model's folder")
        }
        return URL(fileURLWithPath: realTarget)
    }

    private func number(_ text: String?, key: String, what: String) throws(ImportError) -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), value >= 0 else {
            throw ImportError(.malformed, file: modelFile.path, "\(what): external data \(key) '\(text)' is not a non-negative integer")
        }
        return value
    }
}

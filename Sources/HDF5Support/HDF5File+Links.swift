import Foundation
internal import CHDF5

extension HDF5File {
    /// Soft-link hops allowed along one path; more means a cycle or a hostile file.
    static let maxLinkHops = 40

    /// Splits an HDF5 path into link names ("/a//b/" → ["a", "b"]).
    static func components(_ objectPath: String) -> [String] {
        objectPath.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
    }

    /// Resolves `objectPath` to a path of hard links, checking every link on the way.
    ///
    /// Soft links are followed here rather than by HDF5 so that a soft link to an external link is
    /// seen; external links must name a file inside this file's folder. Returns nil for a missing
    /// object when `mustExist` is false.
    func resolve(_ objectPath: String, mustExist: Bool) throws(HDF5Error) -> String? {
        HDF5Library.initialise()
        var pending = HDF5File.components(objectPath)
        var resolved = [String]()
        var hops = 0
        while !pending.isEmpty {
            let name = pending.removeFirst()
            let candidate = "/" + (resolved + [name]).joined(separator: "/")
            var valueSize = 0
            let type = imprint_h5_link_info(fileID, candidate, linkAccess, &valueSize)
            if type < 0 {
                if mustExist { throw HDF5Error(.missing, file: path, object: objectPath, "does not exist") }
                return nil
            }
            if type == imprint_h5l_type_hard() {
                resolved.append(name)
                continue
            }
            hops += 1
            guard hops <= HDF5File.maxLinkHops else {
                throw HDF5Error(.malformed, file: path, object: objectPath, "more than \(HDF5File.maxLinkHops) soft links (a cycle?)")
            }
            let value = try linkValue(candidate, size: valueSize, objectPath: objectPath)
            if type == imprint_h5l_type_soft() {
                let target = String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
                if target.hasPrefix("/") { resolved = [] }
                pending = HDF5File.components(target) + pending
            } else if type == imprint_h5l_type_external() {
                try checkExternalLink(value, at: candidate, objectPath: objectPath)
                // The rest of the path lies in the other file; the C guard checks links found there.
                resolved.append(name)
            } else {
                throw HDF5Error(.unsupported, file: path, object: objectPath, "user-defined link '\(candidate)' is not supported")
            }
        }
        return "/" + resolved.joined(separator: "/")
    }

    func resolveExisting(_ objectPath: String) throws(HDF5Error) -> String {
        guard let r = try resolve(objectPath, mustExist: true) else {
            throw HDF5Error(.missing, file: path, object: objectPath, "does not exist")
        }
        return r
    }

    private func linkValue(_ link: String, size: Int, objectPath: String) throws(HDF5Error) -> [UInt8] {
        guard size > 0, size < 65_536 else {
            throw HDF5Error(.malformed, file: path, object: objectPath, "link '\(link)' has an invalid value")
        }
        var buffer = [UInt8](repeating: 0, count: size)
        guard H5Lget_val(fileID, link, &buffer, size, linkAccess) >= 0 else {
            throw HDF5Error(.malformed, file: path, object: objectPath, "cannot read link '\(link)'")
        }
        return buffer
    }

    private func checkExternalLink(_ value: [UInt8], at link: String, objectPath: String) throws(HDF5Error) {
        var flags: UInt32 = 0
        var fileName: UnsafePointer<CChar>? = nil
        var target: UnsafePointer<CChar>? = nil
        var buffer = value
        let status = buffer.withUnsafeMutableBytes { raw in
            H5Lunpack_elink_val(raw.baseAddress, raw.count, &flags, &fileName, &target)
        }
        guard status >= 0, let fileName else {
            throw HDF5Error(.malformed, file: path, object: objectPath, "cannot decode external link '\(link)'")
        }
        let name = String(cString: fileName)
        guard isInsideFolder(name) else {
            throw HDF5Error(.unsafePath, file: path, object: objectPath,
                            "external link '\(link)' points to '\(name)', outside the file's folder")
        }
    }

    /// Whether a file named by the HDF5 file (external link or external storage) stays in its folder.
    func isInsideFolder(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("/"), !name.split(separator: "/").contains("..") else { return false }
        let target = URL(fileURLWithPath: folder).appendingPathComponent(name)
            .resolvingSymlinksInPath().standardizedFileURL.path
        return target.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
    }
}

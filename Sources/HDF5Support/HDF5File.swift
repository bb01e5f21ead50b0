import Foundation
internal import CHDF5

/// An HDF5 file opened read-only, with every object path checked before HDF5 follows it.
///
/// A class because it owns HDF5 handles that must be closed exactly once; not `Sendable` because
/// the HDF5 library is globally locked and reads gain nothing from threads. Writing will be added
/// as a separate initialiser so callers of the read API do not change.
public final class HDF5File {
    /// The file as given by the caller.
    public let url: URL
    /// Display name used in errors.
    public let path: String
    let fileID: hid_t
    /// Link access list carrying the external-link guard and the folder as external-link prefix.
    let linkAccess: hid_t
    /// Dataset access list resolving external raw-data files against the file's folder.
    let datasetAccess: hid_t
    /// The resolved folder that external links and external storage must stay inside.
    let folder: String
    /// Size of the file in bytes, a bound on what uncompressed contiguous data can claim.
    public let fileSize: Int

    /// The 8-byte signature that starts an HDF5 superblock (at offset 0, 512, 1024, 2048, …).
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Opens `url` read-only after checking that it carries the HDF5 signature, so that a file of
    /// another kind is reported as such instead of as an opaque HDF5 failure.
    public init(reading url: URL) throws(HDF5Error) {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        HDF5Library.initialise()
        let path = url.path
        self.url = url
        self.path = path
        let size = try HDF5File.checkSignature(path)
        fileSize = size
        try HDF5File.checkGlobalHeap(url)
        folder = url.deletingLastPathComponent().resolvingSymlinksInPath().standardizedFileURL.path

        let lapl = H5Pcreate(imprint_h5p_link_access())
        let dapl = H5Pcreate(imprint_h5p_dataset_access())
        guard lapl >= 0, dapl >= 0,
              imprint_h5p_set_elink_guard(lapl) >= 0,
              H5Pset_elink_prefix(lapl, folder) >= 0,
              H5Pset_efile_prefix(dapl, folder) >= 0 else {
            if lapl >= 0 { H5Pclose(lapl) }
            if dapl >= 0 { H5Pclose(dapl) }
            throw HDF5Error(.unreadable, file: path, "cannot set up HDF5 access properties")
        }
        let id = H5Fopen(path, imprint_h5f_acc_rdonly(), imprint_h5p_default())
        guard id >= 0 else {
            H5Pclose(lapl)
            H5Pclose(dapl)
            throw HDF5Error(.malformed, file: path, "the HDF5 file is damaged or truncated and cannot be opened")
        }
        fileID = id
        linkAccess = lapl
        datasetAccess = dapl
    }

    deinit {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        H5Fclose(fileID)
        H5Pclose(linkAccess)
        H5Pclose(datasetAccess)
    }

    /// Refuses a file whose global heap libhdf5 would loop on or read out of bounds; see
    /// `HDF5GlobalHeap`. Variable-length strings, fill values and virtual-dataset mappings all go
    /// through it, so the check runs at open, before any of them.
    private static func checkGlobalHeap(_ url: URL) throws(HDF5Error) {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw HDF5Error(.unreadable, file: url.path, "cannot read the file: \(error.localizedDescription)")
        }
        if let problem = data.withUnsafeBytes({ HDF5GlobalHeap.problem(in: $0) }) {
            throw HDF5Error(.malformed, file: url.path, "the file is damaged: \(problem)")
        }
    }

    /// Returns the file size after finding the signature where HDF5 allows a superblock.
    private static func checkSignature(_ path: String) throws(HDF5Error) -> Int {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw HDF5Error(.unreadable, file: path, "cannot open the file for reading")
        }
        defer { try? handle.close() }
        guard let end = try? handle.seekToEnd(), end > 0 else {
            throw HDF5Error(.notHDF5, file: path, "not an HDF5 file (the file is empty)")
        }
        var offset: UInt64 = 0
        while offset + 8 <= end {
            guard (try? handle.seek(toOffset: offset)) != nil,
                  let bytes = try? handle.read(upToCount: 8) else {
                throw HDF5Error(.unreadable, file: path, "cannot read the file")
            }
            if Array(bytes) == signature { return Int(clamping: end) }
            offset = offset == 0 ? 512 : offset * 2
        }
        throw HDF5Error(.notHDF5, file: path, "not an HDF5 file (no HDF5 signature)")
    }

    // MARK: Objects

    public enum ObjectKind: Sendable, Equatable { case group, dataset, other }

    /// The kind of object at `objectPath`, or nil if nothing is there. Unsafe links still throw.
    public func kind(of objectPath: String) throws(HDF5Error) -> ObjectKind? {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        guard let resolved = try resolve(objectPath, mustExist: false) else { return nil }
        switch imprint_h5_object_kind(fileID, resolved, linkAccess) {
        case 1: return .group
        case 2: return .dataset
        case 0: return .other
        default: return nil
        }
    }

    /// Names of the links in a group, in name order.
    public func members(ofGroup groupPath: String = "/") throws(HDF5Error) -> [String] {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        let resolved = try resolveExisting(groupPath)
        let group = H5Gopen2(fileID, resolved, linkAccess)
        guard group >= 0 else { throw HDF5Error(.malformed, file: path, object: groupPath, "is not a readable group") }
        defer { H5Gclose(group) }
        var info = H5G_info_t()
        guard H5Gget_info(group, &info) >= 0 else {
            throw HDF5Error(.malformed, file: path, object: groupPath, "cannot read the group's member list")
        }
        guard info.nlinks <= 10_000_000 else {
            throw HDF5Error(.tooLarge, file: path, object: groupPath, "group claims \(info.nlinks) members")
        }
        var names = [String]()
        for i in 0..<info.nlinks {
            let length = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, linkAccess)
            guard length >= 0, length < 65_536 else {
                throw HDF5Error(.malformed, file: path, object: groupPath, "cannot read the name of member \(i)")
            }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            guard H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, buffer.count, linkAccess) >= 0 else {
                throw HDF5Error(.malformed, file: path, object: groupPath, "cannot read the name of member \(i)")
            }
            names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }
}

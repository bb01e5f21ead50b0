import Foundation

/// Where an output goes, classified once before any work so every writer follows the same rule and a
/// bad path fails before a long run rather than after it:
///
/// - a regular file, or a new path: written to a temporary file beside the real file and renamed over
///   it, so readers never see half a file. A symlink is followed and stays a symlink; what is replaced
///   is the file it points to.
/// - a character or block device, a FIFO, or `-` (standard output): written through, since renaming
///   would replace `/dev/null` or a FIFO with a regular file and leave its reader waiting forever.
/// - an output that is one of the command's inputs (the same file by device and inode, so also a hard
///   link or a symlink to it) is refused: writing would destroy the input it is computed from.
public struct OutputDestination: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Written to a temporary file in `folder`, then renamed to `file` (both resolved, no symlinks).
        case replaceAtomically(file: String)
        /// Opened and written in place: a device, a FIFO, or a file reached through /dev or /proc
        /// (`/dev/stdout` redirected to a file), which is appended to rather than replaced.
        case writeThrough(path: String)
        /// `-`: the process's standard output.
        case standardOutput
    }

    /// The path as the user gave it, for messages.
    public let path: String
    public let kind: Kind

    public var description: String { path }

    /// False for a stream, which cannot be taken back: an error part-way leaves what was already written.
    public var isAtomic: Bool { if case .replaceAtomically = kind { return true }; return false }

    /// Classifies `path`; `inputs` are the files the command reads (paths that do not name an existing
    /// file, such as a named data set, are ignored).
    public init(_ path: String, inputs: [String] = []) throws(FileWriteError) {
        self.path = path
        if path == "-" { kind = .standardOutput; return }
        guard !path.isEmpty else { throw FileWriteError(path: path, reason: "the output path is empty") }

        var info = stat()
        if stat(path, &info) == 0 {
            let type = info.st_mode & S_IFMT
            switch type {
            case S_IFDIR:
                throw FileWriteError(path: path, reason: "is a folder; give a file name")
            case S_IFCHR, S_IFBLK, S_IFIFO:
                kind = .writeThrough(path: path)
                return
            case S_IFREG:
                try Self.refuseIfInput(info, path: path, inputs: inputs)
                if path.hasPrefix("/dev/") || path.hasPrefix("/proc/") {
                    kind = .writeThrough(path: path)
                    return
                }
                guard let resolved = Self.realPath(path) else {
                    throw FileWriteError(path: path, reason: "cannot resolve the path: \(Self.errnoText())")
                }
                kind = .replaceAtomically(file: resolved)
            default:
                throw FileWriteError(path: path, reason: "is neither a regular file nor a device or FIFO")
            }
        } else if errno == ENOENT {
            // A new file, or a symlink pointing to one that does not exist yet.
            let target = try Self.followDanglingLinks(path)
            let url = URL(fileURLWithPath: target)
            let folder = url.deletingLastPathComponent().path
            var folderInfo = stat()
            guard stat(folder, &folderInfo) == 0, folderInfo.st_mode & S_IFMT == S_IFDIR else {
                throw FileWriteError(path: path, reason: "the folder \(folder) does not exist")
            }
            guard let resolvedFolder = Self.realPath(folder) else {
                throw FileWriteError(path: path, reason: "cannot resolve the folder \(folder): \(Self.errnoText())")
            }
            kind = .replaceAtomically(file: URL(fileURLWithPath: resolvedFolder).appendingPathComponent(url.lastPathComponent).path)
        } else {
            throw FileWriteError(path: path, reason: "cannot use the path: \(Self.errnoText())")
        }
        if case .replaceAtomically(let file) = kind {
            let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
            guard access(folder, W_OK | X_OK) == 0 else {
                throw FileWriteError(path: path, reason: "cannot create a file in \(folder): \(Self.errnoText())")
            }
        }
    }

    /// Same file as an input: the same device and inode, which also catches hard links and symlinks.
    private static func refuseIfInput(_ output: stat, path: String, inputs: [String]) throws(FileWriteError) {
        for input in inputs {
            var info = stat()
            guard stat(input, &info) == 0 else { continue }
            if info.st_dev == output.st_dev && info.st_ino == output.st_ino {
                let same = input == path ? "" : " (\(input))"
                throw FileWriteError(path: path, reason: "is also an input of this command\(same); writing it would destroy the input, so give another output file")
            }
        }
    }

    /// The file a chain of symlinks ends at when that file does not exist yet (the path itself if it is
    /// no symlink); at most 40 links, as the kernel allows.
    private static func followDanglingLinks(_ path: String) throws(FileWriteError) -> String {
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, Int(PATH_MAX))
            guard n > 0 else { throw FileWriteError(path: path, reason: "cannot read the symlink \(current): \(errnoText())") }
            let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = target.hasPrefix("/") ? target
                : URL(fileURLWithPath: current).deletingLastPathComponent().appendingPathComponent(target).path
        }
        throw FileWriteError(path: path, reason: "too many levels of symbolic links")
    }

    private static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

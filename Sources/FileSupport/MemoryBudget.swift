import Foundation

/// Refuses, up front, a computation whose size a user or a file chose and that could never fit in
/// this machine's memory: a clear error naming the size beats a crash after a 500 GB allocation.
public enum MemoryBudget {
    /// Physical memory of the machine in bytes (sysconf), or nil where it cannot be read.
    public static var physicalBytes: Int? {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return nil }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: size)
        return overflow ? Int.max : bytes
    }

    /// `count` × `bytesEach` with overflow reported as nil.
    public static func bytes(_ count: Int, each bytesEach: Int) -> Int? {
        guard count >= 0, bytesEach >= 0 else { return nil }
        let (b, o) = count.multipliedReportingOverflow(by: bytesEach)
        return o ? nil : b
    }

    /// nil if `bytes` (nil: beyond Int) fits in physical memory, else a sentence saying what would
    /// not fit and how large it is, for the caller's error type.
    public static func excess(_ bytes: Int?, of what: String) -> String? {
        guard let limit = physicalBytes else { return nil }
        if let bytes, bytes <= limit { return nil }
        let size = bytes.map(Self.text) ?? "more than \(Self.text(Int.max))"
        return "\(what) would take \(size), more than this machine's \(Self.text(limit)) of memory"
    }

    /// "36.9 GB" (decimal units, as `df -H` and vendors print memory).
    public static func text(_ bytes: Int) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"]
        var v = Double(bytes), i = 0
        while v >= 1000, i < units.count - 1 { v /= 1000; i += 1 }
        return i == 0 ? "\(bytes) bytes" : String(format: "%.1f", v) + " " + units[i]
    }
}

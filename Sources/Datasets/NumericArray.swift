/// An n-dimensional array as read from a data file, kept in its stored element type so that
/// 8-bit images stay compact until a batch is converted.
public struct NumericArray: Sendable, Equatable {
    public enum Storage: Sendable, Equatable {
        case uint8([UInt8])
        case float32([Float])
        case int64([Int64])
    }

    public let shape: [Int]
    public let storage: Storage

    public init(shape: [Int], storage: Storage) {
        self.shape = shape
        self.storage = storage
    }

    public var count: Int {
        switch storage {
        case .uint8(let v): return v.count
        case .float32(let v): return v.count
        case .int64(let v): return v.count
        }
    }

    public var isInteger: Bool {
        if case .float32 = storage { return false }
        return true
    }

    /// Elements as integers (class labels); nil if stored as floats that are not whole numbers.
    public func integers() -> [Int]? {
        switch storage {
        case .uint8(let v): return v.map(Int.init)
        case .int64(let v): return v.map(Int.init)
        case .float32(let v):
            var out = [Int]()
            out.reserveCapacity(v.count)
            for f in v {
                guard f.isFinite, f == f.rounded(), abs(f) < 1e9 else { return nil }
                out.append(Int(f))
            }
            return out
        }
    }
}

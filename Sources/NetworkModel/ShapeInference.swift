/// Output shapes of operations; shapes are full (batch axis 0 included).
public enum ShapeInference {
    public static func outputShape(of node: Node, inputShapes s: [[Int]]) throws(NetworkError) -> [Int] {
        let name = node.name
        func need(_ n: Int) throws(NetworkError) {
            if s.count != n { throw .invalidAttribute(node: name, detail: "expects \(n) input(s), got \(s.count)") }
        }
        func mismatch(_ d: String) -> NetworkError { .shapeMismatch(node: name, detail: d) }
        switch node.operation {
        case .dense(let d):
            try need(1)
            guard d.weight.rank == 2 else { throw mismatch("kernel must be 2-D, is \(d.weight.shape)") }
            guard let last = s[0].last, s[0].count >= 2, last == d.inputs else {
                throw mismatch("input \(s[0]) does not end in the kernel's \(d.inputs) inputs")
            }
            if let b = d.bias, b.count != d.outputs { throw mismatch("bias has \(b.count) values for \(d.outputs) outputs") }
            return Array(s[0].dropLast()) + [d.outputs]
        case .conv2d(let c):
            try need(1)
            guard c.weight.rank == 4 else { throw mismatch("kernel must be 4-D [C_out, C_in/group, K_h, K_w], is \(c.weight.shape)") }
            guard s[0].count == 4 else { throw mismatch("input must be 4-D NCHW, is \(s[0])") }
            guard c.group >= 1, c.outChannels % c.group == 0, s[0][1] == c.inChannelsPerGroup * c.group else {
                throw mismatch("input has \(s[0][1]) channels; kernel \(c.weight.shape) with group \(c.group) expects \(c.inChannelsPerGroup * c.group)")
            }
            if let b = c.bias, b.count != c.outChannels { throw mismatch("bias has \(b.count) values for \(c.outChannels) channels") }
            let (h, w) = try window(name, s[0], kernel: c.kernel, strides: c.strides, dilations: c.dilations,
                                    padding: c.padding, ceil: false)
            return [s[0][0], c.outChannels, h, w]
        case .pool2d(let p):
            try need(1)
            guard s[0].count == 4 else { throw mismatch("input must be 4-D NCHW, is \(s[0])") }
            let (h, w) = try window(name, s[0], kernel: p.kernel, strides: p.strides, dilations: p.dilations,
                                    padding: p.padding, ceil: p.ceilMode)
            return [s[0][0], s[0][1], h, w]
        case .globalPool:
            try need(1)
            guard s[0].count >= 3 else { throw mismatch("global pooling needs spatial axes, input is \(s[0])") }
            return [s[0][0], s[0][1]] + [Int](repeating: 1, count: s[0].count - 2)
        case .batchNorm(let b):
            try need(1)
            guard s[0].count >= 2, s[0][1] == b.channels,
                  b.bias.count == b.channels, b.mean.count == b.channels, b.variance.count == b.channels else {
                throw mismatch("batch norm of \(b.channels) channels applied to \(s[0])")
            }
            return s[0]
        case .activation, .identity:
            try need(1)
            return s[0]
        case .softmax(let axis):
            try need(1)
            _ = try normalise(axis, rank: s[0].count, name)
            return s[0]
        case .reduceMean(let axes, let keep):
            try need(1)
            let r = s[0].count
            var set = Set<Int>()
            for a in axes { set.insert(try normalise(a, rank: r, name)) }
            if set.contains(0) { throw .invalidAttribute(node: name, detail: "reducing over the batch axis is not supported") }
            var out = [Int]()
            for i in 0..<r {
                if set.contains(i) { if keep { out.append(1) } } else { out.append(s[0][i]) }
            }
            return out
        case .flatten(let axis):
            try need(1)
            let r = s[0].count
            let a = axis < 0 ? axis + r : axis
            guard a >= 1, a <= r else { throw .invalidAttribute(node: name, detail: "flatten axis \(axis) must keep the batch axis (rank \(r))") }
            return [s[0][..<a].reduce(1, *), s[0][a...].reduce(1, *)]
        case .reshape(let target):
            try need(1)
            return try reshape(name, s[0], target)
        case .transpose(let perm):
            try need(1)
            guard perm.count == s[0].count, Set(perm) == Set(0..<perm.count) else {
                throw .invalidAttribute(node: name, detail: "permutation \(perm) does not fit input \(s[0])")
            }
            guard perm[0] == 0 else { throw .invalidAttribute(node: name, detail: "transposing the batch axis is not supported") }
            return perm.map { s[0][$0] }
        case .add, .sub, .mul, .div:
            guard s.count >= 2 else { throw .invalidAttribute(node: name, detail: "expects at least 2 inputs") }
            var out = s[0]
            for other in s.dropFirst() { out = try broadcast(name, out, other) }
            return out
        case .concat(let axis):
            guard !s.isEmpty else { throw .invalidAttribute(node: name, detail: "expects inputs") }
            let r = s[0].count
            let a = try normalise(axis, rank: r, name)
            guard a != 0 else { throw .invalidAttribute(node: name, detail: "concatenating along the batch axis is not supported") }
            var out = s[0]
            for other in s.dropFirst() {
                guard other.count == r, (0..<r).allSatisfy({ $0 == a || other[$0] == s[0][$0] }) else {
                    throw mismatch("cannot concatenate \(s[0]) and \(other) along axis \(axis)")
                }
                out[a] += other[a]
            }
            return out
        }
    }

    public static func normalise(_ axis: Int, rank: Int, _ name: String) throws(NetworkError) -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else { throw .invalidAttribute(node: name, detail: "axis \(axis) out of range for rank \(rank)") }
        return a
    }

    /// NumPy broadcasting of two shapes.
    public static func broadcast(_ name: String, _ a: [Int], _ b: [Int]) throws(NetworkError) -> [Int] {
        let r = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: r - a.count) + a
        let pb = [Int](repeating: 1, count: r - b.count) + b
        var out = [Int]()
        for i in 0..<r {
            if pa[i] == pb[i] || pb[i] == 1 { out.append(pa[i]) } else if pa[i] == 1 { out.append(pb[i]) } else {
                throw .shapeMismatch(node: name, detail: "cannot broadcast \(a) with \(b)")
            }
        }
        return out
    }

    static func reshape(_ name: String, _ input: [Int], _ target: [Int]) throws(NetworkError) -> [Int] {
        let total = input.reduce(1, *)
        var out = [Int]()
        var inferred: Int? = nil
        for (i, t) in target.enumerated() {
            switch t {
            case 0:
                guard i < input.count else { throw .invalidAttribute(node: name, detail: "reshape 0 at axis \(i) has no input axis to copy") }
                out.append(input[i])
            case -1:
                if inferred != nil { throw .invalidAttribute(node: name, detail: "reshape target \(target) has more than one -1") }
                inferred = i
                out.append(1)
            case let d where d > 0: out.append(d)
            default: throw .invalidAttribute(node: name, detail: "reshape target \(target) has a negative dimension")
            }
        }
        let known = out.reduce(1, *)
        if let i = inferred {
            guard known > 0, total % known == 0 else {
                throw .shapeMismatch(node: name, detail: "cannot reshape \(input) to \(target)")
            }
            out[i] = total / known
        }
        guard out.reduce(1, *) == total else { throw .shapeMismatch(node: name, detail: "cannot reshape \(input) to \(target)") }
        return out
    }

    static func window(_ name: String, _ x: [Int], kernel: [Int], strides: [Int], dilations: [Int],
                       padding: Padding2D, ceil: Bool) throws(NetworkError) -> (Int, Int) {
        guard kernel.count == 2, strides.count == 2, dilations.count == 2,
              kernel.allSatisfy({ $0 >= 1 }), strides.allSatisfy({ $0 >= 1 }), dilations.allSatisfy({ $0 >= 1 }) else {
            throw .invalidAttribute(node: name, detail: "kernel \(kernel), strides \(strides), dilations \(dilations) must be two positive values each")
        }
        let p = padding.resolve(inputHW: (x[2], x[3]), kernel: (kernel[0], kernel[1]),
                                stride: (strides[0], strides[1]), dilation: (dilations[0], dilations[1]))
        guard p.top >= 0, p.left >= 0, p.bottom >= 0, p.right >= 0 else {
            throw .invalidAttribute(node: name, detail: "negative padding")
        }
        func out(_ n: Int, _ begin: Int, _ end: Int, _ k: Int, _ s: Int, _ d: Int) -> Int {
            let span = n + begin + end - ((k - 1) * d + 1)
            if span < 0 { return 0 }
            guard ceil else { return span / s + 1 }
            let rounded = (span + s - 1) / s + 1
            // ONNX (and PyTorch) drop a ceil-mode window that would start in the end padding.
            return (rounded - 1) * s >= n + begin ? rounded - 1 : rounded
        }
        let h = out(x[2], p.top, p.bottom, kernel[0], strides[0], dilations[0])
        let w = out(x[3], p.left, p.right, kernel[1], strides[1], dilations[1])
        guard h > 0, w > 0 else {
            throw .shapeMismatch(node: name, detail: "window \(kernel) does not fit input \(x) with its padding")
        }
        return (h, w)
    }
}

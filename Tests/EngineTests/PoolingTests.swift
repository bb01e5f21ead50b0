import Engine
import NetworkModel
import Testing

struct PoolCase: Sendable, CustomStringConvertible {
    var name: String
    var height = 6, width = 7
    var kernel = [2, 2], strides = [2, 2], dilations = [1, 1]
    var padding = Padding2D.valid
    var ceil = false
    var description: String { name }
}

enum PoolVariant: String, Sendable, CaseIterable, CustomStringConvertible {
    case max, averageExcludingPad, averageIncludingPad
    var description: String { rawValue }
}

let poolCases: [PoolCase] = [
    PoolCase(name: "2x2 stride 2"),
    PoolCase(name: "3x3 stride 2 pad 1", kernel: [3, 3], padding: .explicit(top: 1, left: 1, bottom: 1, right: 1)),
    PoolCase(name: "3x3 stride 2 pad 1 ceil", kernel: [3, 3], padding: .explicit(top: 1, left: 1, bottom: 1, right: 1), ceil: true),
    PoolCase(name: "3x3 stride 2 ceil", kernel: [3, 3], ceil: true),
    PoolCase(name: "asymmetric pads ceil", height: 5, width: 8, kernel: [3, 2], strides: [3, 2],
             padding: .explicit(top: 0, left: 1, bottom: 2, right: 0), ceil: true),
    PoolCase(name: "window starting in end padding is dropped", height: 4, width: 4, strides: [3, 3],
             padding: .explicit(top: 1, left: 1, bottom: 1, right: 1), ceil: true),
    PoolCase(name: "dilation 2 pad 1", kernel: [2, 3], strides: [1, 2], dilations: [2, 2],
             padding: .explicit(top: 1, left: 1, bottom: 1, right: 1)),
    PoolCase(name: "dilation 2 ceil", height: 8, width: 9, kernel: [3, 2], strides: [2, 3], dilations: [2, 2], ceil: true),
    PoolCase(name: "same upper 3x3 stride 2", kernel: [3, 3], padding: .sameUpper),
    PoolCase(name: "same lower 2x2 stride 1", strides: [1, 1], padding: .sameLower),
    // Windows wholly inside the plane (the max kernel's unpadded path), one with a column left over.
    PoolCase(name: "3x3 stride 2", height: 7, width: 8, kernel: [3, 3]),
    PoolCase(name: "3x2 stride 1x3", height: 5, width: 9, kernel: [3, 2], strides: [1, 3]),
]

@Suite struct PoolingTests {
    @Test(arguments: poolCases, PoolVariant.allCases)
    func matchesWindowEnumeration(_ c: PoolCase, _ variant: PoolVariant) throws {
        let op = Pool2DOp(kind: variant == .max ? .max : .average, kernel: c.kernel, strides: c.strides,
                          dilations: c.dilations, padding: c.padding,
                          countIncludePad: variant == .averageIncludingPad, ceilMode: c.ceil)
        let network = try singleNodeNetwork(.pool2d(op), input: [3, c.height, c.width])
        let x = try randomTensor([2, 3, c.height, c.width], seed: 31)
        let pads: (Int, Int, Int, Int)
        switch c.padding {
        case .explicit(let t, let l, let b, let r): pads = (t, l, b, r)
        case .sameUpper, .sameLower:
            pads = Reference.samePads(h: c.height, w: c.width, kernel: c.kernel, strides: c.strides,
                                      dilations: c.dilations, upper: c.padding == .sameUpper)
        }
        let expected = try Reference.pool(x, max: variant == .max, kernel: c.kernel, strides: c.strides,
                                          dilations: c.dilations, pads: pads, ceil: c.ceil,
                                          countIncludePad: variant == .averageIncludingPad)
        expectClose(try runNetwork(network, x), expected)
    }

    /// ONNX backend test `maxpool_2d_ceil`.
    @Test func maxPoolCeilModeByHand() throws {
        let x = try Tensor(shape: [1, 1, 4, 4], data: (1...16).map(Float.init))
        let op = Pool2DOp(kind: .max, kernel: [3, 3], strides: [2, 2], ceilMode: true)
        let y = try runNetwork(try singleNodeNetwork(.pool2d(op), input: [1, 4, 4]), x)
        #expect(y.shape == [1, 1, 2, 2])
        #expect(y.data == [11, 12, 15, 16])
    }

    /// Ceil-mode windows hanging over the input edge average only real cells, with or without
    /// count_include_pad, since there is no padding to count.
    @Test(arguments: [false, true])
    func averagePoolCeilModeByHand(_ includePad: Bool) throws {
        let x = try Tensor(shape: [1, 1, 4, 4], data: (1...16).map(Float.init))
        let op = Pool2DOp(kind: .average, kernel: [3, 3], strides: [2, 2], countIncludePad: includePad, ceilMode: true)
        let y = try runNetwork(try singleNodeNetwork(.pool2d(op), input: [1, 4, 4]), x)
        #expect(y.data == [6, 7.5, 12, 13.5])
    }

    /// With one cell of padding all round, count_include_pad divides the corner window by 4, not 1.
    @Test func averagePoolCountsPaddingWhenAsked() throws {
        let x = try Tensor(shape: [1, 1, 2, 2], data: [4, 8, 12, 16])
        let pad = Padding2D.explicit(top: 1, left: 1, bottom: 1, right: 1)
        let include = Pool2DOp(kind: .average, kernel: [2, 2], strides: [2, 2], padding: pad, countIncludePad: true)
        let exclude = Pool2DOp(kind: .average, kernel: [2, 2], strides: [2, 2], padding: pad, countIncludePad: false)
        #expect(try runNetwork(try singleNodeNetwork(.pool2d(include), input: [1, 2, 2]), x).data == [1, 2, 3, 4])
        #expect(try runNetwork(try singleNodeNetwork(.pool2d(exclude), input: [1, 2, 2]), x).data == [4, 8, 12, 16])
    }

    @Test(arguments: [PoolKind.max, PoolKind.average])
    func globalPool(_ kind: PoolKind) throws {
        let x = try randomTensor([3, 4, 5, 6], seed: 41)
        let y = try runNetwork(try singleNodeNetwork(.globalPool(kind), input: [4, 5, 6]), x)
        #expect(y.shape == [3, 4, 1, 1])
        var expected = [Float]()
        for plane in 0..<12 {
            let values = x.data[(plane * 30)..<(plane * 30 + 30)]
            expected.append(kind == .max ? values.max() ?? 0 : Float(values.reduce(0.0) { $0 + Double($1) } / 30))
        }
        expectClose(y, try Tensor(shape: [3, 4, 1, 1], data: expected))
    }
}

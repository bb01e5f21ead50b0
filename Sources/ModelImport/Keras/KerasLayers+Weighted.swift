import NetworkModel

/// Layers with trained variables. Keras kernels are HWIO ([K_h, K_w, C_in, C_out]); Imprint's are
/// [C_out, C_in/group, K_h, K_w], dense kernels [in, out] in both.
extension KerasGraphBuilder {
    func positiveInt(_ layer: KerasLayerSpec, _ key: String, default fallback: Int? = nil) throws(ImportError) -> Int {
        guard let v = layer.config[key], !v.isNull else {
            if let fallback { return fallback }
            throw error(.malformed, layer, "has no '\(key)'")
        }
        guard let i = v.int, i >= 1, i <= 1 << 24 else { throw error(.unsupported, layer, "\(key) \(v) is not a positive size") }
        return i
    }

    private func useBias(_ layer: KerasLayerSpec) -> Bool { layer.config["use_bias"]?.bool ?? true }

    private func reshaped(_ t: Tensor, _ shape: [Int], _ layer: KerasLayerSpec) throws(ImportError) -> Tensor {
        do { return try t.reshaped(shape) } catch { throw self.error(.invalidNetwork, layer, error.description) }
    }

    private func transposed(_ t: Tensor, _ perm: [Int], _ layer: KerasLayerSpec) throws(ImportError) -> Tensor {
        do { return try t.transposed(perm) } catch { throw self.error(.invalidNetwork, layer, error.description) }
    }

    private func rejectQuantized(_ layer: KerasLayerSpec) throws(ImportError) {
        if let q = layer.config["quantization_config"], !q.isNull {
            throw error(.unsupported, layer, "quantized layers are not supported")
        }
        if let mode = layer.config["dtype"]?["config"]?["quantization_mode"], !mode.isNull {
            throw error(.unsupported, layer, "quantized layers are not supported")
        }
    }

    mutating func dense(_ layer: KerasLayerSpec, _ x: KerasValue, at path: KerasLayerPath, name: String) throws(ImportError) -> KerasValue {
        try rejectQuantized(layer)
        let units = try positiveInt(layer, "units")
        let activation = try fusedActivation(layer)
        var input = x
        // Dense acts on Keras' last axis, which for an image is C: work in NHWC around it.
        let image = x.shape.count == 4
        if image { input = try emit(.transpose(perm: [0, 2, 3, 1]), [x.name], name: name + "/nhwc", layer: layer) }
        guard input.shape.count >= 2, let inDim = input.shape.last else {
            throw error(.unsupported, layer, "input of shape \(x.shape) is not supported")
        }
        var variables = [(name: "kernel", shape: [inDim, units])]
        if useBias(layer) { variables.append((name: "bias", shape: [units])) }
        let w = try weights.read(variables, of: layer, at: path)
        var kernel = w[0]
        if let chw = x.pendingFlatten {
            // Rows arrive in (c, h, w) order; Keras' kernel expects (h, w, c): permute them once here.
            let hwc = try reshaped(kernel, [chw[1], chw[2], chw[0], units], layer)
            kernel = try reshaped(try transposed(hwc, [2, 0, 1, 3], layer), [inDim, units], layer)
        }
        let op = DenseOp(weight: kernel, bias: w.count > 1 ? w[1] : nil)
        var out = try emit(.dense(op), [input.name], name: image ? name + "/dense" : name, layer: layer)
        if image { out = try emit(.transpose(perm: [0, 3, 1, 2]), [out.name], name: name, layer: layer) }
        return try activate(out, activation, layer: layer, name: name + "/act")
    }

    mutating func conv2D(_ layer: KerasLayerSpec, _ x: KerasValue, at path: KerasLayerPath, name: String) throws(ImportError) -> KerasValue {
        try rejectQuantized(layer)
        try requireChannelsLast(layer)
        try requireImage(x, layer)
        let filters = try positiveInt(layer, "filters")
        let k = try pair(layer, "kernel_size")
        let groups = try positiveInt(layer, "groups", default: 1)
        let channels = x.shape[1]
        guard channels % groups == 0, filters % groups == 0 else {
            throw error(.invalidNetwork, layer, "\(channels) input channels and \(filters) filters do not divide into \(groups) groups")
        }
        let activation = try fusedActivation(layer)
        var variables = [(name: "kernel", shape: [k[0], k[1], channels / groups, filters])]
        if useBias(layer) { variables.append((name: "bias", shape: [filters])) }
        let w = try weights.read(variables, of: layer, at: path)
        let op = Conv2DOp(weight: try transposed(w[0], [3, 2, 0, 1], layer), bias: w.count > 1 ? w[1] : nil,
                          strides: try pair(layer, "strides", default: [1, 1]),
                          dilations: try pair(layer, "dilation_rate", default: [1, 1]),
                          padding: try padding(layer), group: groups)
        let out = try emit(.conv2d(op), [x.name], name: name, layer: layer)
        return try activate(out, activation, layer: layer, name: name + "/act")
    }

    /// Keras' depthwise kernel [K_h, K_w, C, M] produces output channel c·M + m; as a grouped
    /// convolution with one group per input channel that is weight [C·M, 1, K_h, K_w].
    private func depthwiseWeight(_ kernel: Tensor, channels: Int, multiplier: Int, _ layer: KerasLayerSpec) throws(ImportError) -> Tensor {
        let cmhw = try transposed(kernel, [2, 3, 0, 1], layer)
        return try reshaped(cmhw, [channels * multiplier, 1, kernel.shape[0], kernel.shape[1]], layer)
    }

    mutating func depthwiseConv2D(_ layer: KerasLayerSpec, _ x: KerasValue, at path: KerasLayerPath, name: String) throws(ImportError) -> KerasValue {
        try rejectQuantized(layer)
        try requireChannelsLast(layer)
        try requireImage(x, layer)
        let k = try pair(layer, "kernel_size")
        let m = try positiveInt(layer, "depth_multiplier", default: 1)
        let channels = x.shape[1]
        let activation = try fusedActivation(layer)
        var variables = [(name: "kernel", shape: [k[0], k[1], channels, m])]
        if useBias(layer) { variables.append((name: "bias", shape: [channels * m])) }
        let w = try weights.read(variables, of: layer, at: path)
        let op = Conv2DOp(weight: try depthwiseWeight(w[0], channels: channels, multiplier: m, layer),
                          bias: w.count > 1 ? w[1] : nil,
                          strides: try pair(layer, "strides", default: [1, 1]),
                          dilations: try pair(layer, "dilation_rate", default: [1, 1]),
                          padding: try padding(layer), group: channels)
        let out = try emit(.conv2d(op), [x.name], name: name, layer: layer)
        return try activate(out, activation, layer: layer, name: name + "/act")
    }

    mutating func separableConv2D(_ layer: KerasLayerSpec, _ x: KerasValue, at path: KerasLayerPath, name: String) throws(ImportError) -> KerasValue {
        try requireChannelsLast(layer)
        try requireImage(x, layer)
        let filters = try positiveInt(layer, "filters")
        let k = try pair(layer, "kernel_size")
        let m = try positiveInt(layer, "depth_multiplier", default: 1)
        let channels = x.shape[1]
        let activation = try fusedActivation(layer)
        var variables = [(name: "depthwise_kernel", shape: [k[0], k[1], channels, m]),
                         (name: "pointwise_kernel", shape: [1, 1, channels * m, filters])]
        if useBias(layer) { variables.append((name: "bias", shape: [filters])) }
        let w = try weights.read(variables, of: layer, at: path)
        let depthwise = Conv2DOp(weight: try depthwiseWeight(w[0], channels: channels, multiplier: m, layer), bias: nil,
                                 strides: try pair(layer, "strides", default: [1, 1]),
                                 dilations: try pair(layer, "dilation_rate", default: [1, 1]),
                                 padding: try padding(layer), group: channels)
        let mid = try emit(.conv2d(depthwise), [x.name], name: name + "/depthwise", layer: layer)
        let pointwise = Conv2DOp(weight: try transposed(w[1], [3, 2, 0, 1], layer), bias: w.count > 2 ? w[2] : nil)
        let out = try emit(.conv2d(pointwise), [mid.name], name: name, layer: layer)
        return try activate(out, activation, layer: layer, name: name + "/act")
    }

    mutating func batchNorm(_ layer: KerasLayerSpec, _ x: KerasValue, at path: KerasLayerPath, name: String) throws(ImportError) -> KerasValue {
        let v = try materialise(x, layer: layer)
        let axis = try internalAxis(layer.config["axis"], default: -1, rank: v.shape.count, layer: layer)
        guard axis == 1 else {
            throw error(.unsupported, layer, "normalising axis \(layer.config["axis"].map { "\($0)" } ?? "-1") of a rank-\(v.shape.count) tensor is not supported (only the feature/channel axis)")
        }
        let channels = v.shape[1]
        let scale = layer.config["scale"]?.bool ?? true
        let center = layer.config["center"]?.bool ?? true
        var variables = [(name: String, shape: [Int])]()
        if scale { variables.append((name: "gamma", shape: [channels])) }
        if center { variables.append((name: "beta", shape: [channels])) }
        variables += [(name: "moving_mean", shape: [channels]), (name: "moving_variance", shape: [channels])]
        var w = try weights.read(variables, of: layer, at: path)
        let gamma = scale ? w.removeFirst().data : [Float](repeating: 1, count: channels)
        let beta = center ? w.removeFirst().data : [Float](repeating: 0, count: channels)
        guard w.count == 2 else { throw error(.missingWeights, layer, "moving statistics are missing") }
        let epsilon = Float(layer.config["epsilon"]?.double ?? 1e-3)
        let op = BatchNormOp(scale: gamma, bias: beta, mean: w[0].data, variance: w[1].data, epsilon: epsilon)
        return try emit(.batchNorm(op), [v.name], name: name, layer: layer)
    }
}

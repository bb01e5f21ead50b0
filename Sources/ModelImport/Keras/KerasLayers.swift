import NetworkModel

/// Layers that only act during training; at inference they pass their input through.
private let inferenceIdentityLayers: Set<String> = [
    "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
    "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Identity",
]

extension KerasGraphBuilder {
    /// Converts one call of a layer into nodes and returns the Keras tensors it produces.
    mutating func apply(_ layer: KerasLayerSpec, _ ins: [KerasValue], at path: KerasLayerPath,
                        callSuffix: String = "") throws(ImportError) -> [KerasValue] {
        let name = path.tensorPrefix + layer.name + callSuffix
        let c = layer.config
        if layer.isModel {
            let spec = try KerasModelSpec.parseModel(className: layer.className, config: c, dialect: dialect, file: file)
            return try build(spec, at: path, bound: ins)
        }
        if inferenceIdentityLayers.contains(layer.className) || layer.className == "InputLayer" {
            return [try single(ins, layer)]
        }
        switch layer.className {
        case "Dense": return [try dense(layer, single(ins, layer), at: path, name: name)]
        case "Conv2D": return [try conv2D(layer, single(ins, layer), at: path, name: name)]
        case "DepthwiseConv2D": return [try depthwiseConv2D(layer, single(ins, layer), at: path, name: name)]
        case "SeparableConv2D": return [try separableConv2D(layer, single(ins, layer), at: path, name: name)]
        case "BatchNormalization": return [try batchNorm(layer, single(ins, layer), at: path, name: name)]
        case "Activation": return [try activate(single(ins, layer), fusedActivation(layer), layer: layer, name: name)]
        case "ReLU": return [try relu(layer, single(ins, layer), name: name)]
        case "LeakyReLU":
            let alpha = c["negative_slope"]?.double ?? c["alpha"]?.double ?? 0.3
            return [try activate(single(ins, layer), .op(.leakyRelu(alpha: Float(alpha))), layer: layer, name: name)]
        case "ELU":
            let alpha = c["alpha"]?.double ?? 1
            return [try activate(single(ins, layer), .op(.elu(alpha: Float(alpha))), layer: layer, name: name)]
        case "Softmax":
            let v = try materialise(single(ins, layer), layer: layer)
            let axis = try internalAxis(c["axis"], default: -1, rank: v.shape.count, layer: layer)
            return [try emit(.softmax(axis: axis), [v.name], name: name, layer: layer)]
        case "MaxPooling2D", "AveragePooling2D": return [try pool(layer, single(ins, layer), name: name)]
        case "GlobalAveragePooling2D", "GlobalMaxPooling2D": return [try globalPool(layer, single(ins, layer), name: name)]
        case "Flatten": return [try flatten(layer, single(ins, layer), name: name)]
        case "Reshape": return [try reshape(layer, single(ins, layer), name: name)]
        case "Add", "Subtract", "Multiply", "Average", "Concatenate": return [try merge(layer, ins, name: name)]
        case "Rescaling": return [try rescale(layer, single(ins, layer), name: name)]
        default:
            throw error(.unsupported, layer, "unsupported layer type")
        }
    }

    func single(_ ins: [KerasValue], _ layer: KerasLayerSpec) throws(ImportError) -> KerasValue {
        guard ins.count == 1 else { throw error(.malformed, layer, "expects one input, got \(ins.count)") }
        return ins[0]
    }

    /// Keras' ReLU layer: min(max_value, x) above the threshold, negative_slope·x below.
    private mutating func relu(_ layer: KerasLayerSpec, _ x: KerasValue, name: String) throws(ImportError) -> KerasValue {
        let c = layer.config
        let threshold = c["threshold"]?.double ?? 0
        guard threshold == 0 else { throw error(.unsupported, layer, "threshold \(threshold) is not supported (only 0)") }
        let slope = Float(c["negative_slope"]?.double ?? 0)
        let maxValue = c["max_value"]?.double.map(Float.init)
        switch (slope, maxValue) {
        case (0, nil): return try activate(x, .op(.relu), layer: layer, name: name)
        case (0, let m?): return try activate(x, .op(.clip(min: 0, max: m)), layer: layer, name: name)
        case (let s, nil): return try activate(x, .op(.leakyRelu(alpha: s)), layer: layer, name: name)
        case (let s, let m?):
            let leaky = try activate(x, .op(.leakyRelu(alpha: s)), layer: layer, name: name + "/leaky")
            return try activate(leaky, .op(.clip(min: -Float.greatestFiniteMagnitude, max: m)), layer: layer, name: name)
        }
    }

    /// y = x·scale + offset, with scalar or per-channel constants.
    private mutating func rescale(_ layer: KerasLayerSpec, _ x: KerasValue, name: String) throws(ImportError) -> KerasValue {
        func values(_ key: String, _ fallback: Double) throws(ImportError) -> [Float] {
            guard let v = layer.config[key], !v.isNull else { return [Float(fallback)] }
            if let d = v.double { return [Float(d)] }
            guard let a = v.array, !a.isEmpty else { throw error(.unsupported, layer, "\(key) \(v) is not a number or list of numbers") }
            var out = [Float]()
            for e in a {
                guard let d = e.double else { throw error(.unsupported, layer, "\(key) \(v) is not a number or list of numbers") }
                out.append(Float(d))
            }
            return out
        }
        let scale = try values("scale", 1)
        let offset = try values("offset", 0)
        var v = x
        if scale.count > 1 || offset.count > 1 { v = try materialise(v, layer: layer) }
        let pending = v.pendingFlatten
        if scale != [1] {
            let k = try broadcastConstant(scale, like: v, name: name + "/scale", layer: layer)
            v = try emit(.mul, [v.name, k], name: offset == [0] ? name : name + "/mul", layer: layer)
        }
        if offset != [0] {
            let k = try broadcastConstant(offset, like: v, name: name + "/offset", layer: layer)
            v = try emit(.add, [v.name, k], name: name, layer: layer)
        }
        v.pendingFlatten = pending
        return v
    }

    /// Element-wise merges and concatenation of equally ranked tensors.
    private mutating func merge(_ layer: KerasLayerSpec, _ ins: [KerasValue], name: String) throws(ImportError) -> KerasValue {
        guard !ins.isEmpty else { throw error(.malformed, layer, "has no inputs") }
        var vs = [KerasValue]()
        for v in ins { vs.append(try materialise(v, layer: layer)) }
        guard vs.count >= 2 else { return vs[0] }
        let rank = vs[0].shape.count
        guard vs.allSatisfy({ $0.shape.count == rank }) else {
            throw error(.unsupported, layer, "inputs of different ranks \(vs.map(\.shape)) are not supported")
        }
        switch layer.className {
        case "Add": return try emit(.add, vs.map(\.name), name: name, layer: layer)
        case "Subtract":
            guard vs.count == 2 else { throw error(.malformed, layer, "expects two inputs, got \(vs.count)") }
            return try emit(.sub, vs.map(\.name), name: name, layer: layer)
        case "Multiply":
            var acc = vs[0]
            for (i, v) in vs.dropFirst().enumerated() {
                acc = try emit(.mul, [acc.name, v.name], name: i == vs.count - 2 ? name : name + "/mul", layer: layer)
            }
            return acc
        case "Average":
            let sum = try emit(.add, vs.map(\.name), name: name + "/sum", layer: layer)
            let k = try broadcastConstant([1 / Float(vs.count)], like: sum, name: name + "/scale", layer: layer)
            return try emit(.mul, [sum.name, k], name: name, layer: layer)
        default:
            let axis = try internalAxis(layer.config["axis"], default: -1, rank: rank, layer: layer)
            return try emit(.concat(axis: axis), vs.map(\.name), name: name, layer: layer)
        }
    }
}

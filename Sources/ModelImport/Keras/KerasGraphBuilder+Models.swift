import NetworkModel

/// Where a layer sits: its own name and the names of the models around it, outermost first, with
/// the group name Keras 3 would give it in a `.weights.h5` file when no `name` attribute says so.
struct KerasLayerPath: Sendable {
    struct Element: Sendable { var name: String; var archiveGroup: String }
    var elements: [Element]

    func appending(_ name: String, archiveGroup: String) -> KerasLayerPath {
        KerasLayerPath(elements: elements + [Element(name: name, archiveGroup: archiveGroup)])
    }

    /// Prefix for tensor names of layers inside nested models ("inner/").
    var tensorPrefix: String { elements.dropLast().map { $0.name + "/" }.joined() }
}

extension KerasGraphBuilder {
    /// Imports `model`; `bound` carries the inputs of a nested model, nil for the outermost one.
    mutating func build(_ model: KerasModelSpec, at path: KerasLayerPath, bound: [KerasValue]?) throws(ImportError) -> [KerasValue] {
        // Keras 3 names weight groups by snake-case class with a counter, over `model.layers`
        // (Sequential models leave their InputLayer out of that list).
        var counters = [String: Int]()
        var groups = [String]()
        for layer in model.layers {
            if model.isSequential && layer.className == "InputLayer" { groups.append(""); continue }
            let base = layer.snakeCaseClassName
            let n = counters[base, default: 0]
            counters[base] = n + 1
            groups.append(n == 0 ? base : "\(base)_\(n)")
        }
        if model.isSequential { return try buildSequential(model, at: path, groups: groups, bound: bound) }
        return try buildFunctional(model, at: path, groups: groups, bound: bound)
    }

    private mutating func buildSequential(_ model: KerasModelSpec, at path: KerasLayerPath, groups: [String],
                                          bound: [KerasValue]?) throws(ImportError) -> [KerasValue] {
        var current: KerasValue
        let modelLayer = KerasLayerSpec(className: "Sequential", name: model.name, config: .null, calls: [])
        if let bound {
            guard bound.count == 1 else { throw error(.unsupported, modelLayer, "a Sequential model takes one input, got \(bound.count)") }
            current = bound[0]
        } else if let first = model.layers.first, first.className == "InputLayer" {
            current = try addInput(first, shape: first.declaredInputShape)
        } else {
            current = try addInput(KerasLayerSpec(className: "InputLayer", name: "input", config: .null, calls: []),
                                   shape: model.sequentialInputShape ?? model.layers.first?.declaredInputShape)
        }
        for (layer, group) in zip(model.layers, groups) where layer.className != "InputLayer" {
            let outs = try apply(layer, [current], at: path.appending(layer.name, archiveGroup: group))
            guard outs.count == 1 else { throw error(.unsupported, layer, "a layer of a Sequential model must have one output") }
            current = outs[0]
        }
        return [current]
    }

    private mutating func buildFunctional(_ model: KerasModelSpec, at path: KerasLayerPath, groups: [String],
                                          bound: [KerasValue]?) throws(ImportError) -> [KerasValue] {
        var byName = [String: Int]()
        for (i, l) in model.layers.enumerated() { byName[l.name] = i }
        // produced[layer index][call index] = that call's outputs
        var produced = [Int: [Int: [KerasValue]]]()
        if let bound, bound.count != model.inputs.count {
            throw ImportError(.unsupported, file: file, "model '\(model.name)' takes \(model.inputs.count) inputs, got \(bound.count)")
        }
        for (i, ref) in model.inputs.enumerated() {
            guard let li = byName[ref.layer] else {
                throw ImportError(.malformed, file: file, "model '\(model.name)': input layer '\(ref.layer)' is not in the layer list")
            }
            let layer = model.layers[li]
            let value: KerasValue
            if let bound { value = bound[i] } else { value = try addInput(layer, shape: layer.declaredInputShape) }
            produced[li] = [0: [value]]
        }

        func lookup(_ ref: KerasTensorRef) -> KerasValue?? {
            guard let li = byName[ref.layer] else { return .some(nil) }
            let layer = model.layers[li]
            var call = layer.calls.count <= 1 ? 0 : ref.node
            // Keras 2 counts a nested model's own construction as node 0.
            if layer.isModel, dialect == .keras2, layer.calls.count > 1 { call -= 1 }
            guard let outs = produced[li]?[call] else { return nil }
            return .some(ref.tensor < outs.count ? outs[ref.tensor] : nil)
        }

        var pending = [(Int, Int)]()
        for (li, layer) in model.layers.enumerated() where layer.className != "InputLayer" {
            for c in layer.calls.indices { pending.append((li, c)) }
        }
        while !pending.isEmpty {
            var next = [(Int, Int)]()
            var progressed = false
            for (li, c) in pending {
                let layer = model.layers[li]
                var ins = [KerasValue]()
                var ready = true
                for ref in layer.calls[c] {
                    switch lookup(ref) {
                    case .none: ready = false
                    case .some(.none):
                        throw error(.malformed, layer, "reads '\(ref.layer)' (node \(ref.node), tensor \(ref.tensor)), which the model does not produce")
                    case .some(.some(let v)): ins.append(v)
                    }
                    if !ready { break }
                }
                guard ready, c == 0 || produced[li]?[c - 1] != nil else { next.append((li, c)); continue }
                guard !ins.isEmpty else { throw error(.malformed, layer, "has a call without inputs") }
                let suffix = c == 0 ? "" : "#\(c)"
                let outs = try apply(layer, ins, at: path.appending(layer.name, archiveGroup: groups[li]), callSuffix: suffix)
                produced[li, default: [:]][c] = outs
                progressed = true
            }
            guard progressed else {
                let layer = model.layers[next[0].0]
                throw error(.malformed, layer, "its inputs are never produced (a cycle or a missing layer)")
            }
            pending = next
        }
        var outputs = [KerasValue]()
        for ref in model.outputs {
            guard case .some(.some(let v)) = lookup(ref) else {
                throw ImportError(.malformed, file: file, "model '\(model.name)': output '\(ref.layer)' is never produced")
            }
            outputs.append(v)
        }
        return outputs
    }
}

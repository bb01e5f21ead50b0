internal import CKernels
import DeviceSimulation
import Engine
import Plan

/// The tiles of the plan's crossbar layers as the periphery sees them: each tile's matrix in
/// full-scale units (weight ÷ (weight per µS × full-scale conductance difference)), so the DAC, the
/// output noise and the ADC act per tile exactly as on a chip, and the digital side sums the tiles'
/// rescaled partial outputs.
public struct PeripheralTiles: Sendable {
    /// One tile of one node and group.
    struct Block: Sendable {
        /// Matrix rows and columns covered, within the group's matrix.
        var rows: Range<Int>
        var columns: Range<Int>
        /// Index among the tiles of its (node, group): keys its random streams.
        var index: Int
        /// [rows × columns] in full-scale units.
        var weights: [Float]
        /// Per-read variances in full-scale units², or nil.
        var variances: [Float]?
        /// Weight units per full-scale unit, per column: weight per µS × full-scale difference in µS.
        var outputScale: [Float]
    }

    /// Per network node: per group, its tiles (nil for nodes not on crossbars).
    var blocks: [[[Block]]?]

    /// The conductance difference (µS) of a weight at full scale: every non-negative slot at the
    /// device g_max, every negative one at its zero point, weighted by significance.
    static func fullScale_uS(plan: Plan, tile: Tile) -> Double {
        let gMax = plan.targetRules.gMax_uS
        return plan.roles.filter { $0.polarity != .neg }
            .reduce(0) { $0 + $1.significance * (gMax - Double(tile.zero_uS)) }
    }

    public init(plan: Plan, nodes: [Int], weights: LayerMatrices, variances: LayerMatrices?) {
        var blocks = [[[Block]]?](repeating: nil, count: plan.network.nodes.count)
        for (l, layer) in plan.layers.enumerated() {
            var perGroup = [[Block]](repeating: [], count: layer.matrix.groups)
            let columns = layer.matrix.columns
            let node = nodes[l]
            for t in layer.tiles {
                let tile = plan.tiles[t]
                let fullScale = Self.fullScale_uS(plan: plan, tile: tile)
                let scale = tile.weightPerMicrosiemens.map { Float(Double($0) * fullScale) }
                let (r, c) = (tile.rows.count, tile.columns.count)
                func slice(_ source: [Float], power: Int) -> [Float] {
                    var out = [Float](repeating: 0, count: r * c)
                    for i in 0..<r {
                        let base = (tile.rows.lowerBound + i) * columns + tile.columns.lowerBound
                        for j in 0..<c {
                            let s = scale[j]
                            let d = power == 1 ? s : s * s
                            out[i * c + j] = d != 0 ? source[base + j] / d : 0
                        }
                    }
                    return out
                }
                let w = slice(weights.blocks[node]![tile.group], power: 1)
                let v = variances.map { slice($0.blocks[node]![tile.group], power: 2) }
                perGroup[tile.group].append(Block(rows: tile.rows, columns: tile.columns, index: perGroup[tile.group].count,
                                                  weights: w, variances: v, outputScale: scale))
            }
            blocks[node] = perGroup
        }
        self.blocks = blocks
    }

    /// y = Σ_tiles outputScale · s · ADC(DAC(x/s)·W + noise) for the vectors of a block, s the
    /// per-vector abs-max of the tile's inputs. The block's `y` is overwritten; its padding rows are
    /// zero (s = 0), so they stay zero and draw no noise. The converters run in CKernels
    /// (`imprint_dac_row`, `imprint_adc_row`: the arithmetic this loop had in Swift, where each
    /// rounding was a call to libm's roundf; the default periphery's CNN evaluation, 1 thread,
    /// 3.5 → 1.6 s).
    /// How `multiply` cuts the scratch `GEMMBlocks.forEach` lends each thread, made once per product
    /// from its tiles: a block's DAC outputs, tile outputs and scales, and for the noise the squared
    /// inputs and the outputs' variances.
    struct Scratch {
        let maxRows: Int, maxColumns: Int
        /// Whether a tile has per-read weight noise (a plan's tiles have it all or none).
        let weightNoise: Bool

        init(tiles: [Block]) {
            maxRows = tiles.map(\.rows.count).max() ?? 0
            maxColumns = tiles.map(\.columns.count).max() ?? 0
            weightNoise = tiles.contains { $0.variances != nil }
        }

        var floats: Int { GEMMBlocks.rows * (2 * maxRows + 2 * maxColumns + 1) }
    }

    static func multiply(tiles: [Block], periphery: Periphery, block: GEMMBlock, rows: Int, columns: Int,
                         noise: AnalogMatrixProducts.PerReadNoiseKey?, context: MatrixProductContext,
                         layout: Scratch, scratch: UnsafeMutablePointer<Float>) {
        let (x, y, count) = (block.x, block.y, GEMMBlocks.rows)
        y.update(repeating: 0, count: count * columns)
        // Steps ≤ 0 or an lsb of 0: an exact converter.
        let inSteps = periphery.inputBits.map(Periphery.steps(bits:)) ?? 0
        let bound = Float(periphery.outputBound)
        let lsb = periphery.outputBits.map { bound / Periphery.steps(bits: $0) } ?? 0
        let xt = scratch, yt = scratch + count * layout.maxRows, scales = yt + count * layout.maxColumns
        let buffers = NoiseBuffers(squares: scales + count, variance: scales + count + count * layout.maxRows)
        // Output noise alone (no per-read weight noise): a variance of zero, written once.
        if noise != nil, !layout.weightNoise {
            buffers.variance.update(repeating: 0, count: count * layout.maxColumns)
        }
        for tile in tiles {
            let (tr, tc) = (tile.rows.count, tile.columns.count)
            for v in 0..<count {
                if block.valid.contains(v) {
                    scales[v] = imprint_dac_row(x + v * rows + tile.rows.lowerBound, tr, inSteps, xt + v * tr)
                } else {
                    scales[v] = 0
                    (xt + v * tr).update(repeating: 0, count: tr)
                }
            }
            // Tile sizes are within the node's matrix, whose sizes `checkedBLASSizes` has checked.
            tile.weights.withUnsafeBufferPointer { w in
                GEMMBlocks.multiply(xt, k: Int32(tr), w.baseAddress!, n: Int32(tc), into: yt)
            }
            if let noise {
                addNoise(xt: xt, yt: yt, block: block, tile: tile, sigmaOut: Float(periphery.outputNoise),
                         noise: noise, context: context, layout: layout, buffers: buffers)
            }
            tile.outputScale.withUnsafeBufferPointer { scale in
                for v in block.valid where scales[v] > 0 {
                    imprint_adc_row(yt + v * tc, tc, bound, lsb, scales[v], scale.baseAddress!,
                                    y + v * columns + tile.columns.lowerBound)
                }
            }
        }
    }

    /// Scratch of `addNoise`: a block's squared tile inputs and its outputs' variances.
    struct NoiseBuffers {
        let squares: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>
    }

    /// Per-read weight noise (exact output-referred Gaussian, Σ x² V) and output noise, both in
    /// full-scale units before the ADC, from streams keyed by (seed, trial, node, group, tile, time
    /// value) and counters (pair, sample, position·groups + group): the same numbers for any batch
    /// size, thread count or list of times.
    static func addNoise(xt: UnsafePointer<Float>, yt: UnsafeMutablePointer<Float>, block: GEMMBlock, tile: Block,
                         sigmaOut: Float, noise: AnalogMatrixProducts.PerReadNoiseKey, context: MatrixProductContext,
                         layout: Scratch, buffers: NoiseBuffers) {
        let (tr, tc) = (tile.rows.count, tile.columns.count)
        let sigma2 = sigmaOut * sigmaOut
        guard tile.variances != nil || sigma2 > 0 else { return }
        if let variance = tile.variances {
            AnalogMatrixProducts.outputVariance(xt, rows: tr, variance: variance, columns: tc, squares: buffers.squares,
                                                into: buffers.variance)
        } else if layout.weightNoise {
            // Another tile's variances are there (never so for a compiled plan).
            buffers.variance.update(repeating: 0, count: GEMMBlocks.rows * tc)
        }
        let key = AnalogMatrixProducts.noiseKey(seed: noise.seed, purpose: 0x7065_7269,   // "peri"
                                                words: [noise.trial, context.node, context.group, tile.index, noise.timeWord])
        AnalogMatrixProducts.addGaussian(to: yt, variance: buffers.variance, plus: sigma2, columns: tc, key: key,
                                         context: context, block: block)
    }
}

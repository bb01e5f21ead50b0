import Engine
import Foundation
import NetworkModel
import Plan
import Testing
import TestSupport
@testable import Verifier

@Suite struct PeripheryTests {
    /// One hand-made tile through a 7-bit DAC and a 9-bit ADC saturating at ±1, worked out by hand:
    /// x = (0.3, −0.6, 0.45) → s = 0.6, x/s = (0.5, −1, 0.75) → DAC (32, −63, 47)/63;
    /// y = (0.75, −1.2579…) → ADC: 191/255 and −1 (saturated); × s × output scale (2, 4).
    @Test func convertersByHand() {
        let block = PeripheralTiles.Block(rows: 0..<3, columns: 0..<2, index: 0, weights: [0.5, -1, 0.25, 0.75, 1, 0],
                                          variances: nil, outputScale: [2, 4])
        let periphery = Periphery(inputBits: 7, outputBits: 9, outputBound: 1, outputNoise: 0)
        let x: [Float] = [0.3, -0.6, 0.45]
        var y = [Float](repeating: .nan, count: 2)
        let context = MatrixProductContext(node: 0, group: 0, matrix: CrossbarMatrix(rows: 3, columns: 2, groups: 1),
                                           samples: 0..<1, vectorsPerSample: 1, threads: 1)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                GEMMBlocks.forEach(input: xp.baseAddress!, k: 3, output: yp.baseAddress!, n: 2, context: context,
                                   scratchFloats: PeripheralTiles.Scratch(tiles: [block]).floats) { b, scratch in
                    PeripheralTiles.multiply(tiles: [block], periphery: periphery, block: b, rows: 3, columns: 2, noise: nil,
                                             context: context, layout: PeripheralTiles.Scratch(tiles: [block]),
                                             scratch: scratch)
                }
            }
        }
        let q = [32.0 / 63, -1, 47.0 / 63]
        let y0 = q[0] * 0.5 + q[1] * 0.25 + q[2] * 1
        #expect(abs(y0 - 0.75) < 1e-6)
        #expect(abs(Double(y[0]) - (191.0 / 255) * 0.6 * 2) < 1e-5)
        #expect(abs(Double(y[1]) - (-1 * 0.6 * 4)) < 1e-5)
    }

    /// A 24-bit DAC without ADC or noise gives the exact whole-layer products: the tiling, the
    /// full-scale units and the digital sum of partial outputs are right for every pair mode.
    @Test(arguments: [PairMode.single, .offset, .dual(significance: 3)])
    func fineConvertersMatchExactProducts(pairs: PairMode) throws {
        let network = try VerifierFixtures.conv(inChannels: 4, outChannels: 12, kernel: 2, group: 2)
        let plan = try VerifierFixtures.compile(network, .pcm, VerifierFixtures.options(pairs, .column))
        #expect(plan.tiles.count > 2)
        let nodes = try LayerMatrices.nodeIndices(of: plan)
        let w = LayerMatrices.weights(plan: plan, nodes: nodes, conductances_uS: plan.tiles.map(\.targets_uS))
        let fine = Periphery(inputBits: 24)
        #expect(!fine.isIdeal)
        let x: [Float] = (0..<(5 * 4 * 36)).map { (i: Int) -> Float in Float((i * 37) % 101) / 101 - 0.3 }
        let input = try Tensor(shape: [5, 4, 6, 6], data: x)
        let exact = try InferenceEngine(network: plan.network, provider: AnalogMatrixProducts(network: plan.network, mapped: w)).run(input)
        let tiled = try InferenceEngine(network: plan.network, provider: AnalogMatrixProducts(
            network: plan.network, mapped: w, periphery: (fine, PeripheralTiles(plan: plan, nodes: nodes, weights: w, variances: nil)))).run(input)
        let scale = exact.data.map { abs($0) }.max()!
        #expect(zip(exact.data, tiled.data).map { abs($0 - $1) }.max()! <= 1e-5 * scale)
        let coarse = try InferenceEngine(network: plan.network, provider: AnalogMatrixProducts(
            network: plan.network, mapped: w, periphery: (Periphery(inputBits: 3), PeripheralTiles(plan: plan, nodes: nodes, weights: w, variances: nil)))).run(input)
        #expect(zip(exact.data, coarse.data).map { abs($0 - $1) }.max()! > 1e-3 * scale)
    }

    /// Output noise has σ = output_noise full-scale units: with zero weights the outputs are pure
    /// noise times the input scale and the column's output scale. 4000 draws: the sample σ is within
    /// 4 standard errors (σ/√(2n)) of the set value.
    @Test func outputNoiseHasItsSigma() {
        let block = PeripheralTiles.Block(rows: 0..<4, columns: 0..<2, index: 0, weights: [Float](repeating: 0, count: 8),
                                          variances: nil, outputScale: [1, 3])
        let sigma = 0.1
        let periphery = Periphery(outputNoise: sigma)
        let n = 2000
        let x = [Float](repeating: 0.5, count: n * 4)   // s = 0.5
        var y = [Float](repeating: 0, count: n * 2)
        let context = MatrixProductContext(node: 1, group: 0, matrix: CrossbarMatrix(rows: 4, columns: 2, groups: 1),
                                           samples: 0..<n, vectorsPerSample: 1, threads: 1)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                GEMMBlocks.forEach(input: xp.baseAddress!, k: 4, output: yp.baseAddress!, n: 2, context: context,
                                   scratchFloats: PeripheralTiles.Scratch(tiles: [block]).floats) { b, scratch in
                    PeripheralTiles.multiply(tiles: [block], periphery: periphery, block: b, rows: 4, columns: 2,
                                             noise: .init(seed: 5, trial: 0, time_s: 3600), context: context,
                                             layout: PeripheralTiles.Scratch(tiles: [block]), scratch: scratch)
                }
            }
        }
        let z = (0..<n).flatMap { [Double(y[2 * $0]) / 0.5, Double(y[2 * $0 + 1]) / 1.5] }
        let mean = z.reduce(0, +) / Double(z.count)
        let sd = (z.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(z.count - 1)).squareRoot()
        #expect(abs(mean) < 4 * sigma / Double(z.count).squareRoot())
        #expect(abs(sd - sigma) < 4 * sigma / (2 * Double(z.count)).squareRoot())
    }

    /// IR drop golden value: G_eff = G / (1 + G·R_s), R_s = r·((column + 1) + (array rows − row)).
    @Test func irDropFirstOrder() throws {
        let plan = try VerifierFixtures.compile(try VerifierFixtures.dense(inputs: 17, outputs: 12), .pcm,
                                                VerifierFixtures.options(.single))
        let t = plan.tiles.count - 1
        let tile = plan.tiles[t]
        var g = [Float](repeating: 25, count: tile.targets_uS.count)
        IRDrop.apply(plan: plan, tile: t, conductances_uS: &g, wireResistancePerCell_ohm: 0.3)
        let (rows, cols, slots) = (tile.rows.count, tile.columns.count, plan.roles.count)
        let arrayRows = plan.arrays[tile.array].rows
        for (s, i, j) in [(0, 0, 0), (slots - 1, rows - 1, cols - 1), (0, rows / 2, cols - 1)] {
            let rs = 0.3 * (Double(tile.columnOffset + j * slots + s) + 1 + Double(arrayRows - tile.rowOffset - i))
            let expected = 25 / (1 + 25e-6 * rs)
            #expect(abs(Double(g[(s * rows + i) * cols + j]) - expected) < 1e-5)
        }
        #expect(g.allSatisfy { $0 < 25 && $0 > 24.5 })
    }

    @Test func peripheryFiles() throws {
        let folder = try Fixtures.temporaryDirectory()
        func write(_ text: String) throws -> String {
            let url = folder.appendingPathComponent("p\(text.hashValue).json")
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        let p = try Periphery.named(try write(#"{"dac_bits": 8, "adc_bits": 8, "adc_bound": 10, "output_noise": 0.04, "ir_drop": true}"#))
        #expect(p == Periphery(inputBits: 8, outputBits: 8, outputBound: 10, outputNoise: 0.04, wireResistancePerCell_ohm: 0.25))
        #expect(try Periphery.named(try write(#"{"dac_bits": null, "adc_bits": null, "output_noise": 0}"#)).isIdeal == false)
        #expect(try Periphery.named("ideal").isIdeal)
        #expect(try Periphery.named("default") == .default)
        for (bad, words) in [(#"{"dac_bit": 8}"#, "unknown key 'dac_bit'"), (#"{"adc_bits": 0}"#, "adc_bits"),
                             (#"{"dac_bits": 1}"#, "from 2 to 24"),
                             (#"{"output_noise": -1}"#, "output_noise"), (#"[1]"#, "object"), ("{", "not valid JSON"),
                             (#"{"wire_resistance_per_cell_ohm": 0.2}"#, "ir_drop")] {
            let path = try write(bad)
            #expect { try Periphery.named(path) } throws: { error in
                "\(error)".contains(path) && "\(error)".contains(words)
            }
        }
        #expect(throws: VerifierError.self) { try Periphery.named(folder.appendingPathComponent("missing.json").path) }
    }
}

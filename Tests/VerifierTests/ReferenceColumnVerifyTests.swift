import Datasets
import DeviceSimulation
import Devices
import Engine
import Foundation
import NetworkModel
import Plan
import Testing
import TestSupport
@testable import Verifier

/// The simulated tile with reference columns (issue 14): reference devices are simulated like the
/// weights and subtracted as the tile reads them.
@Suite struct ReferenceColumnVerifyTests {
    /// A 40 × 12 dense layer on 16 × 5 tiles (edge tiles included), offset mode on HfOx RRAM.
    static func plan(references: Int?, tile: (Int, Int) = (16, 5)) throws -> Plan {
        var o = VerifierFixtures.options(.offset, .column)
        o.tileRows = tile.0; o.tileColumns = tile.1
        o.referenceColumns = references
        return try VerifierFixtures.compile(try VerifierFixtures.dense(inputs: 40, outputs: 12), .rramHfOx, o)
    }

    static func nodes(_ plan: Plan) throws -> [Int] { try LayerMatrices.nodeIndices(of: plan) }

    @Test func offsetOnRRAMDefaultsToOneReferenceColumnAndPCMToNone() throws {
        let rram = try Self.plan(references: nil)
        #expect(rram.referenceColumns == 1 && rram.options.referenceColumns == 1)
        #expect(rram.tiles.allSatisfy { $0.referenceTargets_uS.count == $0.rows.count })
        var o = VerifierFixtures.options(.offset)
        #expect(try VerifierFixtures.compile(try VerifierFixtures.dense(inputs: 9, outputs: 4), .pcm, o).referenceColumns == 0)
        o.referenceColumns = 0
        #expect(try VerifierFixtures.compile(try VerifierFixtures.dense(inputs: 9, outputs: 4), .rramHfOx, o).hasReferences == false)
    }

    /// A shift every device of a tile shares (weights and references alike) cancels exactly with
    /// reference columns; with the digital zero point it becomes the weight offset k × slots × shift.
    @Test(arguments: [1, 3])
    func aSharedShiftCancelsAgainstTheReferences(lines: Int) throws {
        let column = try Self.plan(references: lines), digital = try Self.plan(references: 0)
        let shift: Float = -1.25
        let shifted = { (p: Plan) in p.tiles.map { $0.deviceTargets_uS.map { $0 + shift } } }
        let mapped = LayerMatrices.weights(plan: column, nodes: try Self.nodes(column), conductances_uS: column.tiles.map(\.targets_uS))
        let withReferences = LayerMatrices.weights(plan: column, nodes: try Self.nodes(column), conductances_uS: shifted(column))
        let withZeroPoint = LayerMatrices.weights(plan: digital, nodes: try Self.nodes(digital), conductances_uS: shifted(digital))
        let n = try Self.nodes(column)[0]
        let (a, b, c) = (mapped.blocks[n]![0], withReferences.blocks[n]![0], withZeroPoint.blocks[n]![0])
        let scale = Double(a.map(abs).max()!)
        #expect(zip(a, b).map { Double(abs($0 - $1)) }.max()! <= 1e-5 * scale)
        // Digital: every weight moves by k_column × shift (k per column, one slot).
        for tile in digital.tiles {
            for r in tile.rows { for (j, col) in tile.columns.enumerated() {
                let expected = Double(a[r * 12 + col]) + Double(tile.weightPerMicrosiemens[j]) * Double(shift)
                #expect(abs(Double(c[r * 12 + col]) - expected) <= 1e-5 * scale)
            } }
        }
    }

    /// A word line's weights are read against the mean of its reference devices: raising one
    /// reference of a row by d moves that row's weights by −k × d / N and no other row's.
    @Test func aRowIsReadAgainstTheMeanOfItsReferences() throws {
        let plan = try Self.plan(references: 2)
        let nodes = try Self.nodes(plan)
        var reads = plan.tiles.map(\.deviceTargets_uS)
        let tile = plan.tiles[0]
        let d: Float = 0.8
        reads[0][tile.targets_uS.count + 3 * 2 + 1] += d   // word line 3, reference line 1
        let base = LayerMatrices.weights(plan: plan, nodes: nodes, conductances_uS: plan.tiles.map(\.targets_uS)).blocks[nodes[0]]![0]
        let moved = LayerMatrices.weights(plan: plan, nodes: nodes, conductances_uS: reads).blocks[nodes[0]]![0]
        for r in 0..<40 {
            for c in 0..<12 {
                let k = tile.columns.contains(c) && tile.rows.contains(r) ? Double(tile.weightPerMicrosiemens[c - tile.columns.lowerBound]) : 0
                let expected = Double(base[r * 12 + c]) - (r == tile.rows.lowerBound + 3 ? k * Double(d) / 2 : 0)
                #expect(abs(Double(moved[r * 12 + c]) - expected) <= 1e-5 * max(abs(expected), 1e-3))
            }
        }
    }

    /// IR drop reaches the reference devices at their own array columns, right of the tile's weights.
    @Test func irDropAtTheReferenceLinesOwnPosition() throws {
        let plan = try Self.plan(references: 2)
        let t = plan.tiles.count - 1
        let tile = plan.tiles[t]
        var g = [Float](repeating: 40, count: tile.deviceTargets_uS.count)
        IRDrop.apply(plan: plan, tile: t, conductances_uS: &g, wireResistancePerCell_ohm: 0.3)
        let (rows, cols, slots) = (tile.rows.count, tile.columns.count, plan.roles.count)
        let arrayRows = plan.arrays[tile.array].rows
        for (i, n) in [(0, 0), (rows - 1, 1), (rows / 2, 1)] {
            let column = tile.columnOffset + cols * slots + n
            let rs = 0.3 * (Double(column) + 1 + Double(arrayRows - tile.rowOffset - i))
            #expect(abs(Double(g[rows * cols * slots + i * 2 + n]) - 40 / (1 + 40e-6 * rs)) < 1e-5)
        }
    }

    /// A 24-bit DAC (no ADC, no noise) reproduces the exact products of the reference-subtracted
    /// weights tile by tile: the periphery sees the difference the tile forms.
    @Test func fineConvertersSeeTheSubtractedWeights() throws {
        let plan = try Self.plan(references: 1)
        let nodes = try Self.nodes(plan)
        let reads: [[Float]] = plan.tiles.map { (t: Tile) -> [Float] in t.deviceTargets_uS.map { (g: Float) -> Float in g - 0.7 } }
        let w = LayerMatrices.weights(plan: plan, nodes: nodes, conductances_uS: reads)
        let x: [Float] = (0..<(6 * 40)).map { (i: Int) -> Float in Float((i * 29) % 53) / 53 - 0.2 }
        let input = try Tensor(shape: [6, 40], data: x)
        let exact = try InferenceEngine(network: plan.network, provider: AnalogMatrixProducts(network: plan.network, mapped: w)).run(input)
        let tiled = try InferenceEngine(network: plan.network, provider: AnalogMatrixProducts(
            network: plan.network, mapped: w,
            periphery: (Periphery(inputBits: 24), PeripheralTiles(plan: plan, nodes: nodes, weights: w, variances: nil)))).run(input)
        let digital = try InferenceEngine(network: plan.network, provider: ExactMatrixProducts(network: plan.network)).run(input)
        let scale = Double(exact.data.map(abs).max()!)
        #expect(zip(exact.data, tiled.data).map { Double(abs($0 - $1)) }.max()! <= 1e-5 * scale)
        // …and, the shift having cancelled, the network's own products.
        #expect(zip(exact.data, digital.data).map { Double(abs($0 - $1)) }.max()! <= 1e-4 * scale)
    }

    /// Simulated HfOx chips at 1 day: the −0.089 ln t µS relaxation shifts every weight of the digital
    /// zero point by about k × (−1.0 µS), while the references' own spread leaves the reference
    /// plan unbiased. The weight devices draw the same numbers in both plans (a reference device is
    /// device `targets.count + r·N + n` of its tile), so the difference of the two plans' weights is
    /// exactly −k × (G_ref,r − zero_uS): one value per word line, whatever the column.
    @Test func simulatedReferencesRemoveTheRelaxationShift() throws {
        let column = try Self.plan(references: 1, tile: (40, 12)), digital = try Self.plan(references: 0, tile: (40, 12))
        let simulator = DeviceSimulator(spec: column.device, devicesPerConductance: 1, rramMode: .statistical, stuckRates: StuckRates(atGMin_probability: 0, atGMax_probability: 0))
        let day = 86_400.0
        let tile = column.tiles[0]
        var offsetsDigital = [Double](), offsetsColumn = [Double]()
        for trial in 0..<6 {
            let readColumn = HardwareInstance(plan: column, simulator: simulator, seed: 11, trial: trial, threads: 1)
                .read(plan: column, simulator: simulator, t_s: day, readNoise: .frozen).g_uS
            let readDigital = HardwareInstance(plan: digital, simulator: simulator, seed: 11, trial: trial, threads: 1)
                .read(plan: digital, simulator: simulator, t_s: day, readNoise: .frozen).g_uS
            #expect(readColumn[0].count == 40 * 12 + 40 && Array(readColumn[0].prefix(480)) == readDigital[0])
            let wc = LayerMatrices.tilePlane(plan: column, tile: 0, conductances_uS: readColumn[0])
            let wd = LayerMatrices.tilePlane(plan: digital, tile: 0, conductances_uS: readDigital[0])
            let wm = LayerMatrices.tilePlane(plan: column, tile: 0, conductances_uS: tile.targets_uS)
            for r in 0..<40 {
                let reference = Double(readColumn[0][480 + r]) - Double(tile.zero_uS)
                for c in 0..<12 {
                    let k = Double(tile.weightPerMicrosiemens[c])
                    #expect(abs(Double(wc[r * 12 + c] - wd[r * 12 + c]) + k * reference) <= 1e-5 * k * 90)
                }
                // Per word line, the mean error in µS over its 12 columns.
                offsetsDigital.append((0..<12).map { Double(wd[r * 12 + $0] - wm[r * 12 + $0]) / Double(tile.weightPerMicrosiemens[$0]) }.reduce(0, +) / 12)
                offsetsColumn.append((0..<12).map { Double(wc[r * 12 + $0] - wm[r * 12 + $0]) / Double(tile.weightPerMicrosiemens[$0]) }.reduce(0, +) / 12)
            }
        }
        // 240 word lines, independent (each has its own devices and reference): the mean's standard
        // error from the sample itself, and the expected shift −0.089 ln(86,400 s) = −1.01 µS.
        func meanAndError(_ x: [Double]) -> (Double, Double) {
            let m = x.reduce(0, +) / Double(x.count)
            let sd = (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - 1)).squareRoot()
            return (m, sd / Double(x.count).squareRoot())
        }
        let (md, ed) = meanAndError(offsetsDigital), (mc, ec) = meanAndError(offsetsColumn)
        let shift = -0.089 * log(day)
        #expect(abs(md - shift) <= 5 * ed + 0.1 * abs(shift), "digital zero point: mean error \(md) µS, expected about \(shift)")
        #expect(abs(mc) <= 5 * ec, "reference column: mean error \(mc) ± \(ec) µS")
        #expect(ec > 0.01, "the reference devices' own spread makes word lines differ")
    }

    /// Ideal devices reproduce the plan's network exactly through the reference path.
    @Test func idealDevicesReproduceTheBaselineWithReferences() throws {
        let plan = try Self.plan(references: 2)
        var rng = SplitMix64(seed: 3)
        let x = (0..<(200 * 40)).map { _ in Float.random(in: 0..<1, using: &rng) }
        let data = try Dataset(source: "synthetic", samples: NumericArray(shape: [200, 40], storage: .float32(x)),
                               labels: (0..<200).map { $0 % 12 })
        var o = VerifierOptions()
        o.ideal = true; o.trials = 1; o.times_s = [86_400]; o.compensations = [.none, .gdc]; o.threads = 1
        let result = try Verifier(plan: plan, options: o).run(data)
        for r in result.results { #expect(r.accuracyPerTrial == [result.baselineAccuracy]) }
    }
}

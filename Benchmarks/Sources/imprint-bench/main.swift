// Benchmarks for the numbers the issues ask for, printed with the machine they ran on.
// Run with `make bench` (release build). Not a test: nothing here passes or fails on time.
import Compiler
import Datasets
import DeviceFit
import Devices
import Engine
import Foundation
import ModelImport
import NetworkModel
import Plan
import DeviceSimulation
import Verifier

/// CPU seconds (user + system, all threads) this process has used so far: on a machine shared with
/// other jobs, CPU time / cores is what the wall time would be with the cores to ourselves.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return s(usage.ru_utime) + s(usage.ru_stime)
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Peak resident memory of this process so far, MiB (Linux ru_maxrss is in KiB).
func peakMemoryMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// Starts a new peak: Linux resets the high-water mark of resident memory, which getrusage's
/// ru_maxrss reports, when "5" is written to /proc/self/clear_refs (proc(5)). Without it the peak
/// would still be the compile section's.
func resetPeakMemory() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

/// The plan's large buffers in memory: per-device targets and per-column scales of every tile (Float),
/// and the network's crossbar weights (Float). Graph structure and per-tile metadata are noise beside them.
func inMemoryBytes(_ plan: Plan) -> Int {
    let tiles = plan.tiles.reduce(0) { $0 + $1.targets_uS.count + $1.weightPerMicrosiemens.count }
    let weights = plan.network.matrixNodes.compactMap(\.crossbarMatrix).reduce(0) { $0 + $1.weightCount }
    return 4 * (tiles + weights)
}

func machine() -> String {
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
    let memory = Double(ProcessInfo.processInfo.physicalMemory) / Double(1 << 30)
    return "\(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(String(format: "%.0f", memory)) GiB, OpenBLAS core \(InferenceEngine.blasCoreName)"
}

/// ResNet-50's convolution and FC weights (He et al. 2016: stem 7×7, bottleneck stages [3, 4, 6, 3],
/// widths 64–512, expansion 4, projection shortcuts), 25.5 M weights, on a 1 × 1 image: the compiler's
/// cost depends on the weights, not the activations. BN and ReLU are left out (they stay digital).
func resnet50Sized() throws -> Network {
    var seed: UInt64 = 1
    func weights(_ n: Int) -> [Float] {
        (0..<n).map { _ in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int32(truncatingIfNeeded: seed >> 32)) / Float(Int32.max) * 0.1
        }
    }
    var nodes = [Node]()
    func conv(_ name: String, _ input: String, _ cin: Int, _ cout: Int, _ k: Int) throws -> String {
        let w = try Tensor(shape: [cout, cin, k, k], data: weights(cout * cin * k * k))
        nodes.append(Node(name: name, operation: .conv2d(Conv2DOp(weight: w, bias: nil, padding: .sameUpper)),
                          inputs: [input], output: name))
        return name
    }
    var x = try conv("stem", "image", 3, 64, 7)
    var channels = 64
    for (stage, (blocks, width)) in zip([3, 4, 6, 3], [64, 128, 256, 512]).enumerated() {
        for b in 0..<blocks {
            let p = "s\(stage + 1)b\(b + 1)"
            let a = try conv("\(p)_1x1a", x, channels, width, 1)
            let m = try conv("\(p)_3x3", a, width, width, 3)
            let c = try conv("\(p)_1x1b", m, width, 4 * width, 1)
            let shortcut = b == 0 ? try conv("\(p)_proj", x, channels, 4 * width, 1) : x
            nodes.append(Node(name: "\(p)_add", operation: .add, inputs: [c, shortcut], output: "\(p)_add"))
            x = "\(p)_add"
            channels = 4 * width
        }
    }
    nodes.append(Node(name: "flatten", operation: .flatten(axis: 1), inputs: [x], output: "flat"))
    let fc = try Tensor(shape: [2048, 1000], data: weights(2048 * 1000))
    nodes.append(Node(name: "fc", operation: .dense(DenseOp(weight: fc, bias: nil)), inputs: ["flat"], output: "logits"))
    return try Network(name: "resnet50-sized", inputs: [NetworkInput(name: "image", shape: [3, 1, 1])],
                       outputs: ["logits"], nodes: nodes)
}

BLASKernels.reexecWithFasterKernelsIfNeeded()
print("Machine: \(machine())")
print("")

/// `IMPRINT_BENCH=touchup make bench` runs only the touch-up section (issue 11).
if ProcessInfo.processInfo.environment["IMPRINT_BENCH"] == "touchup" {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-bench-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let plan = try PlanCompiler.compile(try resnet50Sized(), device: .pcm, options: CompileOptions(),
                                        source: SourceModel(fileName: "resnet50-sized", sha256: ""), toolVersion: "bench")
    try touchupBenchmark(plan: plan, folder: folder, planMiB: Double(inMemoryBytes(plan)) / 1_048_576)
    try? FileManager.default.removeItem(at: folder)
    exit(0)
}

// 1. Compile and write a ResNet-50-sized plan (issue 3: seconds, bounded memory).
let network = try resnet50Sized()
let weights = network.matrixNodes.compactMap(\.crossbarMatrix).reduce(0) { $0 + $1.weightCount }
let baseline = peakMemoryMiB()
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-bench-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let planURL = folder.appendingPathComponent("resnet50.plan")
for (label, options) in [("single pairs", CompileOptions()), ("dual pairs, per-column scale, 99th percentile", {
    var o = CompileOptions(); o.pairs = .dual(significance: 3); o.scale = .column; o.clip = .percentile(99); return o
}())] {
    var plan: Plan!
    let tCompile = try seconds {
        plan = try PlanCompiler.compile(network, device: .pcm, options: options,
                                        source: SourceModel(fileName: "resnet50-sized", sha256: ""), toolVersion: "bench")
    }
    let tWrite = try seconds { try PlanFile.write(plan, to: planURL) }
    let size = (try FileManager.default.attributesOfItem(atPath: planURL.path)[.size] as? Int) ?? 0
    let devices = plan.deviceCount
    plan = nil
    let tRead = try seconds { _ = try PlanFile.read(planURL) }
    print("compile \(label): \(weights / 1_000_000) M weights, \(devices / 1_000_000) M devices")
    print(String(format: "  compile %.2f s, write %.2f s (%.0f MiB plan), read+verify %.2f s; peak memory %.0f MiB (%.0f MiB before)",
                 tCompile, tWrite, Double(size) / 1_048_576, tRead, peakMemoryMiB(), baseline))
}
print("")

// 2. Digital inference of the bundled CNN on the 10,000 Fashion-MNIST test images (the reference the
//    verifier's per-evaluation cost is compared with).
let modelPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples/models/fmnist_cnn_k2.h5")
let cnn = try ModelLoader.load(modelPath)
let test = try DatasetLoader.load("fashion-mnist")

/// Top-1 accuracy of `network` on the test set with a matrix-product provider (nil: exact digital).
func accuracy(_ network: Network, provider: (any MatrixProductProvider)?) throws -> Double {
    let engine = try InferenceEngine(network: network, provider: provider)
    let input = network.inputs[0]
    var correct = 0
    try engine.forEachBatch(samples: test.count, batchSize: 256, input: { range in
        try Tensor(shape: [range.count] + input.shape,
                   data: test.batch(range, inputShape: input.shape, channelsLast: input.sourceLayout == .nhwc, pixelScale: nil))
    }, body: { range, y in
        for (k, i) in range.enumerated() {
            let row = y.data[(k * 10)..<(k * 10 + 10)]
            if row.firstIndex(of: row.max()!)! - row.startIndex == test.labels![i] { correct += 1 }
        }
    })
    return Double(correct) / Double(test.count)
}

var digital = 0.0
let tInfer = try seconds { digital = try accuracy(cnn, provider: nil) }
print(String(format: "infer fmnist_cnn_k2.h5 on 10,000 images: %.2f s (%.0f images/s), accuracy %.2f %%",
             tInfer, Double(test.count) / tInfer, digital * 100))

// 3. Verify (issue 4): one (trial, time point) evaluation of the same model on the same images, as a
//    ratio to digital inference, and sampling a hardware instance of the ResNet-50-sized plan.
let threads = ProcessInfo.processInfo.activeProcessorCount
let cnnPlan = try PlanCompiler.compile(cnn, device: .pcm, options: CompileOptions(),
                                       source: SourceModel(fileName: "fmnist_cnn_k2.h5", sha256: ""), toolVersion: "bench")
let nodes = try LayerMatrices.nodeIndices(of: cnnPlan)
let simulator = DeviceSimulator(spec: .pcm, devicesPerConductance: 1)
let chip = HardwareInstance(plan: cnnPlan, simulator: simulator, seed: 0, trial: 0, threads: threads)
var analog = 0.0
let tEvaluate = try seconds {
    let read = chip.read(plan: cnnPlan, simulator: simulator, t_s: 86_400, readNoise: .frozen)
    let provider = AnalogMatrixProducts(network: cnnPlan.network,
                                        mapped: LayerMatrices.weights(plan: cnnPlan, nodes: nodes, conductances_uS: read.g_uS))
    analog = try accuracy(cnnPlan.network, provider: provider)
}
print(String(format: "verify, one (trial, time) evaluation (pcm, 1 day, frozen read noise): %.2f s = %.2f × infer, accuracy %.2f %%",
             tEvaluate, tEvaluate / tInfer, analog * 100))
var withPeriphery = 0.0
let tPeriphery = try seconds {
    let read = chip.read(plan: cnnPlan, simulator: simulator, t_s: 86_400, readNoise: .frozen, threads: threads)
    let weights = LayerMatrices.weights(plan: cnnPlan, nodes: nodes, conductances_uS: read.g_uS)
    let provider = AnalogMatrixProducts(network: cnnPlan.network, mapped: weights, noise: .init(seed: 0, trial: 0, time_s: 86_400),
                                        periphery: (.default, PeripheralTiles(plan: cnnPlan, nodes: nodes, weights: weights, variances: nil)))
    withPeriphery = try accuracy(cnnPlan.network, provider: provider)
}
print(String(format: "  the same with --periphery default (7-bit DAC, 9-bit ADC, output noise, per tile): %.2f s = %.2f × infer, accuracy %.2f %%",
             tPeriphery, tPeriphery / tInfer, withPeriphery * 100))

let bigPlan = try PlanCompiler.compile(network, device: .pcm, options: CompileOptions(),
                                       source: SourceModel(fileName: "resnet50-sized", sha256: ""), toolVersion: "bench")
resetPeakMemory()
let beforeSampling = peakMemoryMiB()
var bigChip: HardwareInstance!
let cpuStart = cpuSeconds()
let tSample = seconds { bigChip = HardwareInstance(plan: bigPlan, simulator: simulator, seed: 0, trial: 0, threads: threads) }
let cpuSample = cpuSeconds() - cpuStart
let tRead = seconds {
    _ = bigChip.read(plan: bigPlan, simulator: simulator, t_s: 86_400, readNoise: .frozen, threads: threads)
}
let cpuRead = cpuSeconds() - cpuStart - cpuSample
/// The issue's figure: sampling a hardware instance of a 25 M-weight plan in under 2 s on 2 cores.
let samplingTarget_s = 2.0
print(String(format: "verify, a hardware instance of the ResNet-50-sized plan (%d M devices, %d threads): programming %.2f s = %.2f × the %.0f s target, reading at 1 day %.2f s = %.2f × the %.0f s target",
             bigPlan.deviceCount / 1_000_000, threads, tSample, tSample / samplingTarget_s, samplingTarget_s,
             tRead, tRead / samplingTarget_s, samplingTarget_s))
print(String(format: "  CPU time: programming %.2f s, reading %.2f s (÷ %d threads = %.2f s and %.2f s on otherwise idle cores)",
             cpuSample, cpuRead, threads, cpuSample / Double(threads), cpuRead / Double(threads)))
print(String(format: "  peak memory %.0f MiB while holding the instance and its read (%.0f MiB before), plan in memory %.0f MiB",
             peakMemoryMiB(), beforeSampling, Double(inMemoryBytes(bigPlan)) / 1_048_576))
bigChip = nil

// What `imprint verify` does instead: program and read tile by tile straight into layer weights
// (Verifier.read), holding the plan and the weights, never the chip's devices.
let bigNodes = try LayerMatrices.nodeIndices(of: bigPlan)
resetPeakMemory()
let beforeStreaming = peakMemoryMiB()
var streamedWeights: LayerMatrices!
let tStream = seconds {
    let planes = HardwareInstance.streamTiles(plan: bigPlan, simulator: simulator, seed: 0, trial: 0, t_s: 86_400,
                                              readNoise: .frozen, threads: threads) { t, _, g, _ in
        LayerMatrices.tilePlane(plan: bigPlan, tile: t, conductances_uS: g)
    }
    streamedWeights = LayerMatrices.planes(plan: bigPlan, nodes: bigNodes, tilePlanes: planes)
}
let planMiB = Double(inMemoryBytes(bigPlan)) / 1_048_576
/// One batch of verify's default 256 ImageNet-sized (3 × 224 × 224) float inputs, for the memory bound.
let batchMiB = 256.0 * 3 * 224 * 224 * 4 / 1_048_576
print(String(format: "verify, streamed (program + read at 1 day into layer weights, as `imprint verify` runs): %.2f s = %.2f × the %.0f s target; peak memory %.0f MiB (%.0f before) = %.2f × (plan %.0f MiB + one 256-image 224² batch %.0f MiB), bound 2 ×",
             tStream, tStream / samplingTarget_s, samplingTarget_s, peakMemoryMiB(), beforeStreaming,
             peakMemoryMiB() / (planMiB + batchMiB), planMiB, batchMiB))
_ = streamedWeights.blocks.count

// 4. Touch-up (issue 11): read and join a read-back of every device of the big plan, plan and write
//    its touch-up, against `cat`.
print("")
try touchupBenchmark(plan: bigPlan, folder: folder, planMiB: planMiB)

// `imprint fit` (issue 13): 1 M reads, 100 k PCM devices × 10 times, from a CSV file: read, reduce,
// fit with 40 bootstrap replicates and the goodness-of-fit table. Target: under 10 s on 2 cores.
do {
    let fitFile = folder.appendingPathComponent("characterisation.csv")
    var text = "device,target_uS,time_s,measured_uS\n"
    text.reserveCapacity(40_000_000)
    let fitTimes = [20.0, 60, 200, 600, 2000, 6000, 20_000, 60_000, 200_000, 600_000]
    var rng = SystemRandomNumberGenerator()
    let fitDevices = 100_000
    func gaussian() -> Double {
        (-2 * log(Double.random(in: Double.ulpOfOne..<1, using: &rng))).squareRoot() * cos(2 * .pi * Double.random(in: 0..<1, using: &rng))
    }
    // Devices.md §1 formulas, sampled directly (any realistic data will do for timing).
    let model = PCMModel.nandakumar
    var programmed = [Double](), nu = [Double](), target = [Double]()
    for d in 0..<fitDevices {
        let x = Double(d % 20 + 1) / 20
        target.append(x * 25)
        programmed.append(max(x * 25 + model.programSigma_uS(x: x, gMax_uS: 25) * gaussian(), 0))
        nu.append(abs(model.driftExponentMean(x: x) + model.driftExponentStd(x: x) * gaussian()))
    }
    for t in fitTimes {
        for d in 0..<fitDevices {
            let g = programmed[d] * pow(t / 20, -nu[d])
            let read = max(g + model.readNoiseSigma_uS(g_uS: g, x: programmed[d] / 25, t_s: t - 20) * gaussian(), 0)
            text += "\(d),\(target[d]),\(t),\(String(format: "%.4f", read))\n"
        }
    }
    try text.write(to: fitFile, atomically: false, encoding: .utf8)
    let cpuFitStart = cpuSeconds()
    var fitted: FitResult!
    let tFit = try seconds {
        let data = try CharacterisationData.load(url: fitFile, name: "characterisation.csv")
        fitted = try DeviceFitter.fit(data, options: FitOptions(technology: .pcm, base: .pcm, threads: threads, toolVersion: "bench"))
    }
    print(String(format: "fit 1 M reads (100 k PCM devices × 10 times, CSV, 40 bootstrap replicates, %d threads): %.2f s = %.2f × the 10 s target (CPU %.2f s); %d goodness-of-fit cells",
                 threads, tFit, tFit / 10, cpuSeconds() - cpuFitStart, fitted.goodness.count))
    try? FileManager.default.removeItem(at: fitFile)
}

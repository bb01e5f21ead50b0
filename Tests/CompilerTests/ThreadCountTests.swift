import Compiler
import Devices
import ModelImport
import Plan
import Testing
import TestSupport

/// Layers are compiled concurrently (`Parallelism.forEach(sizes:)`), each whole into its own slot, and
/// placed afterwards in layer order: the plan is the same for any thread count.
@Test func threadCountDoesNotChangeThePlan() throws {
    let network = try ModelLoader.load(Fixtures.models.appendingPathComponent("fmnist_cnn_k2.h5"))
    var o = CompileOptions()
    (o.tileRows, o.tileColumns) = (64, 32)
    let plans = try [1, 2, 5].map { threads in
        try PlanCompiler.compile(network, device: .pcm, options: o, source: SourceModel(fileName: "test", sha256: ""),
                                 toolVersion: "test", threads: threads)
    }
    #expect(plans[0].layers.count == 4)
    for plan in plans.dropFirst() {
        #expect(plan.layers == plans[0].layers)
        #expect(plan.tiles == plans[0].tiles)
    }
}

@Test func threadsBelowOneAreRefused() throws {
    let network = try TestNetworks.dense(inputs: 3, outputs: 2)
    #expect(throws: CompileError.invalidOption(option: "threads", detail: "must be at least 1 (got 0)")) {
        try PlanCompiler.compile(network, device: .pcm, options: CompileOptions(), source: SourceModel(fileName: "test", sha256: ""),
                                 toolVersion: "test", threads: 0)
    }
}

import Devices
import Foundation
import NetworkModel
import Testing
@testable import Plan

@Suite struct PlanFileRoundTripTests {
    @Test(arguments: PlanFixtures.cases)
    func writeThenReadGivesTheSamePlan(_ c: PlanFixtures.Case) throws {
        let dir = try PlanFixtures.temporaryDirectory()
        let url = dir.appendingPathComponent("p.plan")
        let plan = PlanFixtures.plan(c)
        try PlanFile.write(plan, to: url)
        let back = try PlanFile.read(url)
        #expect(plansEqual(plan, back))
        #expect(back.network.nodes.count == plan.network.nodes.count)
        #expect(back.deviceCount == plan.deviceCount)
        let header = try PlanFile.readHeader(url)
        #expect(header.tileCount == plan.tiles.count && header.formatVersion == Plan.formatVersion)
        // Only the plan is left in the folder: no temporary files.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["p.plan"])
    }

    @Test func everyOperationSurvivesTheGraphCodec() throws {
        let net = PlanFixtures.network()
        for node in net.nodes {
            let back = try GraphCodec.node(GraphCodec.generic(node))
            #expect(back == node, "node \(node.name)")
        }
        let paddings: [Padding2D] = [.valid, .explicit(top: 1, left: 2, bottom: 3, right: 4), .sameUpper, .sameLower]
        for p in paddings {
            let node = Node(name: "p", operation: .pool2d(Pool2DOp(kind: .average, kernel: [3, 3], strides: [1, 2], dilations: [2, 1],
                                                                   padding: p, countIncludePad: true, ceilMode: true)),
                            inputs: ["x"], output: "y")
            #expect(try GraphCodec.node(GraphCodec.generic(node)) == node)
        }
    }

    @Test func anEmptyPlanRoundTrips() throws {
        var plan = PlanFixtures.plan(PlanFixtures.cases[0])
        plan.tiles = []; plan.layers = []; plan.arrays = []
        let url = try PlanFixtures.temporaryDirectory().appendingPathComponent("empty.plan")
        try PlanFile.write(plan, to: url)
        #expect(plansEqual(try PlanFile.read(url), plan))
    }

    @Test func writingIntoAMissingFolderLeavesNothing() throws {
        let dir = try PlanFixtures.temporaryDirectory()
        let url = dir.appendingPathComponent("missing/p.plan")
        #expect(throws: PlanFileError.self) { try PlanFile.write(PlanFixtures.plan(PlanFixtures.cases[0]), to: url) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func aStreamWithTooFewTilesIsNotCommitted() throws {
        let dir = try PlanFixtures.temporaryDirectory()
        let plan = PlanFixtures.plan(PlanFixtures.cases[0])
        do {
            let w = try PlanFileWriter(destination: dir.appendingPathComponent("p.plan"), header: plan.header)
            try w.append(plan.tiles[0])
            #expect(throws: PlanFileError.self) { try w.finish() }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}

import Foundation
import Testing
import TestSupport
@testable import Plan
@testable import TesterFiles

/// The small plan and its CSV under examples/fixtures/plan/, which examples/read_plan.py checks
/// against each other. `IMPRINT_WRITE_FIXTURES=1 swift test --filter FixtureTests` rewrites them.
@Suite struct FixtureTests {
    static let folder = Fixtures.examples.appendingPathComponent("fixtures/plan")
    static let plan = PlanFixtures.plan(PlanFixtures.cases[1])

    @Test func committedFixturesMatchTheWriter() throws {
        let planURL = Self.folder.appendingPathComponent("every-op-dual.plan")
        let csvURL = Self.folder.appendingPathComponent("every-op-dual.csv")
        if ProcessInfo.processInfo.environment["IMPRINT_WRITE_FIXTURES"] == "1" {
            try PlanFile.write(Self.plan, to: planURL)
            try PlanEmitter.emit(Self.plan, format: .csv, to: csvURL)
        }
        #expect(plansEqual(try PlanFile.read(planURL), Self.plan))
        let fresh = try PlanFixtures.temporaryDirectory().appendingPathComponent("p.csv")
        try PlanEmitter.emit(Self.plan, format: .csv, to: fresh)
        #expect(try Data(contentsOf: fresh) == Data(contentsOf: csvURL))
    }
}

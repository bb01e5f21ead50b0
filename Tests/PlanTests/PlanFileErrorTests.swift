import Foundation
import Testing
@testable import Plan

/// Damaged, hostile and inconsistent plans: each a specific `PlanFileError`, never a crash.
@Suite struct PlanFileErrorTests {
    enum Kind: Equatable { case unreadable, notAPlan, newer, truncated, corrupted, inconsistent, other }

    static func kind(_ e: PlanFileError) -> Kind {
        switch e.reason {
        case .unreadable: return .unreadable
        case .notAPlan: return .notAPlan
        case .newerVersion: return .newer
        case .truncated: return .truncated
        case .corrupted: return .corrupted
        case .inconsistent: return .inconsistent
        default: return .other
        }
    }

    /// Reads bytes written to a temporary file; the error, or nil if the read succeeded.
    static func readError(_ bytes: [UInt8]) throws -> PlanFileError? {
        let url = try PlanFixtures.temporaryDirectory().appendingPathComponent("x.plan")
        try Data(bytes).write(to: url)
        do { _ = try PlanFile.read(url); return nil } catch { return error }
    }

    static func planBytes(_ plan: Plan = PlanFixtures.plan(PlanFixtures.cases[1])) throws -> [UInt8] {
        let url = try PlanFixtures.temporaryDirectory().appendingPathComponent("p.plan")
        try PlanFile.write(plan, to: url)
        return [UInt8](try Data(contentsOf: url))
    }

    @Test func truncatedAtManyOffsets() throws {
        let bytes = try Self.planBytes()
        var offsets = Array(stride(from: 1, to: bytes.count, by: max(1, bytes.count / 97)))
        offsets += [7, 8, 9, 10, bytes.count - 40, bytes.count - 1]
        for n in offsets {
            let e = try Self.readError(Array(bytes.prefix(n)))
            #expect(e.map(Self.kind) == .truncated, "cut at \(n) of \(bytes.count): \(String(describing: e))")
        }
        #expect(try Self.readError([]).map(Self.kind) == .notAPlan)
    }

    @Test func bitFlipsAreDetected() throws {
        let bytes = try Self.planBytes()
        for offset in stride(from: 8, to: bytes.count, by: max(1, bytes.count / 211)) {
            for bit in [0, 5] {
                var damaged = bytes
                damaged[offset] ^= UInt8(1 << bit)
                let e = try Self.readError(damaged)
                #expect(e != nil, "flip of bit \(bit) at \(offset) went unnoticed")
            }
        }
        // A flip inside a tile's float targets decodes fine: only the checksum catches it.
        var damaged = bytes
        damaged[bytes.count - 200] ^= 1
        let e = try Self.readError(damaged)
        #expect(e.map(Self.kind) == .corrupted)
    }

    @Test func wrongMagic() throws {
        var bytes = try Self.planBytes()
        bytes[0] = UInt8(ascii: "X")
        #expect(try Self.readError(bytes).map(Self.kind) == .notAPlan)
        #expect(try Self.readError(Array("{\"json\": true}".utf8)).map(Self.kind) == .notAPlan)
    }

    @Test func newerVersionIsRefusedByName() throws {
        let plan = PlanFixtures.plan(PlanFixtures.cases[0])
        var header = plan.header
        header.formatVersion = Plan.formatVersion + 1
        let url = try PlanFixtures.temporaryDirectory().appendingPathComponent("new.plan")
        let w = try PlanFileWriter(destination: url, header: header)
        for t in plan.tiles { try w.append(t) }
        try w.finish()
        #expect(throws: PlanFileError(file: url.path, .newerVersion(found: 2, supported: 1))) { try PlanFile.read(url) }
        let message = "\(url.path): plan format version 2 is newer than this imprint supports (1)"
        #expect(PlanFileError(file: url.path, .newerVersion(found: 2, supported: 1)).description == message)
    }

    @Test(arguments: [
        ([0xff, 0xff, 0xff, 0xff, 0x0f], Kind.corrupted),        // 4 GiB: above the record limit
        ([0xe8, 0x07, 1, 2, 3], Kind.truncated),                // 1000 bytes declared, 3 present
        ([0x80, 0x80, 0x80, 0x80, 0x80, 0x01], Kind.corrupted), // over-long varint
        ([0x80], Kind.truncated),                               // ends inside the length
        ([0x00], Kind.corrupted),                               // empty record
        ([0x03, 0xff, 0xff, 0xff], Kind.corrupted),             // not protobuf
        ([0x02, 0x12, 0x00], Kind.corrupted),                   // a tile first, not the header
    ] as [([UInt8], Kind)])
    func hostileRecords(_ tail: [UInt8], _ expected: Kind) throws {
        let e = try Self.readError(PlanFile.magic + tail)
        #expect(e.map(Self.kind) == expected, "\(String(describing: e))")
    }

    @Test func trailingBytesAfterTheFooter() throws {
        #expect(try Self.readError(Self.planBytes() + [0]).map(Self.kind) == .corrupted)
    }

    @Test func missingFileAndFolder() throws {
        let dir = try PlanFixtures.temporaryDirectory()
        #expect(throws: PlanFileError.self) { try PlanFile.read(dir.appendingPathComponent("none.plan")) }
        #expect(throws: PlanFileError.self) { try PlanFile.read(dir) }
    }

    static let damage: [(String, @Sendable (inout Plan) -> Void)] = [
        ("rows beyond the matrix", { $0.tiles[0].rows = 0..<99 }),
        ("columns beyond the matrix", { $0.tiles[1].columns = 2..<40 }),
        ("missing array", { $0.tiles[0].array = 500 }),
        ("targets count", { $0.tiles[0].targets_uS.removeLast() }),
        ("weight-per-µS count", { $0.tiles[0].weightPerMicrosiemens.append(1) }),
        ("layer index", { $0.tiles[0].layer = 3 }),
        ("layer index out of range", { $0.tiles[0].layer = 77 }),
        ("group", { $0.tiles[0].group = 1 }),
        ("array overflow", { $0.tiles[0].rowOffset = 100 }),
        ("non-finite target", { $0.tiles[0].targets_uS[0] = .nan }),
        ("layer tiles beyond the count", { $0.layers[3].tiles = 0..<1000 }),
        ("no slots", { $0.roles = []; $0.tiles = []; $0.layers = [] }),
        ("unknown layer node", { $0.layers[0].node = "bn1" }),
    ]

    @Test(arguments: 0..<damage.count)
    func inconsistentPlans(_ i: Int) throws {
        var plan = PlanFixtures.plan(PlanFixtures.cases[0])
        Self.damage[i].1(&plan)
        let e = try Self.readError(Self.planBytes(plan))
        #expect(e.map(Self.kind) == .inconsistent || e.map(Self.kind) == .corrupted, "\(Self.damage[i].0): \(String(describing: e))")
        #expect(e?.description.contains("x.plan") == true)
    }
}

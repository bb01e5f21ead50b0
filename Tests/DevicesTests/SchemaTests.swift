import FileSupport
import Foundation
import Testing
import TestSupport
@testable import Devices

@Suite struct SchemaTests {
    /// `formats/device.schema.json` is the rendered schema tree; regenerate it with
    /// `imprint devices --schema > formats/device.schema.json`.
    @Test func committedSchemaFileMatchesTheValidator() throws {
        let file = Fixtures.root.appendingPathComponent("formats/device.schema.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text == DeviceSchema.jsonText)
        let parsed = try JSONDecoder().decode(JSONTree.self, from: Data(text.utf8))
        guard case .object(let root) = parsed else { Issue.record("schema is not an object"); return }
        #expect(root["$schema"] == .string("https://json-schema.org/draft/2020-12/schema"))
    }

    /// Every field the schema allows is one DeviceSpec encodes, and vice versa, across all variants.
    @Test func schemaAndCodableKnowTheSameFields() {
        var encoded = Set<String>()
        for spec in DeviceSpec.presets + [Self.everyOptionalField] { collect(JSONTree.of(spec), "", &encoded) }
        var allowed = Set<String>()
        collect(DeviceSchema.spec, "", &allowed)
        #expect(encoded.subtracting(allowed).sorted() == [], "encoded but not in the schema")
        #expect(allowed.subtracting(encoded).sorted() == [], "in the schema but never encoded")
    }

    /// A spec using the variants and optional fields no preset uses.
    static let everyOptionalField: DeviceSpec = {
        var s = DeviceSpec.rram
        s.levels_uS = [5, 10, 20, 40]
        s.acceptance = .relative(halfWidth_percent: 2, floor_uS: 0.5)
        s.programVerify.algorithm = .igvva
        s.programVerify.gate = GateVoltages(set_V: 1.0, setStep_V: 0.05, setStop_V: 2.0, reset_V: 5.0)
        s.stuck.atRandom_probability = 0.01
        s.provenance = FitProvenance(dataFile: "data.csv", dataSHA256: String(repeating: "0", count: 64), devices: 10, reads: 100,
                                     timeMin_s: 1, timeMax_s: 1000, toolVersion: "0", seed: 0, bootstrapReplicates: 40)
        return s
    }()

    @Test func everyOptionalFieldRoundTrips() throws {
        let s = Self.everyOptionalField
        #expect(try DeviceSpec.decode(s.jsonData(), file: "t") == s)
    }

    private func collect(_ tree: JSONTree, _ path: String, _ out: inout Set<String>) {
        switch tree {
        case .object(let fields):
            for (k, v) in fields { out.insert(join(path, k)); collect(v, join(path, k), &out) }
        case .array(let items):
            for v in items { collect(v, path + "[]", &out) }
        default: break
        }
    }

    private func collect(_ node: SchemaNode, _ path: String, _ out: inout Set<String>) {
        switch node.kind {
        case .object(let properties):
            for p in properties { out.insert(join(path, p.name)); collect(p.node, join(path, p.name), &out) }
        case .tagged(let variants):
            out.insert(join(path, "kind"))
            for v in variants { collect(SchemaNode(kind: .object(v.properties), description: ""), path, &out) }
        case .array(let items, _): collect(items, path + "[]", &out)
        default: break
        }
    }
}

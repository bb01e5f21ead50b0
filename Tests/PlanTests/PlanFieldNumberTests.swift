import CPlan
import CProtobufC
import Foundation
import ProtobufCSupport
import Testing
import TestSupport
@testable import Plan

/// The streaming encoders take their field numbers from protoc-c's descriptors by name; these tests tie
/// those names to the committed generated code and the generated code to formats/plan.proto itself.
@Suite struct PlanFieldNumberTests {
    @Test func everyNameTheEncodersUseExists() throws {
        let numbers = try PlanFieldNumbers.load()
        // Spot checks against numbers read off formats/plan.proto by hand.
        #expect(numbers.record.tile == 2)
        #expect(numbers.header.tileCount == 10)
        #expect(numbers.streamHeader.gateSetStop == 25)
        #expect(numbers.streamHeader.readTime == 26)
        #expect(numbers.enums.polaritySingle == 3)
        #expect(numbers.tile.rowPermutation == 20 && numbers.tile.columnPermutation == 21 && numbers.tile.stuckDevices == 22)
        #expect(numbers.options.defectMap == 20 && numbers.header.layerFaults == 20 && numbers.streamHeader.defectMap == 30)
    }

    /// Every field and enum value of the .proto has the same number in the generated descriptors, so
    /// the committed protoc-c output is not stale (`make protos` regenerates it).
    @Test func generatedDescriptorsMatchTheProtoFile() throws {
        let text = try String(contentsOf: Fixtures.root.appendingPathComponent("formats/plan.proto"), encoding: .utf8)
        let messages: [String: ProtobufCMessageDescriptor] = [
            "PlanRecord": imprint__plan__plan_record__descriptor, "Header": imprint__plan__header__descriptor,
            "SourceModel": imprint__plan__source_model__descriptor,
            "CompileOptions": imprint__plan__compile_options__descriptor, "Graph": imprint__plan__graph__descriptor,
            "GraphInput": imprint__plan__graph_input__descriptor, "Node": imprint__plan__node__descriptor,
            "IntAttribute": imprint__plan__int_attribute__descriptor,
            "FloatAttribute": imprint__plan__float_attribute__descriptor,
            "NamedTensor": imprint__plan__named_tensor__descriptor, "DeviceSlot": imprint__plan__device_slot__descriptor,
            "LayerMapping": imprint__plan__layer_mapping__descriptor, "ArrayInfo": imprint__plan__array_info__descriptor,
            "Tile": imprint__plan__tile__descriptor, "Footer": imprint__plan__footer__descriptor,
            "DeviceStreamHeader": imprint__plan__device_stream_header__descriptor,
            "DeviceRecord": imprint__plan__device_record__descriptor,
            "LayerFaults": imprint__plan__layer_faults__descriptor,
        ]
        let enums: [String: ProtobufCEnumDescriptor] = [
            "PairMode": imprint__plan__pair_mode__descriptor, "ScaleMode": imprint__plan__scale_mode__descriptor,
            "ClipMode": imprint__plan__clip_mode__descriptor, "Polarity": imprint__plan__polarity__descriptor,
        ]
        var message: ProtobufCMessageDescriptor?, enumeration: ProtobufCEnumDescriptor?
        var checked = 0
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("//") || line.isEmpty { continue }
            let words = line.split(whereSeparator: { " ;=[".contains($0) }).map(String.init)
            if words.first == "message" { message = messages[words[1]]; enumeration = nil; #expect(message != nil, "\(words[1])"); continue }
            if words.first == "enum" { enumeration = enums[words[1]]; message = nil; #expect(enumeration != nil, "\(words[1])"); continue }
            if line.hasPrefix("}") || words.first == "oneof" || words.first == "syntax" || words.first == "package" { continue }
            if let enumeration, words.count >= 2, let value = Int(words[1]) {
                #expect(protoEnumValue(enumeration, words[0]) == value, "\(words[0])")
                checked += 1
            } else if let message, let eq = words.firstIndex(where: { Int($0) != nil }), eq >= 1 {
                let name = words[eq - 1]
                #expect(protoFieldNumber(message, name) == Int(words[eq]), "\(name)")
                checked += 1
            }
        }
        #expect(checked > 140)
    }
}

package import CProtobufC

// Field numbers and enum values by name from protoc-c's generated descriptors, so a hand-written
// encoder takes its numbers from the same .proto the decoder was generated from instead of literals.

/// The number of field `name` of `message`, or nil when the message has no such field.
package func protoFieldNumber(_ message: ProtobufCMessageDescriptor, _ name: String) -> Int? {
    withUnsafePointer(to: message) { d in
        protobuf_c_message_descriptor_get_field_by_name(d, name).map { Int($0.pointee.id) }
    }
}

/// The value of enum constant `name` of `enumeration`, or nil when it has no such constant.
package func protoEnumValue(_ enumeration: ProtobufCEnumDescriptor, _ name: String) -> Int? {
    withUnsafePointer(to: enumeration) { d in
        protobuf_c_enum_descriptor_get_value_by_name(d, name).map { Int($0.pointee.value) }
    }
}

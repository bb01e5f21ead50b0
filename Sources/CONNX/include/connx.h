/* Placeholder until formats/onnx.proto is compiled. */

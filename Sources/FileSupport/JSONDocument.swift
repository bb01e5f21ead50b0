import Foundation

/// The one encoder for every JSON document imprint writes (command results on stdout, result files),
/// so they agree on format:
/// - keys sorted (byte order), two-space indentation: stable output a diff or a test can compare;
/// - non-finite numbers (NaN, ±infinity) written as `null`, since JSON has no spelling for them;
/// - an optional that is nil written as `null` where the type encodes it with `encode` (the document
///   types do, so every key is always present), and slashes in paths not escaped.
public enum JSONDocument {
    /// Stands in for a non-finite number during encoding and is replaced by `null` afterwards;
    /// a string no document holds.
    static let nonFinite = "imprint-non-finite-number-5b2d"

    /// The document as text, ending in a newline.
    public static func text(_ value: some Encodable) throws(EncodingError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: nonFinite, negativeInfinity: nonFinite, nan: nonFinite)
        let data: Data
        do { data = try encoder.encode(value) } catch let error as EncodingError { throw error } catch {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "\(error)"))
        }
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"\(nonFinite)\"", with: "null") + "\n"
    }
}

import Foundation

/// JSON string literals for the hand-written JSON outputs (device specs, command output, JSON Lines
/// emitters), which keep their own key order and number formats and so do not use JSONEncoder.
public enum JSONString {
    /// `s` as a quoted JSON string: quotes, backslashes and control characters escaped (RFC 8259 §7).
    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

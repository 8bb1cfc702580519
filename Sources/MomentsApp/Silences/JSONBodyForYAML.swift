import Foundation

/// A `POST /silences` body is read as YAML (for its line and column in errors), and JSON is
/// YAML but for a few things JSON allows inside strings that YAML refuses:
/// - a character beyond the Basic Multilingual Plane escaped as a surrogate pair
///   (`\ud83d\udea7`, what Python's `json.dumps` writes for an emoji): written as YAML's
///   `\U0001F6A7`, which means the same;
/// - raw DEL, C1 controls, the line and paragraph separators and the two noncharacters
///   libyaml refuses (U+007F, U+0080–U+009F, U+2028, U+2029, U+FFFE, U+FFFF): written as
///   escapes (`\x7F`, `\u2028`), which mean the same.
/// Until 2026-12-07 such a body, valid JSON, was refused with 400 ("invalid Unicode character
/// escape code", "control characters are not allowed"). Only double-quoted strings change,
/// and only in a body that is a JSON object (its first character `{`): a YAML body's plain
/// text keeps its backslashes, and gets only U+2028 and U+2029 escaped, as before. (A YAML
/// flow mapping, which also begins with `{`, with a `"` inside a plain value would be read
/// as JSON here: not a body anyone sends.)
enum JSONBodyForYAML {
    static func adapt(_ body: String) -> String {
        guard body.drop(while: { $0.isWhitespace }).first == "{" else {
            // Not JSON: only the invisible line breaks, as every body was adapted before.
            return body.replacingOccurrences(of: "\u{2028}", with: "\\u2028").replacingOccurrences(of: "\u{2029}", with: "\\u2029")
        }
        let scalars = Array(body.unicodeScalars)
        var out = String.UnicodeScalarView()
        var inString = false
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if !inString {
                if c == "\"" { inString = true }
                out.append(c)
                i += 1
                continue
            }
            switch c {
            case "\"":
                inString = false
                out.append(c)
                i += 1
            case "\\":
                if let (combined, length) = surrogatePair(scalars, at: i) {
                    out.append(contentsOf: ("\\U" + hex(combined, digits: 8)).unicodeScalars)
                    i += length
                } else {
                    // Any other escape as it is: the backslash and what it escapes.
                    out.append(c)
                    if i + 1 < scalars.count { out.append(scalars[i + 1]) }
                    i += 2
                }
            case "\u{7F}"..."\u{9F}":
                out.append(contentsOf: ("\\x" + hex(c.value, digits: 2)).unicodeScalars)
                i += 1
            case "\u{2028}", "\u{2029}", "\u{FFFE}", "\u{FFFF}":
                out.append(contentsOf: ("\\u" + hex(c.value, digits: 4)).unicodeScalars)
                i += 1
            default:
                out.append(c)
                i += 1
            }
        }
        return String(out)
    }

    /// `\uD8xx\uDCxx` at `i`: the character the pair stands for and the escapes' length (12).
    private static func surrogatePair(_ s: [Unicode.Scalar], at i: Int) -> (UInt32, Int)? {
        guard let high = escapedUnit(s, at: i), (0xD800...0xDBFF).contains(high),
              let low = escapedUnit(s, at: i + 6), (0xDC00...0xDFFF).contains(low) else { return nil }
        return (0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), 12)
    }

    /// The code unit of a `\uXXXX` escape at `i`, if there is one.
    private static func escapedUnit(_ s: [Unicode.Scalar], at i: Int) -> UInt32? {
        guard i + 6 <= s.count, s[i] == "\\", s[i + 1] == "u" else { return nil }
        return UInt32(String(String.UnicodeScalarView(s[(i + 2)..<(i + 6)])), radix: 16)
    }

    private static func hex(_ v: UInt32, digits: Int) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - h.count)) + h
    }
}

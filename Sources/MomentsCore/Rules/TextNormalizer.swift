import Foundation

/// Folds text for phrase matching: lower case, accents removed (ü → u, é → e, ß → ss),
/// punctuation turned into single spaces, padded with one space on each side so a phrase
/// matches only whole words ("cancel" does not match "cancellation").
public enum TextNormalizer {
    public static func normalize(_ text: String) -> String {
        if let ascii = normalizeASCII(text) { return ascii }
        var out = String.UnicodeScalarView()
        out.append(" ")
        var lastWasSpace = true
        for scalar in text.lowercased().decomposedStringWithCanonicalMapping.unicodeScalars {
            if isCombiningMark(scalar) { continue }
            if scalar == "ß" { out.append("s"); out.append("s"); lastWasSpace = false; continue }
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                out.append(scalar)
                lastWasSpace = false
            } else if scalar == "'" || scalar == "’" {
                continue   // "don't" and "dont" match alike
            } else if !lastWasSpace {
                out.append(" ")
                lastWasSpace = true
            }
        }
        if !lastWasSpace { out.append(" ") }
        return String(out)
    }

    /// The same folding for pure ASCII text, without Unicode tables (most chat lines).
    static func normalizeASCII(_ text: String) -> String? {
        var copy = text
        return copy.withUTF8 { bytes -> String? in
            var out = [UInt8]()
            out.reserveCapacity(bytes.count + 2)
            out.append(0x20)
            var lastWasSpace = true
            for b in bytes {
                if b >= 0x80 { return nil }
                switch b {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): out.append(b + 32); lastWasSpace = false
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): out.append(b); lastWasSpace = false
                case UInt8(ascii: "'"): continue
                default:
                    if !lastWasSpace { out.append(0x20); lastWasSpace = true }
                }
            }
            if !lastWasSpace { out.append(0x20) }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Whether normalized `text` contains normalized `phrase`, as bytes. (`String.contains`
    /// builds a search table on every call, which dominated the engine's profile.)
    public static func contains(_ text: String, _ phrase: String) -> Bool {
        var t = text, p = phrase
        return t.withUTF8 { tb in
            p.withUTF8 { pb in
                guard pb.count <= tb.count, let first = pb.first else { return pb.isEmpty }
                var i = 0
                let last = tb.count - pb.count
                while i <= last {
                    if tb[i] == first && memcmp(tb.baseAddress! + i, pb.baseAddress!, pb.count) == 0 { return true }
                    i += 1
                }
                return false
            }
        }
    }

    static func isCombiningMark(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }
}

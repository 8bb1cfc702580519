import Foundation

/// Folds text for phrase matching: lower case, accents removed (ü → u, é → e, ß → ss),
/// punctuation turned into single spaces, padded with one space on each side so a phrase
/// matches only whole words ("cancel" does not match "cancellation").
public enum TextNormalizer {
    public static func normalize(_ text: String) -> String {
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

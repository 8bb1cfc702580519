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

    static func isCombiningMark(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }
}

import Foundation

/// Folds text for phrase matching: lower case, accents removed (ü → u, é → e, ß → ss),
/// punctuation turned into single spaces, padded with one space on each side so a phrase
/// matches only whole words ("cancel" does not match "cancellation").
public enum TextNormalizer {
    public static func normalize(_ text: String) -> String {
        normalizeLatin(text) ?? normalizeUnicode(text)
    }

    /// `normalize` as UTF-8 bytes, which is what phrase matching reads (no String made).
    static func normalizedBytes(_ text: String) -> [UInt8] {
        normalizeLatinBytes(text) ?? Array(normalizeUnicode(text).utf8)
    }

    /// The general folding, through Foundation's Unicode tables.
    static func normalizeUnicode(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        out.append(" ")
        var lastWasSpace = true
        for scalar in text.lowercased().decomposedStringWithCanonicalMapping.unicodeScalars {
            // Invisible format characters (a soft hyphen, a zero-width space or joiner) are
            // not word breaks: "kün\u{AD}digen" is one word (until 2026-12-07, two).
            if isCombiningMark(scalar) || scalar.properties.generalCategory == .format { continue }
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

    /// The same folding for text whose scalars are all below U+0250 (ASCII and the Latin
    /// blocks: English, Spanish, French, German, Portuguese chat), by bytes and a table, without
    /// Foundation; nil for any other text. Below U+0250 there are no combining marks and case
    /// mapping needs no context, so folding scalar by scalar equals folding the whole text.
    static func normalizeLatin(_ text: String) -> String? {
        normalizeLatinBytes(text).map { String(decoding: $0, as: UTF8.self) }
    }

    static func normalizeLatinBytes(_ text: String) -> [UInt8]? {
        text.withUTF8Bytes { bytes -> [UInt8]? in
            var out = [UInt8]()
            out.reserveCapacity(bytes.count + 2)
            out.append(0x20)
            var lastWasSpace = true
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                i += 1
                switch b {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): out.append(b + 32); lastWasSpace = false
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): out.append(b); lastWasSpace = false
                case UInt8(ascii: "'"): continue
                case 0xC2...0xC9:
                    // Two-byte UTF-8 (the String is valid): U+0080..U+027F.
                    let scalar = Int(b & 0x1F) << 6 | Int(bytes[i] & 0x3F)
                    i += 1
                    guard scalar < latinFolds.count else { return nil }
                    switch latinFolds[scalar] {
                    case .letters(let folded): out.append(contentsOf: folded); lastWasSpace = false
                    case .separator: if !lastWasSpace { out.append(0x20); lastWasSpace = true }
                    case .ignored: continue
                    case .unknown: return nil
                    }
                case 0x80...: return nil
                default:
                    if !lastWasSpace { out.append(0x20); lastWasSpace = true }
                }
            }
            if !lastWasSpace { out.append(0x20) }
            return out
        }
    }

    enum LatinFold: Equatable {
        /// Appended as these bytes ("é" → "e", "ß" → "ss").
        case letters([UInt8])
        /// Punctuation or a symbol: a word boundary.
        case separator
        /// An invisible format character (the soft hyphen): nothing.
        case ignored
        /// Not in the table (ASCII, which the byte switch handles, or a fold the table cannot
        /// express): the text takes the general path.
        case unknown
    }

    /// The fold of each scalar below U+0250, computed once by the general path itself, so the
    /// two paths cannot disagree.
    static let latinFolds: [LatinFold] = (0..<0x250).map { value -> LatinFold in
        guard value >= 0x80, let scalar = Unicode.Scalar(value) else { return .unknown }
        if scalar.properties.generalCategory == .format { return .ignored }
        let folded = Array(normalizeUnicode(String(Character(scalar))).utf8)
        if folded == [0x20] { return .separator }
        guard folded.count > 2, folded.first == 0x20, folded.last == 0x20, !folded.dropFirst().dropLast().contains(0x20) else { return .unknown }
        return .letters(Array(folded.dropFirst().dropLast()))
    }

    static func isCombiningMark(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }
}

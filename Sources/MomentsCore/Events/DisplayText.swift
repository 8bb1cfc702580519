/// Text from untrusted input made safe to show: errors quote values from events and
/// configuration files, and are printed to terminals, logs and dead-letter headers, where an
/// escape character or a bidirectional override in a value acts on the reader's screen.
public enum DisplayText {
    /// `text` with control and format characters (and the invisible line breaks U+2028 and
    /// U+2029) written as `\u{1B}`; everything else as it is.
    public static func escaped(_ text: String) -> String {
        // Nearly always printable ASCII: nothing to change.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        var out = String.UnicodeScalarView()
        for c in text.unicodeScalars {
            if acts(c) { out.append(contentsOf: "\\u{\(String(c.value, radix: 16, uppercase: true))}".unicodeScalars) } else { out.append(c) }
        }
        return String(out)
    }

    /// A character that acts on the display instead of showing: a control or format character,
    /// an invisible line break.
    static func acts(_ c: Unicode.Scalar) -> Bool {
        [.control, .format, .lineSeparator, .paragraphSeparator].contains(c.properties.generalCategory)
    }

    /// One that shows as nothing: those, and the spaces (a no-break space, a byte order mark
    /// among the format characters): to be named by code point.
    public static func isInvisible(_ c: Unicode.Scalar) -> Bool { acts(c) || c.properties.isWhitespace }
}

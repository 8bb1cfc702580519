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
            switch c.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator:
                out.append(contentsOf: "\\u{\(String(c.value, radix: 16, uppercase: true))}".unicodeScalars)
            default:
                out.append(c)
            }
        }
        return String(out)
    }
}

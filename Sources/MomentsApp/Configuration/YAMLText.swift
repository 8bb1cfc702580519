/// Text as a YAML scalar that reads back as the same string: plain when it is plainly safe
/// (letters, digits and `._/:-`, not read as another type), else double-quoted. `@key`
/// printed plain by `run --print-config` was not YAML at all.
enum YAMLText {
    static func scalar(_ s: String) -> String {
        let safe = !s.isEmpty && s.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._/-".unicodeScalars.contains($0) || $0 == ":" }
            && !s.contains(": ") && !s.hasSuffix(":") && !s.hasPrefix("-") && !s.hasPrefix(":") && Double(s) == nil
            && !["true", "false", "yes", "no", "on", "off", "null", "~"].contains(s.lowercased())
        // A JSON string is a YAML double-quoted scalar.
        return safe ? s : MomentsLogHandler.jsonQuote(s)
    }
}

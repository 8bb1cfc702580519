/// Kafka's rule for topic names (its `Topic.validate`): 1 to 249 characters of ASCII letters,
/// digits, `.`, `_` and `-`, and neither `.` nor `..`. A name outside it is refused by the
/// broker when the topic is created or produced to, long after a configuration naming it was
/// accepted; the embedded broker takes any name, so only this check catches it before then.
public enum TopicName {
    public static let maximumLength = 249

    /// Why Kafka refuses `name`, or nil when it is a legal topic name.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "a topic name must not be empty" }
        if name == "." || name == ".." { return "'\(name)' is not allowed as a topic name" }
        if let bad = name.unicodeScalars.first(where: { !isLegal($0) }) {
            let invisible = bad.properties.isWhitespace || [.control, .format].contains(bad.properties.generalCategory)
            let shown = invisible ? "U+\(String(bad.value, radix: 16, uppercase: true))" : "'\(bad)'"
            return "a topic name may hold only ASCII letters, digits, '.', '_' and '-', found \(shown)"
        }
        // All ASCII by now: characters and bytes are one.
        if name.utf8.count > maximumLength { return "a topic name has at most \(maximumLength) characters, this one \(name.utf8.count)" }
        return nil
    }

    private static func isLegal(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2E, 0x5F, 0x2D: return true
        default: return false
        }
    }
}

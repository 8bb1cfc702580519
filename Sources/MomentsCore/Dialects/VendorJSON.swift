/// Lenient reading of vendor JSON. Platforms are inconsistent: Amazon writes `agentInfo` and
/// `AgentInfo`, Twilio's callbacks say `TaskSid` where its Event Streams say `task_sid`, and
/// Twilio sends numbers as strings. These helpers hide that, and nothing else: a value of a
/// truly wrong type (an object where a name belongs) is still a `DecodeError`.
enum VendorJSON {
    /// A member by name: exact first, then ignoring ASCII case, `_` and `-`.
    static func member(_ value: JSONValue?, _ key: String) -> JSONValue? {
        guard case .object(let members)? = value else { return nil }
        for (k, v) in members where k == key { return v }
        let wanted = fold(key)
        for (k, v) in members where k.utf8.count <= 128 && fold(k) == wanted { return v }
        return nil
    }

    /// Follows a path of member names and array indices. A string holding a JSON object (Twilio's
    /// `TaskAttributes`) is parsed on the way down; one that gives a member twice is an error
    /// (see `firstRepeatedMember`), any other string ends the path.
    static func find(_ value: JSONValue?, _ path: [String]) throws(DecodeError) -> JSONValue? {
        var current = value
        for (walked, part) in path.enumerated() {
            if case .string(let s)? = current {
                do { current = try embeddedObject(s) } catch where error.isGivenTwice {
                    // Named from the top of the path: the repeat is inside the string it reached.
                    throw error.inside(path[..<walked].map(DecodeError.clip).joined(separator: "."))
                } catch { current = nil }
            }
            switch current {
            case .array(let items)?:
                guard let i = Int(part), i >= 0, i < items.count else { return nil }
                current = items[i]
            case .object?: current = member(current, part)
            default: return nil
            }
        }
        return current
    }

    static func fold(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars where u != "_" && u != "-" {
            out.unicodeScalars.append(("A"..."Z").contains(u) ? Unicode.Scalar(u.value + 32)! : u)
        }
        return out
    }

    /// Text of a scalar: strings as they are (empty is absent), numbers and booleans written out
    /// (Twilio's all-string fields and Genesys' numbers read the same way).
    static func text(_ value: JSONValue?, field: String) throws(DecodeError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let s)?: return s.isEmpty ? nil : s
        case .number(let n)?: return format(n)
        case .bool(let b)?: return b ? "true" : "false"
        case let other?: throw DecodeError(field: field, reason: "expected a string, found \(other.typeName)")
        }
    }

    static func requiredText(_ value: JSONValue?, field: String) throws(DecodeError) -> String {
        guard let s = try text(value, field: field) else { throw DecodeError(field: field, reason: "missing") }
        return s
    }

    /// An object, or a string holding one (empty string and null are absent).
    static func object(_ value: JSONValue?, field: String) throws(DecodeError) -> JSONValue? {
        switch value {
        case nil, .null?: return nil
        case .object?: return value
        case .string(let s)?:
            if s.isEmpty { return nil }
            do { return try embeddedObject(s) } catch {
                if error.isGivenTwice { throw error.inside(field) }
                throw DecodeError(field: field, reason: "expected an object or a JSON object in a string: \(error.description)")
            }
        case let other?: throw DecodeError(field: field, reason: "expected an object, found \(other.typeName)")
        }
    }

    static func embeddedObject(_ s: String) throws(DecodeError) -> JSONValue {
        let v: JSONValue
        do { v = try JSONParser.parse(Array(s.utf8)) } catch { throw DecodeError(field: nil, reason: error.description) }
        guard case .object = v else { throw DecodeError(field: nil, reason: "expected a JSON object, found \(v.typeName)") }
        if let path = firstRepeatedMember(v) { throw DecodeError(field: path, reason: EventDecoder.givenTwice) }
        return v
    }

    /// The path (`detail.agentInfo.id`) of the first member, in document order, that an object
    /// of `value` gives twice under the same name; nil when none is. Readers differ on which of
    /// the two counts (most take the last, `member` takes the first), so a vendor message that
    /// repeats a member is refused (`EventDecoder.givenTwice`): a system beside Moments reading
    /// the same message could otherwise see another customer or interaction in it. The path is
    /// made only for a repeat found, its names clipped (`DecodeError.clip`): made on the way
    /// down, a long name over a long array was copied once per item.
    static func firstRepeatedMember(_ value: JSONValue) -> String? {
        guard let parts = repeatedMember(in: value) else { return nil }
        var path = ""
        for part in parts.reversed() {
            switch part {
            case .name(let name): path += (path.isEmpty ? "" : ".") + DecodeError.clip(name)
            case .index(let i): path += "[\(i)]"
            }
        }
        return path
    }

    private enum PathPart { case name(String), index(Int) }

    /// The path to the first repeat, innermost part first (see `firstRepeatedMember`).
    private static func repeatedMember(in value: JSONValue) -> [PathPart]? {
        switch value {
        case .object(let members):
            // Small objects compared pairwise; a large one (within the parser's limits) by a set.
            var seen: Set<String>? = members.count > 16 ? [] : nil
            for (i, (name, member)) in members.enumerated() {
                let repeated = seen.map { $0.contains(name) } ?? members[..<i].contains { $0.0 == name }
                if repeated { return [.name(name)] }
                seen?.insert(name)
                if var inner = repeatedMember(in: member) {
                    inner.append(.name(name))
                    return inner
                }
            }
            return nil
        case .array(let items):
            for (i, item) in items.enumerated() {
                if var inner = repeatedMember(in: item) {
                    inner.append(.index(i))
                    return inner
                }
            }
            return nil
        default:
            return nil
        }
    }

    /// Free-form attributes: the scalar members of an object as text. Nested values are left out
    /// and the size is capped, so a hostile attribute bag cannot bloat the engine's state.
    static func attributes(_ value: JSONValue?, into out: inout [String: String]) {
        guard case .object(let members)? = value else { return }
        for (k, v) in members where out.count < maxAttributes && !k.isEmpty && k.utf8.count <= Attributes.maxKeyBytes {
            guard let s = try? text(v, field: k), s.utf8.count <= Attributes.maxValueBytes else { continue }
            if out[k] == nil { out[k] = s }
        }
    }

    static let maxAttributes = Attributes.maxCount

    static func format(_ n: Double) -> String {
        if n == n.rounded(), abs(n) < 1e15 { return String(Int64(n)) }
        return String(n)
    }

    /// The last segment of an ARN or path (`arn:...:queue/abc` -> `abc`).
    static func lastSegment(_ s: String) -> String {
        guard let slash = s.lastIndex(of: "/") else { return s }
        let tail = s[s.index(after: slash)...]
        return tail.isEmpty ? s : String(tail)
    }
}

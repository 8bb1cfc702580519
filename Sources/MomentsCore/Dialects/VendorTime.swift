/// Vendor timestamps: RFC 3339 text (Amazon, Twilio Event Streams), epoch milliseconds (Genesys),
/// or epoch seconds as a string (Twilio callbacks). Refused outside the window the canonical
/// decoder accepts, for the same reason: a year-3000 event would move a partition clock for good.
enum VendorTime {
    static let earliest = EventDecoder().earliest
    static let latest = EventDecoder().latest

    /// nil when absent; a `DecodeError` when present but not a time in range.
    static func parse(_ value: JSONValue?, field: String) throws(DecodeError) -> Timestamp? {
        let t: Timestamp
        switch value {
        case nil, .null?: return nil
        case .number(let n)?: t = try epoch(n, field: field)
        case .string(let s)?:
            if s.isEmpty { return nil }
            if let n = Double(s), s.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D }) {
                t = try epoch(n, field: field)
            } else if let parsed = RFC3339.parse(s) {
                t = parsed
            } else {
                throw DecodeError(field: field, reason: "'\(DecodeError.clip(s))' is not an RFC 3339 timestamp or epoch time")
            }
        case let other?: throw DecodeError(field: field, reason: "expected a timestamp, found \(other.typeName)")
        }
        guard t >= earliest, t < latest else {
            throw DecodeError(field: field, reason: "\(t.milliseconds) ms since the epoch is outside the accepted range \(earliest) to \(latest)")
        }
        return t
    }

    /// Below 10^11 a number is seconds (10^11 s is the year 5138), above it milliseconds.
    static func epoch(_ n: Double, field: String) throws(DecodeError) -> Timestamp {
        guard n.isFinite, abs(n) < 1e15 else { throw DecodeError(field: field, reason: "\(n) is out of range for an epoch time") }
        let ms = abs(n) < 1e11 ? n * 1000 : n
        return Timestamp(milliseconds: Int64(ms.rounded()))
    }
}

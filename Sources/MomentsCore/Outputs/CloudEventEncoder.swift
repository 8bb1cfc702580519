/// Writes outputs as CloudEvents 1.0 in structured JSON mode (schemas/*.schema.json).
/// Fields are written in a fixed order so the same output always has the same bytes.
public struct CloudEventEncoder: Sendable {
    /// The CloudEvents `source` attribute.
    public var source: String

    public init(source: String = "moments") { self.source = source }

    public func encode(_ output: Output) -> [UInt8] {
        // Most alerts are 700 to 900 bytes: one allocation instead of growing from 512.
        var w = JSONWriter(capacity: 1024)
        let m = output.moment
        envelope(&w, id: output.id, type: output.kind.cloudEventType, subject: output.key, time: m.time)
        w.key(json: "\"data\":"); w.objectValue()
        switch output {
        case .alert(let a):
            w.key(json: "\"moment\":"); w.value(m.rule)
            w.key(json: "\"kind\":"); w.value(m.kind.rawValue)
            w.key(json: "\"stage\":"); w.value(m.stage)
            w.key(json: "\"severity\":"); w.value(m.severity.rawValue)
            interaction(&w, m, channel: true, agent: true)
            w.key(json: "\"summary\":"); w.value(m.summary)
            w.key(json: "\"runbook\":"); w.value(m.runbook)
            w.key(json: "\"measures\":"); w.objectValue()
            for measure in m.measures { w.key(measure.name); w.value(measure.value) }
            w.endObject()
            w.key(json: "\"cause_event_id\":"); w.value(m.causeEventID)
            w.key(json: "\"attributes\":"); w.objectValue()
            m.attributes.forEachUTF8 { k, v in w.key(utf8: k); w.value(utf8: v) }   // sorted by key already
            w.endObject()
            w.key(json: "\"recovery\":"); w.arrayValue()
            for id in a.recoveryIDs { w.value(id) }
            w.endArray()
        case .recovery(let r):
            w.key(json: "\"rule\":"); w.value(r.rule)
            w.key(json: "\"action\":"); w.value(r.action)
            w.key(json: "\"params\":"); w.objectValue()
            for p in r.params { w.key(p.key); w.value(p.value) }
            w.endObject()
            w.key(json: "\"moment\":"); w.value(m.rule)
            w.key(json: "\"moment_id\":"); w.value(m.id)
            interaction(&w, m, channel: true, agent: true)
        case .coaching(let c):
            w.key(json: "\"rule\":"); w.value(c.rule)
            w.key(json: "\"kind\":"); w.value(c.kind.rawValue)
            w.key(json: "\"agent_id\":"); w.value(c.agentID)
            w.key(json: "\"moment\":"); w.value(m.rule)
            w.key(json: "\"moment_id\":"); w.value(m.id)
            interaction(&w, m, channel: false, agent: false)
            w.key(json: "\"tip\":"); w.value(c.tip)
        }
        w.endObject()
        w.endObject()
        return w.bytes
    }

    /// A dead-letter record: the original bytes (base64), why they were refused, and where
    /// they came from, so an operator can fix and replay them.
    public func encode(_ d: DeadLetter) -> [UInt8] {
        var w = JSONWriter()
        envelope(&w, id: d.id, type: OutputKind.deadLetter.cloudEventType, subject: d.origin.description, time: d.time)
        w.key("data"); w.objectValue()
        w.key("reason"); w.value(d.error.description)
        w.key("field"); w.value(d.error.field)
        w.key("origin"); w.objectValue()
        w.key("topic"); w.value(d.origin.topic)
        w.key("partition"); if let p = d.origin.partition { w.value(Int64(p)) } else { w.null() }
        w.key("offset"); if let o = d.origin.offset { w.value(o) } else { w.null() }
        w.key("file"); w.value(d.origin.file)
        w.key("line"); if let l = d.origin.line { w.value(l) } else { w.null() }
        w.key("key"); w.value(d.origin.key)
        if let size = d.origin.keySize { w.key("key_size"); w.value(size) }
        w.endObject()
        // Kafka refuses messages over message.max.bytes (1 MB by default): a dead letter
        // carrying a ~800 kB original in base64 could never be written, and its partition would
        // stop committing. Past the limit the original is cut; it stays whole in the input topic
        // at the origin's offset, and the digest identifies it.
        let kept = d.original.count <= d.originalLimit ? d.original : Array(d.original.prefix(d.originalLimit))
        w.key("original_base64"); w.value(Base64.encode(kept))
        w.key("original_size"); w.value(d.original.count)
        w.key("original_truncated"); w.value(kept.count < d.original.count)
        w.key("original_sha256"); w.value(SHA256.hex(d.original))
        w.endObject()
        w.endObject()
        return w.bytes
    }

    private func envelope(_ w: inout JSONWriter, id: String, type: String, subject: String, time: Timestamp) {
        w.beginObject()
        w.member(json: "\"specversion\":\"1.0\"")
        w.key(json: "\"id\":"); w.value(id)
        w.key(json: "\"source\":"); w.value(source)
        w.key(json: "\"type\":"); w.value(type)
        w.key(json: "\"subject\":"); w.value(subject)
        w.key(json: "\"time\":"); w.value(time)
        w.member(json: "\"datacontenttype\":\"application/json\"")
    }

    private func interaction(_ w: inout JSONWriter, _ m: Moment, channel: Bool, agent: Bool) {
        w.key(json: "\"interaction_id\":"); w.value(m.interactionID)
        w.key(json: "\"customer_id\":"); w.value(m.customerID)
        if channel { w.key(json: "\"channel\":"); w.value(m.channel.rawValue) }
        w.key(json: "\"queue\":"); w.value(m.queue)
        if agent { w.key(json: "\"agent_id\":"); w.value(m.agentID) }
    }
}

enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], 61, 61]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], 61]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

import MomentsCore

/// Writes one canonical input event (DESIGN.md, schemas/event.schema.json) as compact JSON,
/// fields in the contract's order. Strings are escaped and timestamps formatted (RFC 3339, UTC,
/// exactly three fractional digits) by MomentsCore's writer, the same code the daemon's outputs use.
enum EventJSON {
    static func write(
        eventID: String, type: EventType, at time: Timestamp, interactionID: String, customer: Customer,
        channel: Channel, queue: String?, agentID: String?, data: [(String, JSONValue)]
    ) -> String {
        var w = JSONWriter(capacity: 384)
        w.beginObject()
        w.key("event_id"); w.value(eventID)
        w.key("type"); w.value(type.name)
        w.key("occurred_at"); w.value(RFC3339.format(time))
        w.key("interaction_id"); w.value(interactionID)
        w.key("customer_id"); w.value(customer.id)
        w.key("channel"); w.value(channel.rawValue)
        w.key("queue"); w.value(queue)
        w.key("agent_id"); w.value(agentID)
        w.key("data"); w.objectValue()
        for (k, v) in data { w.key(k); w.value(v) }
        w.endObject()
        w.key("attributes"); w.objectValue()
        w.key("tier"); w.value(customer.tier)
        w.key("language"); w.value(customer.language)
        w.key("region"); w.value(customer.region)
        w.key("segment"); w.value(customer.segment)
        w.key("site"); w.value(customer.site)
        w.endObject()
        w.endObject()
        return w.string
    }
}

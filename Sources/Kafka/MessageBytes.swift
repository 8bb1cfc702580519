internal import CRdKafka

/// A message's key and value, copied out of librdkafka's memory; nil where it has none (a
/// value's nil is a tombstone). Shared by the consumer's records and the producer's reports.
func keyAndValue(of m: rd_kafka_message_t) -> (key: [UInt8]?, value: [UInt8]?) {
    (m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) },
     m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) })
}

/// A message's headers, in order, copied out of librdkafka's memory (a consumed message's, or
/// a produced one's in its delivery report).
func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
    var headers: [KafkaHeader] = []
    var hdrs: OpaquePointer?
    guard rd_kafka_message_headers(message, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs else { return headers }
    var i = 0
    var name: UnsafePointer<CChar>?
    var val: UnsafeRawPointer?
    var size = 0
    while rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
        headers.append(KafkaHeader(name: name.map { String(cString: $0) } ?? "", value: val.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
        i += 1
    }
    return headers
}

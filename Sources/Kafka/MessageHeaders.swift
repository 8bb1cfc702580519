internal import CRdKafka

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

#ifndef MOMENTS_CRDKAFKA_SHIM_H
#define MOMENTS_CRDKAFKA_SHIM_H
// rdkafka_mock.h refuses to compile unless rdkafka.h came first.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

// Swift cannot call C variadic functions, and rd_kafka_vu_t's union is awkward from Swift, so
// the produce call is assembled here. On success librdkafka owns `headers` (may be NULL); on
// failure the caller still owns them and must destroy them.
static inline rd_kafka_error_t *moments_produce(rd_kafka_t *rk, const char *topic, int32_t partition, const void *key, size_t key_len,
                                                const void *value, size_t value_len, rd_kafka_headers_t *headers,
                                                void *msg_opaque) {
        rd_kafka_vu_t vus[7];
        size_t n = 0;
        vus[n].vtype = RD_KAFKA_VTYPE_TOPIC;
        vus[n++].u.cstr = topic;
        vus[n].vtype = RD_KAFKA_VTYPE_PARTITION;
        vus[n++].u.i32 = partition;
        if (key) {
                vus[n].vtype = RD_KAFKA_VTYPE_KEY;
                vus[n].u.mem.ptr = (void *)key;
                vus[n++].u.mem.size = key_len;
        }
        vus[n].vtype = RD_KAFKA_VTYPE_VALUE;
        vus[n].u.mem.ptr = (void *)value;
        vus[n++].u.mem.size = value_len;
        vus[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
        vus[n++].u.i = RD_KAFKA_MSG_F_COPY;
        vus[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
        vus[n++].u.ptr = msg_opaque;
        if (headers) {
                vus[n].vtype = RD_KAFKA_VTYPE_HEADERS;
                vus[n++].u.headers = headers;
        }
        return rd_kafka_produceva(rk, vus, n);
}

// The variadic-only fault injection with per-request delays, as one (error, rtt) pair.
static inline rd_kafka_resp_err_t moments_mock_broker_push_error_rtt(rd_kafka_mock_cluster_t *mcluster, int32_t broker_id,
                                                                    int16_t apikey, rd_kafka_resp_err_t err, int rtt_ms) {
        return rd_kafka_mock_broker_push_request_error_rtts(mcluster, broker_id, apikey, 1, err, rtt_ms);
}
#endif

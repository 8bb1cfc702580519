#ifndef MOMENTS_CJEMALLOC_SHIM_H
#define MOMENTS_CJEMALLOC_SHIM_H
// Debian's jemalloc exports malloc, free and mallctl without a prefix: linked into the
// executable, it is the allocator of the whole process (Swift runtime and librdkafka included).
#include <jemalloc/jemalloc.h>
#endif

#ifndef MOMENTS_CJEMALLOC_SHIM_H
#define MOMENTS_CJEMALLOC_SHIM_H
// Debian's jemalloc exports malloc, free and mallctl without a prefix: linked into the
// executable, it is the allocator of the whole process (Swift runtime and librdkafka included).
//
// Only the one function Moments calls is declared here: <jemalloc/jemalloc.h> would declare
// malloc, free and the rest to Swift a second time, beside Glibc's.
#include <stddef.h>
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
#endif

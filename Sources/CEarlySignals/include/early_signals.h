#ifndef MOMENTS_EARLY_SIGNALS_H
#define MOMENTS_EARLY_SIGNALS_H

/// Always 1: referenced from Swift so that the linker keeps the object file whose constructor
/// ignores SIGHUP for `moments run` (see early_signals.c).
int moments_early_signals_linked(void);

#endif

// `moments run` ignores SIGHUP from the moment the process is loaded, before any Swift code
// runs: until its reload handler is installed, SIGHUP's default action ends the process, and a
// `systemctl reload` right after `start` (the unit counts as started at exec) landed in the
// milliseconds the dynamic loader, the Swift runtime and argument parsing take, ending the
// daemon for good (systemd does not restart a process a signal ended). A constructor runs
// before `main`; glibc passes it the arguments.
#include "early_signals.h"

#include <signal.h>
#include <string.h>

// Only where the C library passes the arguments to constructors (glibc, Darwin); musl passes
// none, and there `run` ignores SIGHUP from its own start only.
#if defined(__GLIBC__) || defined(__APPLE__)
__attribute__((constructor)) static void moments_ignore_hangup_when_running(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc > 1 && argv != 0 && argv[1] != 0 && strcmp(argv[1], "run") == 0) {
        signal(SIGHUP, SIG_IGN);
    }
}
#endif

int moments_early_signals_linked(void) { return 1; }

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The control commands: one request (an argv, as xdpsecctl sent it after
 * its own options) executed against a data plane, its reply written to a
 * strbuf.  Shared by the daemon's control socket and the unit tests.
 */
#ifndef XDPSEC_COMMANDS_H
#define XDPSEC_COMMANDS_H

#include "dataplane.h"
#include "strbuf.h"

/*
 * Runs one command.  "-j" / "--json" anywhere selects JSON output.
 * Returns 0 with the reply appended to out, or 1 with one line
 * "error: ...\n" appended instead (what out held before is kept, so a
 * caller may add its own lines first).  Option values holding keys are
 * wiped in argv once parsed.
 */
int commands_run(struct dataplane *dp, int argc, char **argv, struct strbuf *out);

/* Every command and option, for xdpsecctl --help. */
extern const char commands_usage[];

#endif /* XDPSEC_COMMANDS_H */

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The control socket between xdpsecctl and xdpsecd: a unix stream socket
 * carrying one request (an argv) and one reply (a status and text) per
 * connection.  The wire format is described at the top of control.c.
 */
#ifndef XDPSEC_CONTROL_H
#define XDPSEC_CONTROL_H

#include <sys/types.h>

#include "strbuf.h"

enum {
	CTL_MAX_REQUEST = 64 * 1024,	/* bytes, header included */
	CTL_MAX_ARGS = 1024,
	CTL_SERVER_TIMEOUT_MS = 2000,	/* to read a request and write its reply */
	CTL_CLIENT_TIMEOUT_MS = 30000,	/* for the whole exchange */
	CTL_MAX_REPLY = 64 << 20,
	CTL_BACKLOG = 16,
};

/* Runs one request; returns the exit status for the client. */
typedef int (*ctl_handler_fn)(void *arg, int argc, char **argv, struct strbuf *out);

/*
 * Creates the listening socket at path (its directory made 0755 if
 * missing, a stale socket replaced, a live one refused with -EADDRINUSE).
 * Mode 0660 with group ownership when group != (gid_t)-1, else 0600.  The
 * socket is non-blocking: poll it for POLLIN, then call ctl_serve_one().
 * Returns the fd or -errno.
 */
int ctl_listen(const char *path, gid_t group);

/*
 * Accepts one client and serves it: only root, our own uid, or members of
 * group (primary or supplementary) may talk to us; others get "error:
 * permission denied".  Returns 0 when a request was handled, -EAGAIN if no
 * client was waiting, or -errno for a failure that concerned this client
 * only (refused, malformed, timed out): the listener stays usable.
 */
int ctl_serve_one(int listen_fd, gid_t group, ctl_handler_fn handler, void *arg);

/*
 * Sends argv to the daemon at path; the reply text is appended to out and
 * its status stored in *status.  Returns 0, or -errno (from connect() when
 * the daemon cannot be reached: -ENOENT, -ECONNREFUSED, -EACCES).
 */
int ctl_request(const char *path, int argc, char **argv, struct strbuf *out, int *status);

#endif /* XDPSEC_CONTROL_H */

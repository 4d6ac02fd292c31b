/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Prometheus metrics: the text exposition format (version 0.0.4) rendered
 * from the data plane, the IKE engine and the workers (metrics.c), and the
 * HTTP endpoint that serves it (metrics_http.c, libmicrohttpd).
 *
 * Threads: the data plane and the IKE engine belong to the control thread
 * (dataplane.h), so only that thread renders.  The HTTP thread asks for a
 * page through an eventfd and waits for it under a mutex:
 *
 *   HTTP thread                               control thread (poll loop)
 *   lock; wanted++; write(eventfd)  -------->  POLLIN on metrics_server_fd()
 *   cond_wait(done >= wanted)                  metrics_server_serve(): render
 *                                   <--------  lock; page = text; done = wanted;
 *   copy page; unlock; reply                   broadcast; unlock
 *
 * A scrape therefore sees counters of one moment, read the same way as
 * `xdpsecctl stats -j` reads them.  If the control thread does not answer
 * within METRICS_WAIT_MS (a long IKE operation), the scrape gets 503.
 */
#ifndef XDPSEC_METRICS_H
#define XDPSEC_METRICS_H

#include <stdint.h>

#include "dataplane.h"
#include "strbuf.h"

struct ike_engine;
struct worker;

enum { METRICS_WAIT_MS = 3000 };

/* What a page is rendered from; ike and workers may be NULL / 0. */
struct metrics_source {
	struct dataplane *dp;
	const struct ike_engine *ike;
	struct worker *const *workers;
	unsigned int n_workers;
	const char *version;
};

/* Appends the exposition text to out; 0 or -errno (out then incomplete). */
int metrics_render(const struct metrics_source *src, struct strbuf *out);

/* ---- metrics_http.c ---- */

struct metrics_server;
typedef int (*metrics_render_fn)(void *arg, struct strbuf *out);

/* Listens on listen ("127.0.0.1:9469", settings_parse_listen()); NULL with err. */
struct metrics_server *metrics_server_start(const char *listen, char *err, size_t errlen);
/* The fd the control thread polls for POLLIN. */
int metrics_server_fd(const struct metrics_server *m);
/* Called on POLLIN: renders the page the HTTP thread waits for. */
void metrics_server_serve(struct metrics_server *m, metrics_render_fn render, void *arg);
/* Stops the HTTP thread and frees; NULL is allowed. */
void metrics_server_stop(struct metrics_server *m);

#endif /* XDPSEC_METRICS_H */

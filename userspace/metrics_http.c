// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The Prometheus endpoint: libmicrohttpd with its own polling thread, GET
 * /metrics only.  The HTTP thread never touches the data plane or the IKE
 * engine: it asks the control thread for a page and copies it out under
 * the mutex (the handshake is drawn in metrics.h).  One polling thread
 * serves connections one at a time, which is plenty for a scraper or two.
 */
#include "metrics.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "log.h"
#include "settings.h"

#define METRICS_PATH "/metrics"
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum { HTTP_CONN_LIMIT = 16, HTTP_CONN_TIMEOUT_S = 10 };

struct metrics_server {
	struct MHD_Daemon *mhd;
	int efd;			/* HTTP thread -> control thread: "render one" */
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	/* Under lock: */
	uint64_t wanted, done;		/* page generations asked for / rendered */
	char *page;			/* the last page rendered */
	size_t page_len;
	int page_err;			/* its render error, 0 if fine */
	bool stopping;
};

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	xs_warn("metrics: %s", line);
}

static struct timespec deadline_in(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

/* A fresh page from the control thread, copied; NULL on timeout or failure. */
static char *fetch_page(struct metrics_server *m, size_t *len)
{
	struct timespec until = deadline_in(METRICS_WAIT_MS);
	uint64_t one = 1, gen;
	char *copy = NULL;
	int rc = 0;

	pthread_mutex_lock(&m->lock);
	gen = ++m->wanted;
	if (write(m->efd, &one, sizeof(one)) != sizeof(one))
		rc = -1;
	while (!rc && m->done < gen && !m->stopping)
		rc = pthread_cond_timedwait(&m->done_cond, &m->lock, &until);
	if (m->done >= gen && !m->page_err && m->page) {
		copy = malloc(m->page_len + 1);
		if (copy) {
			memcpy(copy, m->page, m->page_len + 1);
			*len = m->page_len;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return copy;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, char *body,
			     size_t len, const char *type)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned int status,
				  const char *text)
{
	char *body = strdup(text);

	if (!body)
		return MHD_NO;
	return reply(conn, status, body, strlen(body), "text/plain; charset=utf-8");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct metrics_server *m = cls;
	size_t len = 0;
	char *page;

	(void)version;
	(void)upload;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
	/* The first call only announces the request; answer on the second. */
	if (!*req_cls) {
		*req_cls = m;
		return MHD_YES;
	}
	if (*upload_size)
		return reply_text(conn, MHD_HTTP_BAD_REQUEST, "no body expected\n");
	if (strcmp(url, METRICS_PATH))
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found: try " METRICS_PATH "\n");
	page = fetch_page(m, &len);
	if (!page)
		return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "xdpsecd did not produce the metrics in time\n");
	return reply(conn, MHD_HTTP_OK, page, len, METRICS_CONTENT_TYPE);
}

static int init_sync(struct metrics_server *m)
{
	pthread_condattr_t attr;
	int ret;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	ret = pthread_cond_init(&m->done_cond, &attr);
	pthread_condattr_destroy(&attr);
	if (ret)
		return -ret;
	ret = pthread_mutex_init(&m->lock, NULL);
	if (ret) {
		pthread_cond_destroy(&m->done_cond);
		return -ret;
	}
	m->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (m->efd < 0) {
		ret = -errno;
		pthread_mutex_destroy(&m->lock);
		pthread_cond_destroy(&m->done_cond);
		return ret;
	}
	return 0;
}

struct metrics_server *metrics_server_start(const char *listen, char *err, size_t errlen)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	struct sockaddr_storage ss;
	struct metrics_server *m;
	int ret;

	if (settings_parse_listen(listen, &ss)) {
		snprintf(err, errlen, "metrics: bad listen address '%s'", listen);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m || (ret = init_sync(m))) {
		snprintf(err, errlen, "metrics: %s", m ? strerror(-ret) : "out of memory");
		free(m);
		return NULL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, m,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_CONN_LIMIT,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_CONN_TIMEOUT_S,
				  MHD_OPTION_END);
	if (!m->mhd) {
		snprintf(err, errlen, "metrics: cannot listen on %s (address in use or not ours?)",
			 listen);
		metrics_server_stop(m);
		return NULL;
	}
	return m;
}

int metrics_server_fd(const struct metrics_server *m)
{
	return m->efd;
}

void metrics_server_serve(struct metrics_server *m, metrics_render_fn render, void *arg)
{
	struct strbuf page = STRBUF_INIT;
	uint64_t n, wanted;
	int ret;

	if (read(m->efd, &n, sizeof(n)) != sizeof(n))
		return;
	pthread_mutex_lock(&m->lock);
	wanted = m->wanted;
	pthread_mutex_unlock(&m->lock);
	/* Render outside the lock: the HTTP thread only waits meanwhile. */
	ret = render(arg, &page);
	if (ret)
		xs_warn("metrics: cannot render: %s", strerror(-ret));
	pthread_mutex_lock(&m->lock);
	free(m->page);
	m->page_len = page.len;
	m->page = page.buf ? page.buf : strdup("");
	m->page_err = ret;
	m->done = wanted;
	pthread_cond_broadcast(&m->done_cond);
	pthread_mutex_unlock(&m->lock);
}

void metrics_server_stop(struct metrics_server *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->stopping = true;
	pthread_cond_broadcast(&m->done_cond);
	pthread_mutex_unlock(&m->lock);
	if (m->mhd)
		MHD_stop_daemon(m->mhd);
	close(m->efd);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->done_cond);
	free(m->page);
	free(m);
}

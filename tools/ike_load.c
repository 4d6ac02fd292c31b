// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ike_load: makes a running charon initiate many IKE SAs, for the IKE
 * section of the benchmark.  It speaks vici (strongSwan's control protocol)
 * on charon's socket: --parallel connections, each with one blocking
 * "initiate" command outstanding (timeout > 0: charon answers once the
 * IKE SA is up or has failed), so at most --parallel exchanges are in
 * flight, as the responder's receive buffer and DoS limits want.  Request
 * i names connection i mod n of --conns, which spreads the load over as
 * many source addresses as the initiator has connections.  Launching
 * `swanctl --initiate` per SA would cost the shared cores more than the
 * responders under test.
 *
 * vici (src/libcharon/plugins/vici/README.md in strongSwan): a 32-bit
 * big-endian length, then a packet: operation type, for commands a
 * length-prefixed name, then message elements; KEY_VALUE is a one-byte key
 * length, the key, a 16-bit big-endian value length and the value.
 *
 * Prints one JSON line: requested, established, failed, seconds, rate and
 * the first error charon gave.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum vici_op { VICI_CMD_REQUEST = 0, VICI_CMD_RESPONSE = 1, VICI_CMD_UNKNOWN = 2 };
enum vici_elem { VICI_SECTION_START = 1, VICI_SECTION_END = 2, VICI_KEY_VALUE = 3,
		 VICI_LIST_START = 4, VICI_LIST_ITEM = 5, VICI_LIST_END = 6 };
enum { MAX_PARALLEL = 256, MAX_CONNS = 64, MSG_MAX = 4096, HDR_LEN = 4, ERR_LEN = 200 };

struct load_opts {
	const char *socket;
	char *conns[MAX_CONNS];
	unsigned int n_conns, parallel;
	unsigned long count;
	unsigned int timeout_ms;
};

/* One vici connection and the response being read on it. */
struct slot {
	int fd;
	bool busy;
	uint8_t buf[MSG_MAX];
	size_t have;
};

struct tally {
	unsigned long sent, ok, failed;
	char first_err[ERR_LEN];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t put_kv(uint8_t *p, const char *k, const char *v)
{
	size_t kl = strlen(k), vl = strlen(v);

	p[0] = VICI_KEY_VALUE;
	p[1] = kl;
	memcpy(p + 2, k, kl);
	p[2 + kl] = vl >> 8;
	p[3 + kl] = vl & 0xff;
	memcpy(p + 4 + kl, v, vl);
	return 4 + kl + vl;
}

/* initiate { ike = CONN; timeout = MS; init-limits = no } as one packet. */
static size_t build_initiate(uint8_t *p, const char *conn, unsigned int timeout_ms)
{
	static const char cmd[] = "initiate";
	char ms[16];
	size_t n = HDR_LEN;

	snprintf(ms, sizeof(ms), "%u", timeout_ms);
	p[n++] = VICI_CMD_REQUEST;
	p[n++] = sizeof(cmd) - 1;
	memcpy(p + n, cmd, sizeof(cmd) - 1);
	n += sizeof(cmd) - 1;
	n += put_kv(p + n, "ike", conn);
	n += put_kv(p + n, "timeout", ms);
	n += put_kv(p + n, "init-limits", "no");
	n += put_kv(p + n, "loglevel", "-1");
	p[0] = (n - HDR_LEN) >> 24;
	p[1] = (n - HDR_LEN) >> 16;
	p[2] = (n - HDR_LEN) >> 8;
	p[3] = (n - HDR_LEN) & 0xff;
	return n;
}

/* The value of a top-level KEY_VALUE named key, NUL-terminated into out. */
static bool find_kv(const uint8_t *m, size_t len, const char *key, char *out, size_t outlen)
{
	size_t i = 0, kl = strlen(key);

	while (i < len) {
		uint8_t t = m[i++];
		size_t nl, vl;

		switch (t) {
		case VICI_SECTION_END:
		case VICI_LIST_END:
			continue;
		case VICI_SECTION_START:
		case VICI_LIST_START:
			if (i >= len)
				return false;
			i += 1 + m[i];
			continue;
		case VICI_LIST_ITEM:
			if (i + 2 > len)
				return false;
			i += 2 + (m[i] << 8 | m[i + 1]);
			continue;
		case VICI_KEY_VALUE:
			break;
		default:
			return false;
		}
		if (i >= len || i + 1 + m[i] + 2 > len)
			return false;
		nl = m[i];
		vl = m[i + 1 + nl] << 8 | m[i + 2 + nl];
		if (i + 3 + nl + vl > len)
			return false;
		if (nl == kl && !memcmp(m + i + 1, key, kl)) {
			vl = vl < outlen - 1 ? vl : outlen - 1;
			memcpy(out, m + i + 3 + nl, vl);
			out[vl] = '\0';
			return true;
		}
		i += 3 + nl + vl;
	}
	return false;
}

static int slot_open(struct slot *s, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	s->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s->fd < 0)
		return -errno;
	if (connect(s->fd, (struct sockaddr *)&sun, sizeof(sun))) {
		int err = -errno;

		close(s->fd);
		s->fd = -1;
		return err;
	}
	return 0;
}

static int slot_send(struct slot *s, const struct load_opts *o, struct tally *t)
{
	uint8_t pkt[MSG_MAX];
	size_t n = build_initiate(pkt, o->conns[t->sent % o->n_conns], o->timeout_ms);

	if (send(s->fd, pkt, n, MSG_NOSIGNAL) != (ssize_t)n)
		return -errno;
	s->busy = true;
	s->have = 0;
	t->sent++;
	return 0;
}

static void record(struct tally *t, bool ok, const char *err)
{
	if (ok) {
		t->ok++;
		return;
	}
	t->failed++;
	if (!t->first_err[0])
		snprintf(t->first_err, sizeof(t->first_err), "%s", err);
}

/* Reads what is there; a whole response completes the slot's request. */
static int slot_read(struct slot *s, struct tally *t)
{
	char ok[8] = "", err[ERR_LEN] = "";
	ssize_t r = recv(s->fd, s->buf + s->have, sizeof(s->buf) - s->have, 0);
	size_t len;

	if (r <= 0)
		return r ? -errno : -ECONNRESET;
	s->have += r;
	if (s->have < HDR_LEN)
		return 0;
	len = (size_t)s->buf[0] << 24 | s->buf[1] << 16 | s->buf[2] << 8 | s->buf[3];
	if (len > sizeof(s->buf) - HDR_LEN)
		return -EMSGSIZE;
	if (s->have < HDR_LEN + len)
		return 0;
	if (s->have > HDR_LEN + len || !len || s->buf[HDR_LEN] != VICI_CMD_RESPONSE)
		return -EPROTO;	/* no events registered: one response per request */
	find_kv(s->buf + HDR_LEN + 1, len - 1, "success", ok, sizeof(ok));
	find_kv(s->buf + HDR_LEN + 1, len - 1, "errmsg", err, sizeof(err));
	record(t, !strcmp(ok, "yes"), err[0] ? err : "no success in the response");
	s->busy = false;
	return 0;
}

static int run(const struct load_opts *o, struct slot *slots, struct tally *t)
{
	struct pollfd pfd[MAX_PARALLEL];
	unsigned int i, busy;
	int ret;

	for (;;) {
		busy = 0;
		for (i = 0; i < o->parallel; i++) {
			if (!slots[i].busy && t->sent < o->count && (ret = slot_send(&slots[i], o, t)))
				return ret;
			busy += slots[i].busy;
			pfd[i] = (struct pollfd){ .fd = slots[i].fd, .events = POLLIN };
		}
		if (!busy)
			return 0;
		if (poll(pfd, o->parallel, -1) < 0 && errno != EINTR)
			return -errno;
		for (i = 0; i < o->parallel; i++)
			if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    (ret = slot_read(&slots[i], t)))
				return ret;
	}
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: ike_load --socket PATH --conns NAME[,NAME...] --count N\n"
		   "                [--parallel K] [--timeout-ms MS]\n");
}

static int split_conns(char *list, struct load_opts *o)
{
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		if (o->n_conns == MAX_CONNS)
			return -1;
		o->conns[o->n_conns++] = tok;
	}
	return o->n_conns ? 0 : -1;
}

static int parse_args(int argc, char **argv, struct load_opts *o)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "conns", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ "parallel", required_argument, NULL, 'p' },
		{ "timeout-ms", required_argument, NULL, 't' }, { NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct load_opts){ .parallel = 16, .timeout_ms = 30000 };
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': o->socket = optarg; break;
		case 'c': if (split_conns(optarg, o)) return -1; break;
		case 'n': o->count = strtoul(optarg, NULL, 0); break;
		case 'p': o->parallel = strtoul(optarg, NULL, 0); break;
		case 't': o->timeout_ms = strtoul(optarg, NULL, 0); break;
		default: return -1;
		}
	}
	if (!o->socket || !o->n_conns || !o->count || !o->parallel || o->parallel > MAX_PARALLEL)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static struct slot slots[MAX_PARALLEL];
	struct tally t = { 0 };
	struct load_opts o;
	double t0, secs;
	unsigned int i;
	int ret = 0;

	if (parse_args(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < o.parallel; i++) {
		ret = slot_open(&slots[i], o.socket);
		if (ret) {
			fprintf(stderr, "ike_load: %s: %s\n", o.socket, strerror(-ret));
			goto close_slots;
		}
	}
	t0 = now_s();
	ret = run(&o, slots, &t);
	secs = now_s() - t0;
	if (ret)
		fprintf(stderr, "ike_load: vici: %s\n", strerror(-ret));
	printf("{\"requested\": %lu, \"established\": %lu, \"failed\": %lu, \"seconds\": %.3f, "
	       "\"per_second\": %.1f, \"first_error\": \"%s\"}\n",
	       o.count, t.ok, t.failed, secs, secs > 0 ? t.ok / secs : 0.0, t.first_err);
close_slots:
	for (i = 0; i < o.parallel && slots[i].fd > 0; i++)
		close(slots[i].fd);
	return ret || t.failed ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sa_load: installs many manual SA pairs into a running xdpsecd, for the SA
 * scaling benchmark.  xdpsecctl takes one command per process; launching it
 * 200,000 times would measure fork and exec, so this sends the same
 * `sa add` requests over the control socket (ctl_request, as xdpsecctl
 * does), one connection each, from one process.
 *
 * Pair i (0-based, counted from --first) is
 *   out: SPI base + 2i,     --src LOCAL:4500 --dst PEER:4500, --remote-ts R(i)/32
 *   in:  SPI base + 2i + 1, --src PEER:4500 --dst LOCAL:4500, --remote-ts R(i)/32
 * with R(i) = --ts-base + i, --local-ts as given, AES-GCM-128 and a fresh
 * random key per SA.  Distinct SPIs and distinct /32 selectors, so every
 * pair has its own xs_spi entry, its own policy and its own route.
 *
 * Prints one JSON line: pairs added, seconds, requests per second.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "control.h"
#include "strbuf.h"

enum { GCM128_KEYMAT = 20, ARG_MAX_LEN = 64, SA_ARGC = 18 };

struct load_opts {
	const char *socket, *local, *peer, *local_ts;
	struct in_addr ts_base;
	uint32_t spi_base;
	unsigned long first, count;
};

struct sa_args {
	char spi[ARG_MAX_LEN], src[ARG_MAX_LEN], dst[ARG_MAX_LEN], rts[ARG_MAX_LEN];
	char key[2 + 2 * GCM128_KEYMAT + 1];
	char *argv[SA_ARGC];
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: sa_load --socket PATH --count N [--first I] [--spi-base SPI]\n"
		   "               --local ADDR --peer ADDR --local-ts CIDR [--ts-base ADDR]\n");
}

static int parse_args(int argc, char **argv, struct load_opts *o)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 'S' }, { "count", required_argument, NULL, 'n' },
		{ "first", required_argument, NULL, 'f' }, { "spi-base", required_argument, NULL, 'b' },
		{ "local", required_argument, NULL, 'l' }, { "peer", required_argument, NULL, 'p' },
		{ "local-ts", required_argument, NULL, 't' },
		{ "ts-base", required_argument, NULL, 'r' }, { NULL, 0, NULL, 0 },
	};
	int c;

	o->spi_base = 0x10000000;
	inet_pton(AF_INET, "10.128.0.0", &o->ts_base);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'S': o->socket = optarg; break;
		case 'n': o->count = strtoul(optarg, NULL, 0); break;
		case 'f': o->first = strtoul(optarg, NULL, 0); break;
		case 'b': o->spi_base = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'l': o->local = optarg; break;
		case 'p': o->peer = optarg; break;
		case 't': o->local_ts = optarg; break;
		case 'r':
			if (inet_pton(AF_INET, optarg, &o->ts_base) != 1)
				return -1;
			break;
		default: return -1;
		}
	}
	return o->socket && o->count && o->local && o->peer && o->local_ts ? 0 : -1;
}

static int random_key(char *hex, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t k[GCM128_KEYMAT];

	if (len < sizeof(k) * 2 + 3 || RAND_bytes(k, sizeof(k)) != 1)
		return -1;
	hex[0] = '0';
	hex[1] = 'x';
	for (size_t i = 0; i < sizeof(k); i++) {
		hex[2 + 2 * i] = digits[k[i] >> 4];
		hex[3 + 2 * i] = digits[k[i] & 0xf];
	}
	hex[2 + 2 * sizeof(k)] = '\0';
	OPENSSL_cleanse(k, sizeof(k));
	return 0;
}

/* Builds the argv of one `sa add`; returns argc, or -1. */
static int build(const struct load_opts *o, unsigned long i, bool out, struct sa_args *a)
{
	uint32_t ts = ntohl(o->ts_base.s_addr) + (uint32_t)i;
	const char *src = out ? o->local : o->peer, *dst = out ? o->peer : o->local;
	char **v = a->argv;
	int n = 0;

	snprintf(a->spi, sizeof(a->spi), "0x%08x", o->spi_base + 2 * (uint32_t)i + !out);
	snprintf(a->src, sizeof(a->src), "%s:4500", src);
	snprintf(a->dst, sizeof(a->dst), "%s:4500", dst);
	snprintf(a->rts, sizeof(a->rts), "%u.%u.%u.%u/32", ts >> 24, ts >> 16 & 0xff,
		 ts >> 8 & 0xff, ts & 0xff);
	if (random_key(a->key, sizeof(a->key)))
		return -1;
	v[n++] = "sa";
	v[n++] = "add";
	v[n++] = "--spi", v[n++] = a->spi;
	v[n++] = "--dir", v[n++] = out ? "out" : "in";
	v[n++] = "--src", v[n++] = a->src;
	v[n++] = "--dst", v[n++] = a->dst;
	v[n++] = "--local-ts", v[n++] = (char *)o->local_ts;
	v[n++] = "--remote-ts", v[n++] = a->rts;
	v[n++] = "--aead", v[n++] = "aes-gcm-128";
	v[n++] = "--key", v[n++] = a->key;
	return n;
}

/* One request; on failure prints the daemon's answer and returns -1. */
static int add_one(const struct load_opts *o, unsigned long i, bool out, struct strbuf *reply)
{
	struct sa_args a;
	int argc = build(o, i, out, &a), status = -1, rc;

	if (argc < 0)
		return -1;
	strbuf_reset(reply);
	rc = ctl_request(o->socket, argc, a.argv, reply, &status);
	OPENSSL_cleanse(a.key, sizeof(a.key));
	if (rc || status) {
		fprintf(stderr, "sa_load: pair %lu (%s): %s%s\n", i, out ? "out" : "in",
			rc ? strerror(-rc) : "", strbuf_str(reply));
		return -1;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct load_opts o = { 0 };
	struct strbuf reply = STRBUF_INIT;
	unsigned long i, done = 0;
	double t0, secs;

	if (parse_args(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	t0 = now_s();
	for (i = o.first; i < o.first + o.count; i++) {
		if (add_one(&o, i, true, &reply) || add_one(&o, i, false, &reply))
			break;
		done++;
	}
	secs = now_s() - t0;
	printf("{\"pairs\":%lu,\"seconds\":%.3f,\"requests_per_second\":%.0f}\n", done, secs,
	       secs > 0 ? 2.0 * (double)done / secs : 0.0);
	strbuf_free(&reply);
	return done == o.count ? 0 : 1;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `xdpsecctl monitor`: a top-like view of packet and bit rates per verdict
 * reason, SA and device, from the difference of two `stats -j` samples.
 * In a terminal it redraws in place (ANSI clear and home) until Ctrl-C;
 * with --once, or when stdout is not a terminal, it prints one interval's
 * rates and exits.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "json_read.h"
#include "strbuf.h"

#define ANSI_CLEAR_HOME "\033[H\033[2J"

struct sample {
	struct jr_value *root;
	double t;		/* CLOCK_MONOTONIC seconds */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int take_sample(const char *path, struct sample *s)
{
	char *argv[] = { "stats", "-j", NULL };
	struct strbuf out = STRBUF_INIT;
	int status = 1, ret;

	ret = ctl_request(path, 2, argv, &out, &status);
	s->t = now_s();
	if (ret || status) {
		fprintf(stderr, "xdpsecctl: monitor: %s\n",
			ret ? strerror(-ret) : strbuf_str(&out));
		strbuf_free(&out);
		return -1;
	}
	s->root = jr_parse(strbuf_str(&out));
	strbuf_free(&out);
	if (!s->root) {
		fprintf(stderr, "xdpsecctl: monitor: the daemon's stats -j did not parse\n");
		return -1;
	}
	return 0;
}

/* "12.3 k" style: value with an SI prefix, unit after. */
static const char *si(double v, const char *unit, char *buf, size_t len)
{
	static const char prefix[] = " kMGT";
	int i = 0;

	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	if (i)
		snprintf(buf, len, "%.1f %c%s", v, prefix[i], unit);
	else
		snprintf(buf, len, "%.1f %s", v, unit);
	return buf;
}

static double rate(uint64_t now, uint64_t before, double dt)
{
	return now >= before && dt > 0 ? (double)(now - before) / dt : 0;
}

static void print_reasons(const struct sample *a, const struct sample *b, double dt)
{
	const struct jr_value *ra = jr_get(a->root, "reasons"), *r;
	char b1[32], b2[32];

	printf("%-18s %14s %16s %14s\n", "reason", "pps", "bit/s", "packets");
	for (r = jr_get(b->root, "reasons") ? jr_get(b->root, "reasons")->child : NULL; r;
	     r = r->next) {
		const struct jr_value *old = jr_get(ra, r->key);
		uint64_t pk = jr_get_u64(r, "packets");
		double pps = rate(pk, jr_get_u64(old, "packets"), dt);
		double bps = 8 * rate(jr_get_u64(r, "bytes"), jr_get_u64(old, "bytes"), dt);

		if (!pk)
			continue;
		printf("%-18s %14s %16s %14llu\n", r->key, si(pps, "pps", b1, sizeof(b1)),
		       si(bps, "bit/s", b2, sizeof(b2)), (unsigned long long)pk);
	}
}

/* The SA of a with the same spi and dir as sa, or NULL. */
static const struct jr_value *same_sa(const struct sample *a, const struct jr_value *sa)
{
	const struct jr_value *arr = jr_get(a->root, "sas"), *x;
	const char *spi = jr_get_str(sa, "spi"), *dir = jr_get_str(sa, "dir");

	for (x = arr ? arr->child : NULL; x && spi && dir; x = x->next) {
		const char *xs = jr_get_str(x, "spi"), *xd = jr_get_str(x, "dir");

		if (xs && xd && !strcmp(xs, spi) && !strcmp(xd, dir))
			return x;
	}
	return NULL;
}

static void print_sas(const struct sample *a, const struct sample *b, double dt)
{
	const struct jr_value *arr = jr_get(b->root, "sas"), *sa;
	char b1[32], b2[32];

	if (!arr || !arr->child)
		return;
	printf("\n%-12s %-4s %-20s %14s %16s %10s\n", "sa", "dir", "device", "pps", "bit/s",
	       "errors/s");
	for (sa = arr->child; sa; sa = sa->next) {
		const struct jr_value *old = same_sa(a, sa), *e, *oe = jr_get(old, "errors");
		const char *dev = jr_get_str(sa, "device");
		double pps = rate(jr_get_u64(sa, "packets"), jr_get_u64(old, "packets"), dt);
		double bps = 8 * rate(jr_get_u64(sa, "bytes"), jr_get_u64(old, "bytes"), dt);
		double eps = 0;

		for (e = jr_get(sa, "errors") ? jr_get(sa, "errors")->child : NULL; e; e = e->next)
			eps += rate(e->is_u64 ? e->u64 : 0, jr_get_u64(oe, e->key), dt);
		printf("%-12s %-4s %-20s %14s %16s %10.1f\n", jr_get_str(sa, "spi"),
		       jr_get_str(sa, "dir"), dev ? dev : "-", si(pps, "pps", b1, sizeof(b1)),
		       si(bps, "bit/s", b2, sizeof(b2)), eps);
	}
}

static void print_rates(const char *title, const struct sample *a, const struct sample *b)
{
	double dt = b->t - a->t;

	printf("xdpsec %s: rates over %.2f s\n\n", title, dt);
	print_reasons(a, b, dt);
	print_sas(a, b, dt);
	fflush(stdout);
}

static int parse_interval(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (!*s || *end || !(v >= 0.1 && v <= 3600)) {
		fprintf(stderr, "xdpsecctl: --interval takes seconds, 0.1 to 3600, not '%s'\n", s);
		return -1;
	}
	*out = v;
	return 0;
}

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int cli_monitor(const char *socket_path, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'n' },
		{ "once", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct sample a = { 0 }, b = { 0 };
	double interval = 1;
	bool once = !isatty(STDOUT_FILENO);
	int c, status = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		if (c == 'n' && !parse_interval(optarg, &interval))
			continue;
		if (c == 'o') {
			once = true;
			continue;
		}
		fprintf(stderr, "usage: xdpsecctl monitor [--interval S] [--once]\n");
		return 1;
	}
	if (take_sample(socket_path, &a))
		return 1;
	for (;;) {
		sleep_s(interval);
		if (take_sample(socket_path, &b))
			break;
		if (!once)
			fputs(ANSI_CLEAR_HOME, stdout);
		print_rates(socket_path, &a, &b);
		jr_free(a.root);
		a = b;
		b.root = NULL;
		if (once) {
			status = 0;
			break;
		}
	}
	jr_free(a.root);
	jr_free(b.root);
	return status;
}

const char cli_usage[] =
	"Commands run by xdpsecctl itself:\n"
	"  monitor [--interval S] [--once]\n"
	"      Rates per reason and SA (pps, bit/s), redrawn every S seconds (1)\n"
	"      until Ctrl-C; --once (or stdout not a terminal): one interval, then exit.\n"
	"  export-keys --wireshark DIR\n"
	"      Write Wireshark's esp_sa and ikev2_decryption_table for the current SAs\n"
	"      into DIR (mode 0600).  These files hold SECRET KEYS.\n";

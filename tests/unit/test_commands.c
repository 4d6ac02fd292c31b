// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The control commands driven through commands_run() against the fake data
 * plane: what an operator types, what comes back, and what the data plane
 * holds afterwards.  JSON replies are checked both for exact text on a known
 * state and for well-formedness with a small validator.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "commands.h"
#include "dp_fake.h"
#include "selector.h"
#include "strbuf.h"

#define KEY20 "0x0102030405060708090a0b0c0d0e0f1011121314"
#define KEY36 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
#define KEY32 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

#define SA_IN "sa add --spi 0x1000 --dir in --src 192.0.2.2:4500 --dst 192.0.2.1:4500 " \
	      "--local-ts 10.0.0.0/24 --remote-ts 10.1.0.0/24 --device sensor1 " \
	      "--aead aes-gcm-128 --key " KEY20
#define SA_OUT "sa add --spi 2000 --dir out --src 192.0.2.1:4500 --dst 192.0.2.2:4500 " \
	       "--local-ts 10.0.0.0/24 --remote-ts 10.1.0.0/24 --remote-ts 10.1.1.0/24 " \
	       "--device sensor1 --aead chacha20-poly1305 --key " KEY36

struct fixture {
	struct dataplane *dp;
	struct strbuf out;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dp = dp_fake_new(16);
	strbuf_init(&f->out);
	*state = f;
	return f->dp ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	f->dp->ops->destroy(f->dp);
	strbuf_free(&f->out);
	free(f);
	return 0;
}

/* Runs one command line (split on spaces, no quoting). */
static int run(struct fixture *f, const char *line)
{
	char buf[4096], *argv[256], *tok, *save;
	int argc = 0;

	strbuf_reset(&f->out);
	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	return commands_run(f->dp, argc, argv, &f->out);
}

static const char *out(struct fixture *f)
{
	return strbuf_str(&f->out);
}

static void run_ok(struct fixture *f, const char *line)
{
	if (run(f, line))
		fail_msg("'%s' failed: %s", line, out(f));
}

static int sa_count(struct fixture *f)
{
	return f->dp->ops->list_sas(f->dp, NULL, 0);
}

/* ---- a minimal JSON validator (RFC 8259 grammar, no semantic checks) ---- */

static const char *jv_value(const char *p, int depth);

static const char *jv_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *jv_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
		p++;
	}
	return p + 1;
}

static const char *jv_container(const char *p, int depth, char close, bool object)
{
	p = jv_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (object) {
			p = jv_string(jv_ws(p));
			if (!p || *(p = jv_ws(p)) != ':')
				return NULL;
			p++;
		}
		p = jv_value(p, depth + 1);
		if (!p)
			return NULL;
		p = jv_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *jv_value(const char *p, int depth)
{
	p = jv_ws(p);
	if (depth > 64)
		return NULL;
	if (*p == '{')
		return jv_container(p, depth, '}', true);
	if (*p == '[')
		return jv_container(p, depth, ']', false);
	if (*p == '"')
		return jv_string(p);
	if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9'))
		return NULL;
	while (*p >= '0' && *p <= '9')
		p++;
	return p;
}

static bool json_valid(const char *s)
{
	const char *end = jv_value(s, 0);

	return end && *jv_ws(end) == '\0';
}

static void test_json_validator(void **state)
{
	(void)state;
	assert_true(json_valid("{\"a\":[1,true,null,{\"b\":\"\\u00e9\"}]}\n"));
	assert_false(json_valid("{\"a\":1,}"));
	assert_false(json_valid("{\"a\" 1}"));
	assert_false(json_valid("[01]"));
	assert_false(json_valid("{} {}"));
	assert_false(json_valid("\"\x01\""));
}

/* ---- sa add / list / del ---- */

static void test_sa_add_and_list(void **state)
{
	struct fixture *f = *state;
	struct dp_addr nat;

	run_ok(f, SA_IN);
	assert_string_equal(out(f), "added SA 0x00001000 dir in (slot 0)\n");
	assert_int_equal(sa_count(f), 1);
	/* Inbound SAs get no policy. */
	assert_int_equal(dp_fake_policy_count(f->dp), 0);

	run_ok(f, "sa list -j");
	assert_string_equal(out(f),
		"{\"sas\":[{\"slot\":0,\"spi\":\"0x00001000\",\"dir\":\"in\",\"alg\":\"aes-gcm-128\",\"integ\":null,"
		"\"esn\":false,\"src\":\"192.0.2.2\",\"sport\":4500,\"dst\":\"192.0.2.1\","
		"\"dport\":4500,\"local_ts\":[\"10.0.0.0/24\"],\"remote_ts\":[\"10.1.0.0/24\"],"
		"\"device\":\"sensor1\",\"packets\":0,\"bytes\":0,\"src_changes\":0,"
		"\"new_src\":null,\"new_sport\":null}]}\n");

	run_ok(f, "sa list");
	assert_string_equal(out(f),
		"spi         dir  alg          src             dst             device   packets  bytes"
		"  src_changes  new_src\n"
		"0x00001000  in   aes-gcm-128  192.0.2.2:4500  192.0.2.1:4500  sensor1        0      0"
		"            0  -\n");
	/* the peer's NAT rebound: a worker noted its authenticated ESP from another port */
	assert_int_equal(addr_parse("192.0.2.2", &nat), 0);
	assert_int_equal(dp_fake_esp_from(f->dp, 0, &nat, 40001), 1);
	run_ok(f, "sa list");
	assert_non_null(strstr(out(f), "      0            1  192.0.2.2:40001\n"));
	run_ok(f, "sa list -j");
	assert_non_null(strstr(out(f), "\"src_changes\":1,\"new_src\":\"192.0.2.2\","
				       "\"new_sport\":40001}"));

	run_ok(f, "sa add --spi 0x1001 --dir in --src 192.0.2.2 --dst 192.0.2.1 --local-ts 10.0.0.0/24 "
	       "--remote-ts 10.1.0.0/24 --aead aes-gcm-256 --key 0x" KEY36 " -j");
	assert_true(json_valid(out(f)));
	assert_int_equal(run(f, "sa list -j"), 0);
	assert_true(json_valid(out(f)));
	assert_non_null(strstr(out(f), "\"sport\":null,\"dst\":\"192.0.2.1\",\"dport\":null"));
	assert_non_null(strstr(out(f), "\"device\":null"));
}

static void test_sa_add_ipv6_cbc_esn(void **state)
{
	struct fixture *f = *state;

	run_ok(f, "sa add --spi 0xdeadbeef --dir in --src [2001:db8::2]:4500 --dst [2001:db8::1]:4500 "
	       "--local-ts 2001:db8:1::/48 --remote-ts 10.9.0.0/16 --remote-ts 2001:db8:2::/48 "
	       "--enc aes-cbc-256 --enc-key " KEY32 " --integ hmac-sha256-128 --integ-key " KEY32
	       " --esn");
	run_ok(f, "-j sa list");
	assert_true(json_valid(out(f)));
	assert_non_null(strstr(out(f), "\"spi\":\"0xdeadbeef\""));
	assert_non_null(strstr(out(f), "\"alg\":\"aes-cbc-256\",\"integ\":\"hmac-sha256-128\",\"esn\":true,"
			       "\"src\":\"2001:db8::2\",\"sport\":4500"));
	assert_non_null(strstr(out(f), "\"remote_ts\":[\"10.9.0.0/16\",\"2001:db8:2::/48\"]"));
	run_ok(f, "sa list");
	assert_non_null(strstr(out(f), "[2001:db8::2]:4500"));
}

static void test_sa_out_policies(void **state)
{
	struct fixture *f = *state;
	struct xs_selector sel;
	char buf[SELECTOR_STR_MAX];
	uint32_t slot;

	run_ok(f, SA_IN);
	run_ok(f, SA_OUT);
	assert_string_equal(out(f), "added SA 0x000007d0 dir out (slot 1)\n");
	assert_int_equal(dp_fake_policy_count(f->dp), 2);
	assert_int_equal(dp_fake_policy_get(f->dp, 0, &sel, &slot), 0);
	assert_string_equal(selector_format(&sel, buf, sizeof(buf)), "10.1.0.0/24");
	assert_int_equal(slot, 1);
	assert_int_equal(dp_fake_policy_get(f->dp, 1, &sel, &slot), 0);
	assert_string_equal(selector_format(&sel, buf, sizeof(buf)), "10.1.1.0/24");
	assert_int_equal(slot, 1);

	run_ok(f, "sa del --spi 0x7d0 --dir out");
	assert_string_equal(out(f), "deleted SA 0x000007d0 dir out (slot 1)\n");
	assert_int_equal(dp_fake_policy_count(f->dp), 0);
	assert_int_equal(sa_count(f), 1);
	run_ok(f, "sa del --spi 4096 --dir in -j");
	assert_string_equal(out(f), "{\"slot\":0,\"spi\":\"0x00001000\",\"dir\":\"in\"}\n");
	assert_int_equal(sa_count(f), 0);
	run_ok(f, "sa list");
	assert_string_equal(out(f), "no SAs\n");
	run_ok(f, "sa list -j");
	assert_string_equal(out(f), "{\"sas\":[]}\n");
}

static void test_policy_conflict_rolls_back(void **state)
{
	struct fixture *f = *state;
	struct xs_selector sel;
	uint32_t slot;

	run_ok(f, SA_OUT);
	assert_int_equal(run(f, "sa add --spi 0x3000 --dir out --src 192.0.2.1 --dst 192.0.2.3 "
			     "--local-ts 10.0.0.0/24 --remote-ts 10.2.0.0/24 --remote-ts 10.1.1.0/24 "
			     "--aead aes-gcm-128 --key " KEY20), 1);
	assert_string_equal(out(f), "error: cannot add the policy for 10.1.1.0/24: another "
			    "outbound SA has one\n");
	/* Neither the new SA nor its first policy stayed. */
	assert_int_equal(sa_count(f), 1);
	assert_int_equal(dp_fake_policy_count(f->dp), 2);
	assert_int_equal(dp_fake_policy_get(f->dp, 0, &sel, &slot), 0);
	assert_int_equal(slot, 0);
	assert_int_equal(dp_fake_policy_get(f->dp, 1, &sel, &slot), 0);
	assert_int_equal(slot, 0);
}

struct error_case {
	const char *line;
	const char *error;
};

static const struct error_case sa_add_errors[] = {
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 192.0.2.1 --local-ts 10.0.0.0/24 "
	  "--remote-ts 10.1.0.0/24 --aead aes-gcm-128 --key 0x0102030405060708090a0b0c0d0e0f10",
	  "error: --key for aes-gcm-128 must be 20 bytes (16-byte key + 4-byte salt), got 16\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 192.0.2.1 --local-ts 10.0.0.0/24 "
	  "--remote-ts 10.1.0.0/24 --aead chacha20-poly1305 --key " KEY32,
	  "error: --key for chacha20-poly1305 must be 36 bytes (32-byte key + 4-byte salt), "
	  "got 32\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 192.0.2.1 --local-ts 10.0.0.0/24 "
	  "--remote-ts 10.1.0.0/24 --enc aes-cbc-128 --enc-key " KEY32 " --integ hmac-sha256-128 "
	  "--integ-key " KEY32,
	  "error: --enc-key for aes-cbc-128 must be 16 bytes, got 32\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 192.0.2.1 --local-ts 10.0.0.0/24 "
	  "--remote-ts 10.1.0.0/24 --enc aes-cbc-256 --enc-key " KEY32 " --integ hmac-sha256-128 "
	  "--integ-key 0x0011",
	  "error: --integ-key for hmac-sha256-128 must be 32 bytes, got 2\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 192.0.2.1 --local-ts 10.0.0.0/24 "
	  "--remote-ts 10.1.0.0/24 --enc aes-cbc-256 --enc-key " KEY32 " --integ hmac-md5 "
	  "--integ-key " KEY32,
	  "error: --integ: unknown algorithm 'hmac-md5' (hmac-sha256-128)\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 192.0.2.1 --local-ts 10.0.0.0/24 "
	  "--remote-ts 10.1.0.0/24 --enc aes-cbc-256 --enc-key " KEY32,
	  "error: --enc needs --enc-key, --integ hmac-sha256-128 and --integ-key\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 192.0.2.1 --local-ts 10.0.0.0/24 "
	  "--remote-ts 10.1.0.0/24 --aead aes-cbc-128 --key " KEY20,
	  "error: --aead: unknown algorithm 'aes-cbc-128' (aes-gcm-128, aes-gcm-256, "
	  "chacha20-poly1305)\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 192.0.2.1 --local-ts 10.0.0.0/24 "
	  "--remote-ts 10.1.0.0/24 --enc aes-gcm-128 --key " KEY20,
	  "error: --enc: unknown algorithm 'aes-gcm-128' (aes-cbc-128, aes-cbc-256)\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 192.0.2.1 --local-ts 10.0.0.0/24 "
	  "--remote-ts 10.1.0.0/24 --aead aes-gcm-128 --key " KEY20 " --integ-key " KEY32,
	  "error: --enc-key, --integ and --integ-key do not go with --aead\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 192.0.2.1 --local-ts 10.0.0.0/24 "
	  "--remote-ts 10.1.0.0/24 --aead aes-gcm-128 --enc aes-cbc-128 --key " KEY20,
	  "error: --aead and --enc are exclusive\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 192.0.2.1 --local-ts 10.0.0.0/24 "
	  "--remote-ts 10.1.0.0/24",
	  "error: missing --aead ALG --key HEX (or --enc, --enc-key, --integ, --integ-key)\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 192.0.2.1 --local-ts 10.0.0.0/24 "
	  "--remote-ts 10.1.0.0/24 --aead aes-gcm-128",
	  "error: missing --key for --aead aes-gcm-128\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 192.0.2.1 --local-ts 10.0.0.0/24 "
	  "--remote-ts 10.1.0.0/24 --aead aes-gcm-128 --key 0x01020",
	  "error: --key: expected an even number of hex digits\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 192.0.2.1 --local-ts 10.0.0.0/24 "
	  "--remote-ts 10.1.0.0/24 --aead aes-gcm-128 --key 0x0102030405060708090a0b0c0d0e0f10111213zz",
	  "error: --key: not a hex string\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 192.0.2.1 --local-ts 10.0.0.0/24 "
	  "--remote-ts 10.1.0.0/24 --aead aes-gcm-128 --key 0x",
	  "error: --key: expected an even number of hex digits\n" },
	{ "sa add --spi 0 --dir in", "error: --spi 0x00000000 is reserved (RFC 4303: 0 is invalid, "
	  "1-255 are reserved)\n" },
	{ "sa add --spi 0xff --dir in", "error: --spi 0x000000ff is reserved (RFC 4303: 0 is "
	  "invalid, 1-255 are reserved)\n" },
	{ "sa add --spi 1", "error: --spi 0x00000001 is reserved (RFC 4303: 0 is invalid, 1-255 are "
	  "reserved)\n" },
	{ "sa add --spi 0x100000000", "error: --spi: invalid SPI '0x100000000' (0xHEX or decimal, "
	  "32 bits)\n" },
	{ "sa add --spi 0x", "error: --spi: invalid SPI '0x' (0xHEX or decimal, 32 bits)\n" },
	{ "sa add --spi -300", "error: --spi: invalid SPI '-300' (0xHEX or decimal, 32 bits)\n" },
	{ "sa add --spi 12ab", "error: --spi: invalid SPI '12ab' (0xHEX or decimal, 32 bits)\n" },
	{ "sa add --spi 0x1000 --dir sideways", "error: --dir must be 'in' or 'out', not "
	  "'sideways'\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 2001:db8::1 --local-ts 10.0.0.0/24 "
	  "--remote-ts 10.1.0.0/24 --aead aes-gcm-128 --key " KEY20,
	  "error: --src and --dst must be of the same address family\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2:4500 --dst 192.0.2.1 --local-ts 10.0.0.0/24 "
	  "--remote-ts 10.1.0.0/24 --aead aes-gcm-128 --key " KEY20,
	  "error: --src and --dst must both have a port (UDP encapsulation) or neither (plain "
	  "ESP)\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2:0 --dst 192.0.2.1", "error: --src: invalid "
	  "address '192.0.2.2:0' (ADDR, ADDR:PORT or [IPV6]:PORT)\n" },
	{ "sa add --spi 0x1000 --dir in --src gw.example", "error: --src: invalid address "
	  "'gw.example' (ADDR, ADDR:PORT or [IPV6]:PORT)\n" },
	{ "sa add --local-ts 10.0.0.1/24", "error: --local-ts: invalid prefix '10.0.0.1/24': host "
	  "bits set (did you mean 10.0.0.0/24?)\n" },
	{ "sa add --remote-ts 10.0.0.0/40", "error: --remote-ts: invalid prefix length in "
	  "'10.0.0.0/40' (0-32)\n" },
	{ "sa add --remote-ts 10.1.0.0/24 --remote-ts 10.1.0.0/24", "error: --remote-ts "
	  "10.1.0.0/24 given twice\n" },
	{ "sa add --remote-ts 10.1.0.0/24 --remote-ts 10.2.0.0/24 --remote-ts 10.3.0.0/24 "
	  "--remote-ts 10.4.0.0/24 --remote-ts 10.5.0.0/24", "error: at most 4 --remote-ts\n" },
	{ "sa add --device none", "error: --device: invalid device name 'none' (1-63 printable "
	  "characters, not 'none')\n" },
	{ "sa add --spi 0x1000 --spi 0x1001", "error: option '--spi' given twice\n" },
	{ "sa add --dir in --spi", "error: option '--spi' needs a value\n" },
	{ "sa add --spi 0x1000 --foo 1", "error: unknown option '--foo' for 'sa add'\n" },
	{ "sa add extra", "error: unexpected argument 'extra' for 'sa add'\n" },
	{ "sa add", "error: missing --spi for 'sa add'\n" },
	{ "sa add --spi 0x1000", "error: missing --dir for 'sa add'\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 192.0.2.1 --remote-ts 10.1.0.0/24",
	  "error: missing --local-ts for 'sa add'\n" },
	{ "sa add --spi 0x1000 --dir in --src 192.0.2.2 --dst 192.0.2.1 --local-ts 10.1.0.0/24",
	  "error: missing --remote-ts for 'sa add'\n" },
	{ SA_IN, "error: cannot add SA: an SA with SPI 0x00001000 dir in dst 192.0.2.1 exists "
	  "(slot 0)\n" },
};

static void test_sa_add_errors(void **state)
{
	struct fixture *f = *state;
	size_t i;

	run_ok(f, SA_IN);
	for (i = 0; i < sizeof(sa_add_errors) / sizeof(sa_add_errors[0]); i++) {
		const struct error_case *e = &sa_add_errors[i];

		if (run(f, e->line) != 1 || strcmp(out(f), e->error))
			fail_msg("'%s':\n got  '%s'\n want '%s'", e->line, out(f), e->error);
		/* No key material in any message. */
		assert_null(strstr(out(f), "0102030405"));
		assert_null(strstr(out(f), "000102030405"));
		assert_int_equal(sa_count(f), 1);
	}
	assert_int_equal(dp_fake_policy_count(f->dp), 0);
}

static void test_sa_del_errors(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, "sa del --spi 0x1000 --dir in"), 1);
	assert_string_equal(out(f), "error: no SA with SPI 0x00001000 dir in\n");
	run_ok(f, SA_IN);
	run_ok(f, "sa add --spi 0x1000 --dir in --src 192.0.2.2:4500 --dst 192.0.2.9:4500 "
	       "--local-ts 10.0.0.0/24 --remote-ts 10.1.0.0/24 --aead aes-gcm-128 --key " KEY20);
	assert_int_equal(run(f, "sa del --spi 0x1000 --dir in"), 1);
	assert_string_equal(out(f), "error: several SAs have SPI 0x00001000 dir in: give --dst\n");
	assert_int_equal(run(f, "sa del --spi 0x1000 --dir in --dst 192.0.2.7"), 1);
	assert_string_equal(out(f), "error: no SA with SPI 0x00001000 dir in dst 192.0.2.7\n");
	assert_int_equal(run(f, "sa del --spi 0x1000 --dir out"), 1);
	assert_int_equal(run(f, "sa del --spi 0x1000"), 1);
	assert_string_equal(out(f), "error: missing --dir for 'sa del'\n");
	assert_int_equal(run(f, "sa del --dir in"), 1);
	assert_string_equal(out(f), "error: missing --spi for 'sa del'\n");
	assert_int_equal(run(f, "sa del --spi 0x1000 --dir in --dst nowhere"), 1);
	assert_string_equal(out(f), "error: --dst: invalid address 'nowhere'\n");
	assert_int_equal(run(f, "sa del --spi 0x1000 --dir in --key 00"), 1);
	assert_string_equal(out(f), "error: unknown option '--key' for 'sa del'\n");
	run_ok(f, "sa del --spi 0x1000 --dir in --dst 192.0.2.9");
	assert_string_equal(out(f), "deleted SA 0x00001000 dir in (slot 1)\n");
	assert_int_equal(sa_count(f), 1);
}

static void test_keys_wiped_from_argv(void **state)
{
	struct fixture *f = *state;
	char key[] = KEY20, enc_key[] = KEY32, integ_key[] = KEY32;
	char *argv[] = {
		"sa", "add", "--spi", "0x5000", "--dir", "in", "--src", "192.0.2.2", "--dst",
		"192.0.2.1", "--local-ts", "10.0.0.0/24", "--remote-ts", "10.1.0.0/24",
		"--aead", "aes-gcm-128", "--key", key,
	};
	char *argv_cbc[] = {
		"sa", "add", "--spi", "0x5001", "--dir", "in", "--src", "192.0.2.2", "--dst",
		"192.0.2.1", "--local-ts", "10.0.0.0/24", "--remote-ts", "10.1.0.0/24",
		"--enc", "aes-cbc-128", "--enc-key", enc_key, "--integ", "hmac-sha256-128",
		"--integ-key", integ_key,
	};
	size_t i;

	strbuf_reset(&f->out);
	assert_int_equal(commands_run(f->dp, 18, argv, &f->out), 0);
	for (i = 0; i < sizeof(key); i++)
		assert_int_equal(key[i], 0);
	/* Wiped even when the command fails (enc-key has the wrong length). */
	strbuf_reset(&f->out);
	assert_int_equal(commands_run(f->dp, 22, argv_cbc, &f->out), 1);
	for (i = 0; i < sizeof(enc_key); i++)
		assert_int_equal(enc_key[i], 0);
	for (i = 0; i < sizeof(integ_key); i++)
		assert_int_equal(integ_key[i], 0);
}

/* ---- acl ---- */

static void test_acl_set_show(void **state)
{
	struct fixture *f = *state;

	run_ok(f, "acl set sensor1 allow 10.1.0.0/24 proto tcp port 80-443 allow 10.1.0.5 proto icmp");
	assert_string_equal(out(f), "acl of sensor1: 2 rules\n");
	run_ok(f, "acl set cam-7 allow 2001:db8::/64 proto udp port 53 -j");
	assert_string_equal(out(f), "{\"device\":\"cam-7\",\"enforce\":true,\"rules\":1}\n");
	run_ok(f, "acl set idle none");
	assert_string_equal(out(f), "acl of idle removed\n");
	assert_true(dp_fake_device_index(f->dp, "sensor1") > 0);

	run_ok(f, "acl show");
	assert_string_equal(out(f),
		"device sensor1\n"
		"  allow 10.1.0.0/24 proto tcp port 80-443\n"
		"  allow 10.1.0.5/32 proto icmp\n"
		"device cam-7\n"
		"  allow 2001:db8::/64 proto udp port 53\n"
		"device idle\n"
		"  none (traffic selectors only)\n");
	run_ok(f, "acl show cam-7 -j");
	assert_string_equal(out(f),
		"{\"devices\":[{\"name\":\"cam-7\",\"enforce\":true,\"rules\":["
		"{\"prefix\":\"2001:db8::/64\",\"proto\":\"udp\",\"port_lo\":53,\"port_hi\":53}]}]}\n");
	run_ok(f, "acl show -j");
	assert_true(json_valid(out(f)));
	assert_non_null(strstr(out(f), "{\"name\":\"idle\",\"enforce\":false,\"rules\":[]}"));
	assert_non_null(strstr(out(f), "{\"prefix\":\"10.1.0.5/32\",\"proto\":\"icmp\","
			       "\"port_lo\":0,\"port_hi\":65535}"));

	/* Replacing and removing. */
	run_ok(f, "acl set sensor1 none");
	run_ok(f, "acl show sensor1");
	assert_string_equal(out(f), "device sensor1\n  none (traffic selectors only)\n");
}

static void test_acl_errors(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, "acl set"), 1);
	assert_string_equal(out(f), "error: 'acl set' needs a device and rules (or 'none')\n");
	assert_int_equal(run(f, "acl set sensor1"), 1);
	assert_string_equal(out(f), "error: acl set sensor1: expected 'allow PREFIX ...' rules "
			    "or 'none'\n");
	assert_int_equal(run(f, "acl set sensor1 allow 10.0.0.0/8 port 22"), 1);
	assert_string_equal(out(f), "error: acl set sensor1: rule 1: 'port' needs proto tcp, udp "
			    "or sctp\n");
	assert_int_equal(run(f, "acl set sensor1 allow 10.0.0.1/8"), 1);
	assert_string_equal(out(f), "error: acl set sensor1: rule 1: invalid prefix '10.0.0.1/8': "
			    "host bits set (did you mean 10.0.0.0/8?)\n");
	assert_int_equal(run(f, "acl set none allow 10.0.0.0/8"), 1);
	assert_string_equal(out(f), "error: invalid device name 'none'\n");
	assert_int_equal(run(f, "acl show ghost"), 1);
	assert_string_equal(out(f), "error: no device 'ghost'\n");
	assert_int_equal(run(f, "acl show a b"), 1);
	/* Nothing was created by the failures. */
	assert_int_equal(dp_fake_device_index(f->dp, "sensor1"), -ENOENT);
	run_ok(f, "acl show");
	assert_string_equal(out(f), "no devices\n");
	run_ok(f, "acl show -j");
	assert_string_equal(out(f), "{\"devices\":[]}\n");
}

/* ---- stats / status ---- */

static void poke_counters(struct fixture *f)
{
	struct dp_fake_counters *c = dp_fake_counters(f->dp);
	int dev = dp_fake_device_index(f->dp, "sensor1");

	assert_non_null(c);
	assert_true(dev > 0);
	c->reasons[XS_R_ESP_IN] = (struct xs_counter){ 10, 1500 };
	c->reasons[XS_R_DECRYPTED] = (struct xs_counter){ 8, 1000 };
	c->reasons[XS_R_ESP_REPLAY] = (struct xs_counter){ 1, 120 };
	c->sa[0] = (struct xs_sa_stats){ .packets = 8, .bytes = 1000, .replay = 1,
					 .auth_failed = 2, .bad_trailer = 3, .malformed = 4,
					 .mtu_exceeded = 5, .tx_failed = 6 };
	c->dev[dev] = (struct xs_dev_stats){ .packets = 7, .bytes = 900, .acl_denied = 1,
					     .ts_mismatch = 2 };
}

static void test_stats_json_exact(void **state)
{
	struct fixture *f = *state;

	run_ok(f, SA_IN);
	poke_counters(f);
	run_ok(f, "stats -j");
	assert_string_equal(out(f),
		"{\"reasons\":{"
		"\"pass\":{\"packets\":0,\"bytes\":0},"
		"\"ike\":{\"packets\":0,\"bytes\":0},"
		"\"natt_keepalive\":{\"packets\":0,\"bytes\":0},"
		"\"esp_in\":{\"packets\":10,\"bytes\":1500},"
		"\"esp_unknown_spi\":{\"packets\":0,\"bytes\":0},"
		"\"esp_replay\":{\"packets\":1,\"bytes\":120},"
		"\"esp_auth_failed\":{\"packets\":0,\"bytes\":0},"
		"\"esp_bad_trailer\":{\"packets\":0,\"bytes\":0},"
		"\"malformed\":{\"packets\":0,\"bytes\":0},"
		"\"acl_denied\":{\"packets\":0,\"bytes\":0},"
		"\"ts_mismatch\":{\"packets\":0,\"bytes\":0},"
		"\"mtu_exceeded\":{\"packets\":0,\"bytes\":0},"
		"\"no_policy\":{\"packets\":0,\"bytes\":0},"
		"\"no_worker\":{\"packets\":0,\"bytes\":0},"
		"\"decrypted\":{\"packets\":8,\"bytes\":1000},"
		"\"encrypted\":{\"packets\":0,\"bytes\":0},"
		"\"tx_failed\":{\"packets\":0,\"bytes\":0},"
		"\"xsk_dropped\":{\"packets\":0,\"bytes\":0}},"
		"\"sas\":[{\"spi\":\"0x00001000\",\"dir\":\"in\",\"device\":\"sensor1\","
		"\"packets\":8,\"bytes\":1000,\"errors\":{\"esp_replay\":1,\"esp_auth_failed\":2,"
		"\"esp_bad_trailer\":3,\"malformed\":4,\"mtu_exceeded\":5,\"tx_failed\":6}}],"
		"\"devices\":[{\"name\":\"sensor1\",\"packets\":7,\"bytes\":900,\"acl_denied\":1,"
		"\"ts_mismatch\":2}]}\n");
	assert_true(json_valid(out(f)));
}

static void test_stats_text(void **state)
{
	struct fixture *f = *state;

	run_ok(f, "stats");
	assert_string_equal(out(f), "no packets counted\n");
	run_ok(f, SA_IN);
	poke_counters(f);
	run_ok(f, "stats");
	assert_string_equal(out(f),
		"reason      packets  bytes\n"
		"esp_in           10   1500\n"
		"esp_replay        1    120\n"
		"decrypted         8   1000\n"
		"\n"
		"sa          dir  device   packets  bytes  esp_replay  esp_auth_failed  "
		"esp_bad_trailer  malformed  mtu_exceeded  tx_failed\n"
		"0x00001000  in   sensor1        8   1000           1                2  "
		"              3          4             5          6\n"
		"\n"
		"device   packets  bytes  acl_denied  ts_mismatch\n"
		"sensor1        7    900           1            2\n");
}

static void test_status(void **state)
{
	struct fixture *f = *state;

	run_ok(f, SA_IN);
	run_ok(f, "status");
	assert_string_equal(out(f), "backend: fake\nsas: 1\ndevices: 1\n");
	run_ok(f, "status -j");
	assert_string_equal(out(f), "{\"backend\":\"fake\",\"sas\":1,\"devices\":1}\n");
	assert_int_equal(run(f, "status now"), 1);
	assert_string_equal(out(f), "error: unexpected argument 'now' for 'status'\n");
}

/* ---- dispatch ---- */

static void test_dispatch(void **state)
{
	struct fixture *f = *state;

	strbuf_reset(&f->out);
	assert_int_equal(commands_run(f->dp, 0, NULL, &f->out), 1);
	assert_string_equal(out(f), "error: no command given (try 'xdpsecctl --help')\n");
	assert_int_equal(run(f, "-j"), 1);
	assert_int_equal(run(f, "frob"), 1);
	assert_string_equal(out(f), "error: unknown command 'frob' (try 'xdpsecctl --help')\n");
	assert_int_equal(run(f, "sa"), 1);
	assert_string_equal(out(f), "error: 'sa' needs a subcommand (try 'xdpsecctl --help')\n");
	assert_int_equal(run(f, "sa frob"), 1);
	assert_string_equal(out(f), "error: unknown command 'sa frob'\n");
	assert_int_equal(run(f, "sa list extra"), 1);
	assert_string_equal(out(f), "error: unexpected argument 'extra' for 'sa list'\n");
	/* -j anywhere, --json too. */
	run_ok(f, "sa -j list");
	assert_string_equal(out(f), "{\"sas\":[]}\n");
	run_ok(f, "--json sa list");
	assert_string_equal(out(f), "{\"sas\":[]}\n");
	run_ok(f, "help");
	assert_non_null(strstr(out(f), "sa add --spi SPI"));
	assert_non_null(strstr(out(f), "acl set DEVICE none"));
}

/* commands_run appends: a caller's own lines stay, errors replace only ours. */
static void test_appends_to_output(void **state)
{
	struct fixture *f = *state;
	char status[] = "status", sa[] = "sa", add[] = "add", spi[] = "--spi", zero[] = "0";
	char *ok[] = { status }, *bad[] = { sa, add, spi, zero };

	strbuf_reset(&f->out);
	strbuf_puts(&f->out, "instance gw1\n");
	assert_int_equal(commands_run(f->dp, 1, ok, &f->out), 0);
	assert_string_equal(out(f), "instance gw1\nbackend: fake\nsas: 0\ndevices: 0\n");
	strbuf_reset(&f->out);
	strbuf_puts(&f->out, "prefix\n");
	assert_int_equal(commands_run(f->dp, 4, bad, &f->out), 1);
	assert_string_equal(out(f), "prefix\nerror: --spi 0x00000000 is reserved (RFC 4303: 0 "
			    "is invalid, 1-255 are reserved)\n");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_validator),
		T(test_sa_add_and_list),
		T(test_sa_add_ipv6_cbc_esn),
		T(test_sa_out_policies),
		T(test_policy_conflict_rolls_back),
		T(test_sa_add_errors),
		T(test_sa_del_errors),
		T(test_keys_wiped_from_argv),
		T(test_acl_set_show),
		T(test_acl_errors),
		T(test_stats_json_exact),
		T(test_stats_text),
		T(test_status),
		T(test_dispatch),
		T(test_appends_to_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

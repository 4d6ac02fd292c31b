// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sa add / sa del / sa list.  'sa add' checks everything an operator can
 * get wrong (reserved SPIs, key lengths, mixed families, half-given ports)
 * before the data plane sees the SA, and gives an outbound SA its policies
 * or nothing at all.  Key material lives in the request only: it is wiped
 * from argv as soon as it is parsed and from the request before returning,
 * and no message ever quotes it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cmd_internal.h"
#include "json.h"
#include "selector.h"
#include "table.h"

enum {
	SPI_RESERVED_MAX = 255,		/* RFC 4303 2.1: 1-255 reserved, 0 invalid */
	AEAD_SALT_LEN = 4,		/* RFC 4106 / RFC 7634 */
	HEXKEY_MAX = 64,
};

#define INTEG_HMAC_SHA256_128 "hmac-sha256-128"

/* First member of both requests, so --spi and --dir share parsers. */
struct sa_id {
	uint32_t spi;
	enum xs_sa_dir dir;
	bool have_spi, have_dir;
};

struct hexkey {
	uint8_t b[HEXKEY_MAX];
	size_t len;
	bool set;
};

struct sa_add_req {
	struct sa_id id;
	struct dp_sa sa;
	bool have_src, have_dst, esn;
	const char *aead, *enc, *integ;
	struct hexkey key, enc_key, integ_key;
};

struct sa_del_req {
	struct sa_id id;
	struct dp_addr dst;
	bool have_dst;
};

static int opt_spi(struct cmd_ctx *c, void *req, const char *name, char *v)
{
	struct sa_id *id = req;
	unsigned long long x;
	bool hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
	const char *digits = hex ? v + 2 : v;
	char *end;

	errno = 0;
	x = strtoull(digits, &end, hex ? 16 : 10);
	if (!(hex ? isxdigit((unsigned char)digits[0]) : isdigit((unsigned char)digits[0])) ||
	    errno || *end || x > UINT32_MAX)
		return cmd_error(c, "%s: invalid SPI '%s' (0xHEX or decimal, 32 bits)", name, v);
	if (x <= SPI_RESERVED_MAX)
		return cmd_error(c, "%s 0x%08llx is reserved (RFC 4303: 0 is invalid, 1-255 are "
				 "reserved)", name, x);
	id->spi = (uint32_t)x;
	id->have_spi = true;
	return 0;
}

static int opt_dir(struct cmd_ctx *c, void *req, const char *name, char *v)
{
	struct sa_id *id = req;

	if (strcmp(v, "in") && strcmp(v, "out"))
		return cmd_error(c, "%s must be 'in' or 'out', not '%s'", name, v);
	id->dir = !strcmp(v, "in") ? XS_DIR_IN : XS_DIR_OUT;
	id->have_dir = true;
	return 0;
}

static int opt_endpoint(struct cmd_ctx *c, void *req, const char *name, char *v)
{
	struct sa_add_req *r = req;
	bool src = !strcmp(name, "--src");

	if (addr_port_parse(v, src ? &r->sa.src : &r->sa.dst, src ? &r->sa.sport : &r->sa.dport))
		return cmd_error(c, "%s: invalid address '%s' (ADDR, ADDR:PORT or [IPV6]:PORT)",
				 name, v);
	if (src)
		r->have_src = true;
	else
		r->have_dst = true;
	return 0;
}

static int opt_ts(struct cmd_ctx *c, void *req, const char *name, char *v)
{
	struct sa_add_req *r = req;
	bool local = !strcmp(name, "--local-ts");
	struct xs_selector *ts = local ? r->sa.local_ts : r->sa.remote_ts;
	unsigned int *n = local ? &r->sa.n_local_ts : &r->sa.n_remote_ts;
	char err[128];
	unsigned int i;

	if (*n == XS_MAX_TS)
		return cmd_error(c, "at most %d %s", XS_MAX_TS, name);
	if (selector_parse_cidr(v, &ts[*n], err, sizeof(err)))
		return cmd_error(c, "%s: %s", name, err);
	for (i = 0; i < *n; i++)
		if (selector_equal(&ts[i], &ts[*n]))
			return cmd_error(c, "%s %s given twice", name, v);
	(*n)++;
	return 0;
}

static int opt_device(struct cmd_ctx *c, void *req, const char *name, char *v)
{
	struct sa_add_req *r = req;

	if (!cmd_device_name_valid(v))
		return cmd_error(c, "%s: invalid device name '%s' (1-%d printable characters, "
				 "not 'none')", name, v, DP_NAME_MAX - 1);
	memcpy(r->sa.device, v, strlen(v) + 1);
	return 0;
}

static int opt_alg(struct cmd_ctx *c, void *req, const char *name, char *v)
{
	struct sa_add_req *r = req;

	(void)c;
	if (!strcmp(name, "--aead"))
		r->aead = v;
	else if (!strcmp(name, "--enc"))
		r->enc = v;
	else
		r->integ = v;
	return 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Parses hex (0x optional) into k.  Messages never quote the value. */
static int hexkey_parse(struct cmd_ctx *c, const char *name, const char *v, struct hexkey *k)
{
	const char *h = v[0] == '0' && (v[1] == 'x' || v[1] == 'X') ? v + 2 : v;
	size_t i, n = strlen(h);
	int hi, lo;

	if (n == 0 || n % 2)
		return cmd_error(c, "%s: expected an even number of hex digits", name);
	if (n / 2 > sizeof(k->b))
		return cmd_error(c, "%s: key too long (%zu bytes)", name, n / 2);
	for (i = 0; i < n / 2; i++) {
		hi = hexval(h[2 * i]);
		lo = hexval(h[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return cmd_error(c, "%s: not a hex string", name);
		k->b[i] = (uint8_t)(hi << 4 | lo);
	}
	k->len = n / 2;
	k->set = true;
	return 0;
}

static int opt_key(struct cmd_ctx *c, void *req, const char *name, char *v)
{
	struct sa_add_req *r = req;
	struct hexkey *k = !strcmp(name, "--key") ? &r->key :
			   !strcmp(name, "--enc-key") ? &r->enc_key : &r->integ_key;
	int ret = hexkey_parse(c, name, v, k);

	OPENSSL_cleanse(v, strlen(v));
	return ret;
}

static int opt_esn(struct cmd_ctx *c, void *req, const char *name, char *v)
{
	struct sa_add_req *r = req;

	(void)c, (void)name, (void)v;
	r->esn = true;
	return 0;
}

static const struct cmd_opt sa_add_opts[] = {
	{ "--spi", true, false, opt_spi },
	{ "--dir", true, false, opt_dir },
	{ "--src", true, false, opt_endpoint },
	{ "--dst", true, false, opt_endpoint },
	{ "--local-ts", true, true, opt_ts },
	{ "--remote-ts", true, true, opt_ts },
	{ "--device", true, false, opt_device },
	{ "--aead", true, false, opt_alg },
	{ "--key", true, false, opt_key },
	{ "--enc", true, false, opt_alg },
	{ "--enc-key", true, false, opt_key },
	{ "--integ", true, false, opt_alg },
	{ "--integ-key", true, false, opt_key },
	{ "--esn", false, false, opt_esn },
	{ NULL, false, false, NULL },
};

static int sa_add_check(struct cmd_ctx *c, struct sa_add_req *r)
{
	const char *missing = !r->id.have_spi ? "--spi" : !r->id.have_dir ? "--dir" :
			      !r->have_src ? "--src" : !r->have_dst ? "--dst" :
			      !r->sa.n_local_ts ? "--local-ts" : !r->sa.n_remote_ts ? "--remote-ts" :
			      NULL;

	if (missing)
		return cmd_error(c, "missing %s for 'sa add'", missing);
	if (r->sa.src.family != r->sa.dst.family)
		return cmd_error(c, "--src and --dst must be of the same address family");
	if (!r->sa.sport != !r->sa.dport)
		return cmd_error(c, "--src and --dst must both have a port (UDP encapsulation) "
				 "or neither (plain ESP)");
	r->sa.spi = r->id.spi;
	r->sa.dir = r->id.dir;
	r->sa.crypto.spi = r->id.spi;
	r->sa.crypto.esn = r->esn;
	return 0;
}

static int sa_add_aead(struct cmd_ctx *c, struct sa_add_req *r)
{
	struct esp_sa_params *p = &r->sa.crypto;
	enum esp_alg alg;
	size_t want;

	if (esp_alg_parse(r->aead, &alg) || !esp_alg_is_aead(alg))
		return cmd_error(c, "--aead: unknown algorithm '%s' (aes-gcm-128, aes-gcm-256, "
				 "chacha20-poly1305)", r->aead);
	if (r->enc_key.set || r->integ || r->integ_key.set)
		return cmd_error(c, "--enc-key, --integ and --integ-key do not go with --aead");
	if (!r->key.set)
		return cmd_error(c, "missing --key for --aead %s", r->aead);
	want = esp_alg_key_len(alg);
	if (r->key.len != want || want > sizeof(p->key))
		return cmd_error(c, "--key for %s must be %zu bytes (%zu-byte key + %d-byte salt), "
				 "got %zu", r->aead, want, want - AEAD_SALT_LEN, AEAD_SALT_LEN,
				 r->key.len);
	p->alg = alg;
	memcpy(p->key, r->key.b, want);
	p->key_len = want;
	return 0;
}

static int sa_add_cbc(struct cmd_ctx *c, struct sa_add_req *r)
{
	struct esp_sa_params *p = &r->sa.crypto;
	enum esp_alg alg;
	size_t want, iwant;

	if (esp_alg_parse(r->enc, &alg) || esp_alg_is_aead(alg))
		return cmd_error(c, "--enc: unknown algorithm '%s' (aes-cbc-128, aes-cbc-256)",
				 r->enc);
	if (r->key.set)
		return cmd_error(c, "--key goes with --aead; use --enc-key with --enc");
	if (!r->enc_key.set || !r->integ || !r->integ_key.set)
		return cmd_error(c, "--enc needs --enc-key, --integ %s and --integ-key",
				 INTEG_HMAC_SHA256_128);
	if (strcmp(r->integ, INTEG_HMAC_SHA256_128))
		return cmd_error(c, "--integ: unknown algorithm '%s' (%s)", r->integ,
				 INTEG_HMAC_SHA256_128);
	want = esp_alg_key_len(alg);
	iwant = esp_alg_integ_key_len(alg);
	if (r->enc_key.len != want || want > sizeof(p->key))
		return cmd_error(c, "--enc-key for %s must be %zu bytes, got %zu", r->enc, want,
				 r->enc_key.len);
	if (r->integ_key.len != iwant || iwant > sizeof(p->integ_key))
		return cmd_error(c, "--integ-key for %s must be %zu bytes, got %zu", r->integ,
				 iwant, r->integ_key.len);
	p->alg = alg;
	memcpy(p->key, r->enc_key.b, want);
	p->key_len = want;
	memcpy(p->integ_key, r->integ_key.b, iwant);
	p->integ_key_len = iwant;
	return 0;
}

static int sa_add_crypto(struct cmd_ctx *c, struct sa_add_req *r)
{
	if (r->aead && r->enc)
		return cmd_error(c, "--aead and --enc are exclusive");
	if (r->aead)
		return sa_add_aead(c, r);
	if (r->enc)
		return sa_add_cbc(c, r);
	return cmd_error(c, "missing --aead ALG --key HEX (or --enc, --enc-key, --integ, "
			 "--integ-key)");
}

static void sa_del_policies(struct dataplane *dp, const struct xs_selector *ts, unsigned int n)
{
	while (n--)
		dp->ops->del_policy(dp, &ts[n]);
}

/* One policy per remote TS into the new outbound SA; all or none. */
static int sa_add_policies(struct cmd_ctx *c, const struct dp_sa *sa, int slot)
{
	char sel[SELECTOR_STR_MAX];
	unsigned int i;
	int ret;

	for (i = 0; i < sa->n_remote_ts; i++) {
		ret = c->dp->ops->add_policy(c->dp, &sa->remote_ts[i], (uint32_t)slot);
		if (!ret)
			continue;
		sa_del_policies(c->dp, sa->remote_ts, i);
		selector_format(&sa->remote_ts[i], sel, sizeof(sel));
		if (ret == -EEXIST)
			return cmd_error(c, "cannot add the policy for %s: another outbound SA "
					 "has one", sel);
		return cmd_error(c, "cannot add the policy for %s: %s", sel, strerror(-ret));
	}
	return 0;
}

static void sa_reply(struct cmd_ctx *c, const char *verb, uint32_t spi, enum xs_sa_dir dir,
		     int slot)
{
	struct json j;

	if (!c->json) {
		strbuf_printf(c->out, "%s SA 0x%08x dir %s (slot %d)\n", verb, spi,
			      cmd_dir_name(dir), slot);
		return;
	}
	json_init(&j, c->out);
	json_object_begin(&j);
	json_kv_u64(&j, "slot", (uint64_t)slot);
	json_key(&j, "spi");
	json_stringf(&j, "0x%08x", spi);
	json_kv_string(&j, "dir", cmd_dir_name(dir));
	json_object_end(&j);
	strbuf_putc(c->out, '\n');
}

static int sa_install(struct cmd_ctx *c, const struct dp_sa *sa)
{
	char err[DP_ERR_MAX] = "";
	int slot, ret;

	slot = c->dp->ops->add_sa(c->dp, sa, err, sizeof(err));
	if (slot < 0)
		return cmd_error(c, "cannot add SA: %s", err[0] ? err : strerror(-slot));
	if (sa->dir == XS_DIR_OUT) {
		ret = sa_add_policies(c, sa, slot);
		if (ret) {
			c->dp->ops->del_sa(c->dp, (uint32_t)slot);
			return ret;
		}
	}
	sa_reply(c, "added", sa->spi, sa->dir, slot);
	return 0;
}

int cmd_sa_add(struct cmd_ctx *c, int argc, char **argv)
{
	struct sa_add_req r = { 0 };
	int ret;

	ret = cmd_parse_opts(c, sa_add_opts, &r, argc, argv);
	if (!ret)
		ret = sa_add_check(c, &r);
	if (!ret)
		ret = sa_add_crypto(c, &r);
	if (!ret)
		ret = sa_install(c, &r.sa);
	OPENSSL_cleanse(&r, sizeof(r));
	return ret;
}

static int opt_del_dst(struct cmd_ctx *c, void *req, const char *name, char *v)
{
	struct sa_del_req *r = req;

	if (addr_parse(v, &r->dst))
		return cmd_error(c, "%s: invalid address '%s'", name, v);
	r->have_dst = true;
	return 0;
}

static const struct cmd_opt sa_del_opts[] = {
	{ "--spi", true, false, opt_spi },
	{ "--dir", true, false, opt_dir },
	{ "--dst", true, false, opt_del_dst },
	{ NULL, false, false, NULL },
};

/* The SA's slot, or -1 with the error written. */
static int sa_find(struct cmd_ctx *c, const struct sa_del_req *r)
{
	char dst[ADDR_STR_MAX + 8] = "";
	int slot;

	slot = c->dp->ops->find_sa(c->dp, r->id.spi, r->id.dir, r->have_dst ? &r->dst : NULL);
	if (slot >= 0)
		return slot;
	if (r->have_dst) {
		strcpy(dst, " dst ");
		addr_format(&r->dst, dst + 5, sizeof(dst) - 5);
	}
	if (slot == -ENOENT)
		return -cmd_error(c, "no SA with SPI 0x%08x dir %s%s", r->id.spi,
				  cmd_dir_name(r->id.dir), dst);
	if (slot == -ENOTUNIQ)
		return -cmd_error(c, "several SAs have SPI 0x%08x dir %s: give --dst", r->id.spi,
				  cmd_dir_name(r->id.dir));
	return -cmd_error(c, "cannot look up SA 0x%08x: %s", r->id.spi, strerror(-slot));
}

/* Removes the policies that route into the outbound SA at slot. */
static int sa_del_out_policies(struct cmd_ctx *c, int slot)
{
	struct dp_sa_info sa;
	int ret = cmd_get_sa(c->dp, (uint32_t)slot, &sa);

	if (ret)
		return cmd_error(c, "cannot look up SA slot %d: %s", slot, strerror(-ret));
	sa_del_policies(c->dp, sa.remote_ts, sa.n_remote_ts);
	return 0;
}

int cmd_sa_del(struct cmd_ctx *c, int argc, char **argv)
{
	struct sa_del_req r = { 0 };
	int ret, slot;

	ret = cmd_parse_opts(c, sa_del_opts, &r, argc, argv);
	if (ret)
		return ret;
	if (!r.id.have_spi || !r.id.have_dir)
		return cmd_error(c, "missing %s for 'sa del'", r.id.have_spi ? "--dir" : "--spi");
	slot = sa_find(c, &r);
	if (slot < 0)
		return 1;
	if (r.id.dir == XS_DIR_OUT) {
		ret = sa_del_out_policies(c, slot);
		if (ret)
			return ret;
	}
	ret = c->dp->ops->del_sa(c->dp, (uint32_t)slot);
	if (ret)
		return cmd_error(c, "cannot delete SA 0x%08x: %s", r.id.spi, strerror(-ret));
	sa_reply(c, "deleted", r.id.spi, r.id.dir, slot);
	return 0;
}

static void json_ts_list(struct json *j, const char *key, const struct xs_selector *ts,
			 unsigned int n)
{
	char buf[SELECTOR_STR_MAX];
	unsigned int i;

	json_key(j, key);
	json_array_begin(j);
	for (i = 0; i < n; i++)
		json_string(j, selector_format(&ts[i], buf, sizeof(buf)));
	json_array_end(j);
}

static void json_port(struct json *j, const char *key, uint16_t port)
{
	json_key(j, key);
	if (port)
		json_u64(j, port);
	else
		json_null(j);
}

/* The transform as one word: "aes-gcm-128", "aes-cbc-128+hmac-sha256-128". */
static const char *alg_label(enum esp_alg alg)
{
	switch (alg) {
	case ESP_ALG_AES_CBC_128:
		return "aes-cbc-128+hmac-sha256-128";
	case ESP_ALG_AES_CBC_256:
		return "aes-cbc-256+hmac-sha256-128";
	default:
		return esp_alg_name(alg);
	}
}

static void sa_list_json_one(struct json *j, const struct dp_sa_info *sa)
{
	char addr[ADDR_STR_MAX];

	json_object_begin(j);
	json_kv_u64(j, "slot", sa->slot);
	json_key(j, "spi");
	json_stringf(j, "0x%08x", sa->spi);
	json_kv_string(j, "dir", cmd_dir_name(sa->dir));
	json_kv_string(j, "alg", esp_alg_name(sa->alg));
	json_kv_string(j, "integ", esp_alg_is_aead(sa->alg) ? NULL : "hmac-sha256-128");
	json_kv_bool(j, "esn", sa->esn);
	json_kv_string(j, "src", addr_format(&sa->src, addr, sizeof(addr)));
	json_port(j, "sport", sa->sport);
	json_kv_string(j, "dst", addr_format(&sa->dst, addr, sizeof(addr)));
	json_port(j, "dport", sa->dport);
	json_ts_list(j, "local_ts", sa->local_ts, sa->n_local_ts);
	json_ts_list(j, "remote_ts", sa->remote_ts, sa->n_remote_ts);
	json_kv_string(j, "device", sa->device[0] ? sa->device : NULL);
	json_kv_u64(j, "packets", sa->stats.packets);
	json_kv_u64(j, "bytes", sa->stats.bytes);
	/* inbound ESP in UDP from elsewhere than src:sport (sa_seen.h); 0 and nulls outbound */
	json_kv_u64(j, "src_changes", sa->seen_changes);
	json_kv_string(j, "new_src", sa->seen_src.family ?
		       addr_format(&sa->seen_src, addr, sizeof(addr)) : NULL);
	json_port(j, "new_sport", sa->seen_src.family ? sa->seen_sport : 0);
	json_object_end(j);
}

static void sa_list_json(struct cmd_ctx *c, const struct dp_sa_info *sas, int n)
{
	struct json j;
	int i;

	json_init(&j, c->out);
	json_object_begin(&j);
	json_key(&j, "sas");
	json_array_begin(&j);
	for (i = 0; i < n; i++)
		sa_list_json_one(&j, &sas[i]);
	json_array_end(&j);
	json_object_end(&j);
	strbuf_putc(c->out, '\n');
}

/*
 * src_changes: how many new sources of authenticated ESP an inbound SA
 * noted (its peer's NAT rebinding, sa_seen.h); new_src: the last one, until
 * the SA moves there ("-" outbound, or none).
 */
static int sa_list_text(struct cmd_ctx *c, const struct dp_sa_info *sas, int n)
{
	static const char *const header[] = {
		"spi", "dir", "alg", "src", "dst", "device", "packets", "bytes", "src_changes",
		"new_src",
	};
	char spi[16], src[ADDR_PORT_STR_MAX], dst[ADDR_PORT_STR_MAX], pk[24], by[24], ch[24];
	char seen[ADDR_PORT_STR_MAX];
	struct table t;
	int i, ret;

	if (n == 0)
		return strbuf_puts(c->out, "no SAs\n");
	ret = table_init(&t, 10, header);
	table_align_right(&t, 6);
	table_align_right(&t, 7);
	table_align_right(&t, 8);
	for (i = 0; i < n && !ret; i++) {
		const struct dp_sa_info *sa = &sas[i];
		bool in = sa->dir == XS_DIR_IN;
		const char *row[] = {
			spi, cmd_dir_name(sa->dir), alg_label(sa->alg),
			addr_port_format(&sa->src, sa->sport, src, sizeof(src)),
			addr_port_format(&sa->dst, sa->dport, dst, sizeof(dst)),
			sa->device[0] ? sa->device : NULL, pk, by, in ? ch : NULL,
			sa->seen_src.family ? addr_port_format(&sa->seen_src, sa->seen_sport,
							      seen, sizeof(seen)) : NULL,
		};

		snprintf(spi, sizeof(spi), "0x%08x", sa->spi);
		snprintf(pk, sizeof(pk), "%llu", (unsigned long long)sa->stats.packets);
		snprintf(by, sizeof(by), "%llu", (unsigned long long)sa->stats.bytes);
		snprintf(ch, sizeof(ch), "%llu", (unsigned long long)sa->seen_changes);
		ret = table_add(&t, row);
	}
	if (!ret)
		ret = table_write(&t, c->out);
	table_free(&t);
	return ret;
}

int cmd_sa_list(struct cmd_ctx *c, int argc, char **argv)
{
	struct dp_sa_info *sas;
	int n, ret = 0;

	if (argc > 0)
		return cmd_error(c, "unexpected argument '%s' for 'sa list'", argv[0]);
	n = cmd_list_sas(c->dp, &sas);
	if (n < 0)
		return cmd_error(c, "cannot list SAs: %s", strerror(-n));
	if (c->json)
		sa_list_json(c, sas, n);
	else
		ret = sa_list_text(c, sas, n);
	free(sas);
	return ret ? cmd_error(c, "sa list: %s", strerror(-ret)) : 0;
}

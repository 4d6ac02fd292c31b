// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IKEv2 payload bodies (ike_payload.c, ike_payload_sa.c, ike_payload_ts.c):
 *   - strongSwan 5.9.8 traffic (ike_msg_vectors.h): the IKE_SA_INIT
 *     proposals (aes128gcm16-prfsha256-x25519, chacha20poly1305), KE, the
 *     nonces against the keys.txt seed, SIGNATURE_HASH_ALGORITHMS, the NAT
 *     detection hashes recomputed from the capture's addresses, and every
 *     payload of the decrypted IKE_AUTH chains (IDs, PSK and RFC 7427 AUTH,
 *     CERT, CERTREQ, CP, the ESP proposal with its SPI, TSi/TSr, notifies);
 *   - round trips: each IKE_SA_INIT message and each decrypted IKE_AUTH
 *     chain decoded into the structs and re-encoded with the typed
 *     builders comes out byte for byte as captured; constructed payloads of
 *     every type decode to what was encoded;
 *   - malformed bodies for every decoder, the SA's nested lengths, counts,
 *     Last Substruc octets, proposal numbering, attributes (RFC 7296
 *     3.3.6: unacceptable transform, not a malformed message), limits;
 *   - robustness: every truncation of every captured payload body and
 *     10,000 single-octet mutations through every decoder, bodies in
 *     buffers of their exact size (ASan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ike_msg.h"
#include "ike_payload.h"
#include "ike_msg_vectors.h"

enum {
	MUTATIONS = 10000,
	BIG = 4096,
};

/* ---- helpers ---- */

static size_t unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex) / 2, i;

	assert_int_equal(strlen(hex) % 2, 0);
	assert_true(n <= max);
	for (i = 0; i < n; i++) {
		unsigned int byte;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
		out[i] = (uint8_t)byte;
	}
	return n;
}

static uint8_t *unhex_alloc(const char *hex, size_t *len)
{
	uint8_t *p;

	*len = strlen(hex) / 2;
	p = malloc(*len ? *len : 1);
	assert_non_null(p);
	unhex(hex, p, *len);
	return p;
}

static void assert_hex(const uint8_t *p, size_t len, const char *hex)
{
	uint8_t want[BIG];
	size_t n = unhex(hex, want, sizeof(want));

	assert_int_equal(len, n);
	assert_memory_equal(p, want, n);
}

static void assert_str(const uint8_t *p, size_t len, const char *s)
{
	assert_int_equal(len, strlen(s));
	assert_memory_equal(p, s, len);
}

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static bool inside(const uint8_t *p, size_t n, const uint8_t *body, size_t len)
{
	return p >= body && n <= len && (size_t)(p - body) <= len - n;
}

/* A captured message, parsed; buf must be freed. */
struct parsed {
	uint8_t *buf;
	size_t len;
	struct ike_msg m;
};

static void parse_msg(const char *hex, struct parsed *p)
{
	p->buf = unhex_alloc(hex, &p->len);
	assert_int_equal(ike_msg_parse(p->buf, p->len, &p->m, NULL), IKE_PARSE_OK);
}

/* A decrypted inner chain, parsed; buf must be freed. */
struct parsed_chain {
	uint8_t *buf;
	size_t len;
	struct ike_chain c;
};

static void parse_inner(const char *hex, uint8_t first, struct parsed_chain *p)
{
	p->buf = unhex_alloc(hex, &p->len);
	assert_int_equal(ike_chain_parse(first, p->buf, p->len, &p->c, NULL), IKE_PARSE_OK);
}

static const struct ike_payload *nth(const struct ike_chain *c, uint8_t type, unsigned int k)
{
	int i = -1;

	do {
		i = ike_chain_find(c, type, (unsigned int)(i + 1));
		assert_true(i >= 0);
	} while (k--);
	return &c->pl[i];
}

static struct ike_pl_notify notify_of(const struct ike_chain *c, uint16_t type)
{
	struct ike_pl_notify n;
	unsigned int i;

	for (i = 0; i < c->n; i++) {
		if (c->pl[i].type != IKE_PL_NOTIFY)
			continue;
		assert_int_equal(ike_pl_notify_decode(c->pl[i].body, c->pl[i].len, &n),
				 IKE_PARSE_OK);
		if (n.type == type)
			return n;
	}
	fail_msg("no notify %u", type);
	return n;
}

static void assert_transform(const struct ike_pl_transform *t, uint8_t type, uint16_t id,
			     uint16_t key_len)
{
	assert_int_equal(t->type, type);
	assert_int_equal(t->id, id);
	assert_int_equal(t->key_len, key_len);
	assert_false(t->unacceptable);
}

static void assert_ts4(const struct ike_pl_ts_entry *ts, const char *start, const char *end)
{
	struct in_addr a;

	assert_int_equal(ts->type, IKE_TS_IPV4_ADDR_RANGE);
	assert_int_equal(ts->ip_proto, 0);
	assert_int_equal(ts->start_port, 0);
	assert_int_equal(ts->end_port, 65535);
	assert_int_equal(inet_pton(AF_INET, start, &a), 1);
	assert_memory_equal(ts->start, &a, 4);
	assert_int_equal(inet_pton(AF_INET, end, &a), 1);
	assert_memory_equal(ts->end, &a, 4);
}

/* Starts a builder on buf for a single payload whose body body_of returns. */
static void begin(struct ike_builder *b, uint8_t *buf, size_t cap)
{
	struct ike_hdr h = { .version = IKE_VERSION_2, .exchange = IKE_INFORMATIONAL };

	ike_build_begin(b, buf, cap, &h);
}

static size_t body_of(struct ike_builder *b, const uint8_t **body)
{
	size_t len;

	assert_int_equal(ike_build_finish(b, &len), 0);
	*body = b->buf + IKE_HDR_LEN + IKE_GENERIC_HDR_LEN;
	return len - IKE_HDR_LEN - IKE_GENERIC_HDR_LEN;
}

/* ---- every decoder, with what a success must imply ---- */

static void check_sa(const struct ike_pl_sa *sa)
{
	unsigned int i, prev = 0;

	assert_true(sa->n_prop >= 1 || sa->n_skipped >= 1);
	assert_true(sa->n_prop <= IKE_PL_MAX_PROPOSALS);
	for (i = 0; i < sa->n_prop; i++) {
		assert_true(sa->prop[i].num > prev);
		prev = sa->prop[i].num;
		assert_true(ike_pl_spi_len_ok(sa->prop[i].spi_len));
		assert_true(sa->prop[i].n_trans <= IKE_PL_MAX_TRANSFORMS);
	}
}

static void check_ts(const struct ike_pl_ts *ts)
{
	unsigned int i;

	assert_true(ts->n <= IKE_PL_MAX_TS);
	assert_true(ts->n + ts->n_skipped >= 1);
	for (i = 0; i < ts->n; i++)
		assert_true(ts->ts[i].type == IKE_TS_IPV4_ADDR_RANGE ||
			    ts->ts[i].type == IKE_TS_IPV6_ADDR_RANGE);
}

static void check_cp(const struct ike_pl_cp *cp, const uint8_t *body, size_t len)
{
	unsigned int i;

	assert_true(cp->n <= IKE_PL_MAX_CP_ATTRS);
	for (i = 0; i < cp->n; i++)
		assert_true(inside(cp->attr[i].value, cp->attr[i].len, body, len));
}

static int decode_simple(uint8_t type, const uint8_t *body, size_t len)
{
	union {
		struct ike_pl_ke ke;
		struct ike_pl_id id;
		struct ike_pl_auth auth;
		struct ike_pl_cert cert;
	} u;
	int r;

	switch (type) {
	case IKE_PL_KE:
		r = ike_pl_ke_decode(body, len, &u.ke);
		assert_true(r || (u.ke.len >= 1 && inside(u.ke.data, u.ke.len, body, len)));
		return r;
	case IKE_PL_IDI:
	case IKE_PL_IDR:
		r = ike_pl_id_decode(body, len, &u.id);
		assert_true(r || inside(u.id.data, u.id.len, body, len));
		return r;
	case IKE_PL_AUTH:
		r = ike_pl_auth_decode(body, len, &u.auth);
		assert_true(r || inside(u.auth.data, u.auth.len, body, len));
		return r;
	case IKE_PL_CERT:
		r = ike_pl_cert_decode(body, len, &u.cert);
		assert_true(r || inside(u.cert.data, u.cert.len, body, len));
		return r;
	case IKE_PL_CERTREQ:
		r = ike_pl_certreq_decode(body, len, &u.cert);
		assert_true(r || inside(u.cert.data, u.cert.len, body, len));
		return r;
	case IKE_PL_NONCE:
		return ike_pl_nonce_check(len);
	default:
		return IKE_PARSE_OK;
	}
}

static int decode_any(uint8_t type, const uint8_t *body, size_t len)
{
	static struct ike_pl_sa sa;
	struct ike_pl_notify n;
	struct ike_pl_delete d;
	struct ike_pl_ts ts;
	struct ike_pl_cp cp;
	int r;

	switch (type) {
	case IKE_PL_SA:
		r = ike_pl_sa_decode(body, len, &sa);
		if (!r)
			check_sa(&sa);
		return r;
	case IKE_PL_NOTIFY:
		r = ike_pl_notify_decode(body, len, &n);
		assert_true(r || (ike_pl_spi_len_ok(n.spi_len) &&
				  n.data + n.len == body + len));
		return r;
	case IKE_PL_DELETE:
		r = ike_pl_delete_decode(body, len, &d);
		assert_true(r || d.spis + (size_t)d.n_spi * d.spi_len == body + len);
		return r;
	case IKE_PL_TSI:
	case IKE_PL_TSR:
		r = ike_pl_ts_decode(body, len, &ts);
		if (!r)
			check_ts(&ts);
		return r;
	case IKE_PL_CP:
		r = ike_pl_cp_decode(body, len, &cp);
		if (!r)
			check_cp(&cp, body, len);
		return r;
	default:
		return decode_simple(type, body, len);
	}
}

/* decode_any on a copy in a buffer of exactly len octets. */
static int decode_exact(uint8_t type, const uint8_t *body, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, body, len);
	r = decode_any(type, copy, len);
	assert_true(r == IKE_PARSE_OK || r == IKE_PARSE_SYNTAX);
	free(copy);
	return r;
}

/* ---- re-encoding a decoded payload with its typed builder ---- */

static void rebuild_notify(struct ike_builder *b, const struct ike_payload *p)
{
	uint16_t algs[IKE_PL_MAX_HASH_ALGS];
	struct ike_pl_notify n;
	unsigned int count;

	assert_int_equal(ike_pl_notify_decode(p->body, p->len, &n), IKE_PARSE_OK);
	if (n.type == IKE_N_SIGNATURE_HASH_ALGORITHMS) {
		assert_int_equal(ike_notify_hash_algs(&n, algs, IKE_PL_MAX_HASH_ALGS, &count), 0);
		ike_build_notify_hash_algs(b, algs, count);
	} else if (n.proto == 0 && n.spi_len == 0) {
		ike_build_notify_simple(b, n.type, n.data, n.len);
	} else {
		ike_build_notify(b, &n);
	}
}

static void rebuild_list(struct ike_builder *b, const struct ike_payload *p)
{
	static struct ike_pl_sa sa;
	struct ike_pl_ts ts;
	struct ike_pl_cp cp;

	switch (p->type) {
	case IKE_PL_SA:
		assert_int_equal(ike_pl_sa_decode(p->body, p->len, &sa), IKE_PARSE_OK);
		ike_build_sa(b, &sa);
		break;
	case IKE_PL_TSI:
	case IKE_PL_TSR:
		assert_int_equal(ike_pl_ts_decode(p->body, p->len, &ts), IKE_PARSE_OK);
		ike_build_ts(b, p->type, &ts);
		break;
	case IKE_PL_CP:
		assert_int_equal(ike_pl_cp_decode(p->body, p->len, &cp), IKE_PARSE_OK);
		ike_build_cp(b, &cp);
		break;
	default:
		fail_msg("type %u", p->type);
	}
}

static void rebuild(struct ike_builder *b, const struct ike_payload *p)
{
	struct ike_pl_ke ke;
	struct ike_pl_id id;
	struct ike_pl_auth auth;
	struct ike_pl_cert cert;

	switch (p->type) {
	case IKE_PL_KE:
		assert_int_equal(ike_pl_ke_decode(p->body, p->len, &ke), IKE_PARSE_OK);
		ike_build_ke(b, &ke);
		break;
	case IKE_PL_NONCE:
		assert_int_equal(ike_pl_nonce_check(p->len), IKE_PARSE_OK);
		ike_build_nonce(b, p->body, p->len);
		break;
	case IKE_PL_IDI:
	case IKE_PL_IDR:
		assert_int_equal(ike_pl_id_decode(p->body, p->len, &id), IKE_PARSE_OK);
		ike_build_id(b, p->type, &id);
		break;
	case IKE_PL_AUTH:
		assert_int_equal(ike_pl_auth_decode(p->body, p->len, &auth), IKE_PARSE_OK);
		ike_build_auth(b, &auth);
		break;
	case IKE_PL_CERT:
		assert_int_equal(ike_pl_cert_decode(p->body, p->len, &cert), IKE_PARSE_OK);
		ike_build_cert(b, &cert);
		break;
	case IKE_PL_CERTREQ:
		assert_int_equal(ike_pl_certreq_decode(p->body, p->len, &cert), IKE_PARSE_OK);
		ike_build_certreq(b, &cert);
		break;
	case IKE_PL_NOTIFY:
		rebuild_notify(b, p);
		break;
	case IKE_PL_VENDOR:
		ike_build_vendor(b, p->body, p->len);
		break;
	default:
		rebuild_list(b, p);
	}
}

/* ---- strongSwan traffic ---- */

static void test_sa_init_proposals(void **state)
{
	const char *vec[] = { psk_nat_init_req, psk_nat_init_resp, cert_nat_init_resp };
	static struct ike_pl_sa sa;
	struct parsed p;
	unsigned int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		const struct ike_payload *pl;

		parse_msg(vec[i], &p);
		pl = nth(&p.m.chain, IKE_PL_SA, 0);
		assert_int_equal(ike_pl_sa_decode(pl->body, pl->len, &sa), IKE_PARSE_OK);
		assert_int_equal(sa.n_prop, 1);
		assert_int_equal(sa.n_skipped, 0);
		assert_int_equal(sa.prop[0].num, 1);
		assert_int_equal(sa.prop[0].proto, IKE_PROTO_IKE);
		assert_int_equal(sa.prop[0].spi_len, 0);
		assert_int_equal(sa.prop[0].n_trans, 3);
		/* 800e0080: Key Length 128, TV */
		assert_transform(&sa.prop[0].trans[0], IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 128);
		assert_transform(&sa.prop[0].trans[1], IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_256, 0);
		assert_transform(&sa.prop[0].trans[2], IKE_TRANS_DH, IKE_DH_CURVE25519, 0);
		free(p.buf);
	}
	parse_msg(chacha_nat_init_req, &p);
	assert_int_equal(ike_pl_sa_decode(p.m.chain.pl[0].body, p.m.chain.pl[0].len, &sa), 0);
	assert_int_equal(sa.prop[0].n_trans, 3);
	assert_transform(&sa.prop[0].trans[0], IKE_TRANS_ENCR, IKE_ENCR_CHACHA20_POLY1305, 0);
	assert_transform(&sa.prop[0].trans[2], IKE_TRANS_DH, IKE_DH_CURVE25519, 0);
	free(p.buf);
}

static void test_sa_init_ke_nonce(void **state)
{
	const char *vec[] = { psk_nat_init_req, psk_nat_init_resp };
	const char *nonce[] = { PSK_NAT_NI, PSK_NAT_NR };
	struct ike_pl_ke ke;
	struct parsed p;
	unsigned int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		const struct ike_payload *pl;

		parse_msg(vec[i], &p);
		pl = nth(&p.m.chain, IKE_PL_KE, 0);
		assert_int_equal(ike_pl_ke_decode(pl->body, pl->len, &ke), IKE_PARSE_OK);
		assert_int_equal(ke.group, IKE_DH_CURVE25519);
		assert_int_equal(ke.len, 32);
		pl = nth(&p.m.chain, IKE_PL_NONCE, 0);
		assert_int_equal(ike_pl_nonce_check(pl->len), IKE_PARSE_OK);
		assert_hex(pl->body, pl->len, nonce[i]);
		free(p.buf);
	}
}

static void test_hash_algorithms(void **state)
{
	uint16_t algs[IKE_PL_MAX_HASH_ALGS];
	struct ike_pl_notify n;
	unsigned int count;
	struct parsed p;

	(void)state;
	parse_msg(psk_nat_init_req, &p);
	n = notify_of(&p.m.chain, IKE_N_SIGNATURE_HASH_ALGORITHMS);
	assert_int_equal(ike_notify_hash_algs(&n, algs, IKE_PL_MAX_HASH_ALGS, &count), 0);
	assert_int_equal(count, 4);
	assert_int_equal(algs[0], IKE_HASH_SHA2_256);
	assert_int_equal(algs[1], IKE_HASH_SHA2_384);
	assert_int_equal(algs[2], IKE_HASH_SHA2_512);
	assert_int_equal(algs[3], IKE_HASH_IDENTITY);
	assert_int_equal(ike_notify_hash_algs(&n, algs, 2, &count), 0);
	assert_int_equal(count, 2);
	n = notify_of(&p.m.chain, IKE_N_REDIRECT_SUPPORTED);
	assert_int_equal(n.len, 0);
	assert_int_equal(ike_notify_hash_algs(&n, algs, IKE_PL_MAX_HASH_ALGS, &count),
			 IKE_PARSE_SYNTAX);
	free(p.buf);
}

static void natd(const struct ike_msg *m, const char *addr, uint16_t port, uint8_t *out)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, addr, &a), 1);
	assert_int_equal(ike_natd_hash(m->hdr.spi_i, m->hdr.spi_r, AF_INET, &a, port, out), 0);
}

static bool natd_is(const struct ike_msg *m, uint16_t type, const char *addr, uint16_t port)
{
	struct ike_pl_notify n = notify_of(&m->chain, type);
	uint8_t h[IKE_NATD_HASH_LEN];

	assert_int_equal(n.len, IKE_NATD_HASH_LEN);
	natd(m, addr, port, h);
	return memcmp(h, n.data, sizeof(h)) == 0;
}

/*
 * NAT detection as strongSwan with kernel-libipsec does it: the
 * DESTINATION hash is the honest one, over the address and port the sender
 * sent to; the SOURCE hash covers a made-up address so that both peers
 * always see a NAT (shared/notes/strongswan-peer.md).  With the real NAT
 * (psk-nat), the responder's destination hash covers the NAT's mapping,
 * 10.77.0.2:192, not dev's own 192.168.77.2:500.
 */
static void test_natd_psk_nat(void **state)
{
	struct parsed req, resp;

	(void)state;
	parse_msg(psk_nat_init_req, &req);
	parse_msg(psk_nat_init_resp, &resp);
	assert_true(natd_is(&req.m, IKE_N_NAT_DETECTION_DESTINATION_IP, GW_ADDR, IKE_PORT));
	assert_false(natd_is(&req.m, IKE_N_NAT_DETECTION_SOURCE_IP, DEV_ADDR, IKE_PORT));
	assert_false(natd_is(&req.m, IKE_N_NAT_DETECTION_SOURCE_IP, DEV_NATTED_ADDR,
			     PSK_NAT_NATTED_PORT));
	assert_true(natd_is(&resp.m, IKE_N_NAT_DETECTION_DESTINATION_IP, DEV_NATTED_ADDR,
			    PSK_NAT_NATTED_PORT));
	assert_false(natd_is(&resp.m, IKE_N_NAT_DETECTION_DESTINATION_IP, DEV_ADDR, IKE_PORT));
	assert_false(natd_is(&resp.m, IKE_N_NAT_DETECTION_SOURCE_IP, GW_ADDR, IKE_PORT));
	free(req.buf);
	free(resp.buf);
}

/* Without a NAT: destination hashes match the plain addresses, sources still do not. */
static void test_natd_psk_nonat(void **state)
{
	struct parsed req, resp;

	(void)state;
	parse_msg(psk_nonat_init_req, &req);
	parse_msg(psk_nonat_init_resp, &resp);
	assert_hex(req.m.hdr.spi_i, IKE_SPI_LEN, PSK_NONAT_SPI_I);
	assert_hex(resp.m.hdr.spi_r, IKE_SPI_LEN, PSK_NONAT_SPI_R);
	assert_true(natd_is(&req.m, IKE_N_NAT_DETECTION_DESTINATION_IP, GW_ADDR, IKE_PORT));
	assert_false(natd_is(&req.m, IKE_N_NAT_DETECTION_SOURCE_IP, DEV_ADDR, IKE_PORT));
	assert_true(natd_is(&resp.m, IKE_N_NAT_DETECTION_DESTINATION_IP, DEV_ADDR, IKE_PORT));
	assert_false(natd_is(&resp.m, IKE_N_NAT_DETECTION_SOURCE_IP, GW_ADDR, IKE_PORT));
	free(req.buf);
	free(resp.buf);
}

/* Reference value from Python's hashlib over the same octets. */
static void test_natd_hash(void **state)
{
	const uint8_t spi_i[IKE_SPI_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	const uint8_t spi_r[IKE_SPI_LEN] = { 0 };
	uint8_t out[IKE_NATD_HASH_LEN];
	struct in6_addr a;

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", &a), 1);
	assert_int_equal(ike_natd_hash(spi_i, spi_r, AF_INET6, &a, IKE_NATT_PORT, out), 0);
	assert_hex(out, sizeof(out), "98c75483db80168697635aa7844504963e87de33");
	assert_int_equal(ike_natd_hash(spi_i, spi_r, AF_UNIX, &a, IKE_NATT_PORT, out), -1);
}

static void check_esp_sa(const struct ike_payload *pl, const char *spi)
{
	static struct ike_pl_sa sa;

	assert_int_equal(ike_pl_sa_decode(pl->body, pl->len, &sa), IKE_PARSE_OK);
	assert_int_equal(sa.n_prop, 1);
	assert_int_equal(sa.prop[0].proto, IKE_PROTO_ESP);
	assert_hex(sa.prop[0].spi, sa.prop[0].spi_len, spi);
	assert_int_equal(sa.prop[0].n_trans, 2);
	assert_transform(&sa.prop[0].trans[0], IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 128);
	assert_transform(&sa.prop[0].trans[1], IKE_TRANS_ESN, IKE_ESN_NO, 0);
}

static void check_ts_payload(const struct ike_payload *pl, const char *start, const char *end)
{
	struct ike_pl_ts ts;

	assert_int_equal(ike_pl_ts_decode(pl->body, pl->len, &ts), IKE_PARSE_OK);
	assert_int_equal(ts.n, 1);
	assert_int_equal(ts.n_skipped, 0);
	assert_ts4(&ts.ts[0], start, end);
}

static void test_psk_auth_request(void **state)
{
	struct parsed_chain p;
	struct ike_pl_auth auth;
	struct ike_pl_id id;
	struct ike_pl_cp cp;
	const struct ike_payload *pl;

	(void)state;
	parse_inner(psk_nat_auth_req_inner, IKE_PL_IDI, &p);
	pl = nth(&p.c, IKE_PL_IDI, 0);
	assert_int_equal(ike_pl_id_decode(pl->body, pl->len, &id), IKE_PARSE_OK);
	assert_int_equal(id.type, IKE_ID_RFC822_ADDR);
	assert_str(id.data, id.len, "dev1@ss-anchor.test");
	pl = nth(&p.c, IKE_PL_IDR, 0);
	assert_int_equal(ike_pl_id_decode(pl->body, pl->len, &id), IKE_PARSE_OK);
	assert_int_equal(id.type, IKE_ID_FQDN);
	assert_str(id.data, id.len, "gw.ss-anchor.test");
	pl = nth(&p.c, IKE_PL_AUTH, 0);
	assert_int_equal(ike_pl_auth_decode(pl->body, pl->len, &auth), IKE_PARSE_OK);
	assert_int_equal(auth.method, IKE_AUTH_PSK);
	assert_hex(auth.data, auth.len, PSK_NAT_AUTH_I);
	pl = nth(&p.c, IKE_PL_CP, 0);
	assert_int_equal(ike_pl_cp_decode(pl->body, pl->len, &cp), IKE_PARSE_OK);
	assert_int_equal(cp.type, IKE_CP_REQUEST);
	assert_int_equal(cp.n, 1);
	assert_int_equal(cp.attr[0].type, IKE_CP_INTERNAL_IP4_ADDRESS);
	assert_int_equal(cp.attr[0].len, 0);
	check_esp_sa(nth(&p.c, IKE_PL_SA, 0), PSK_NAT_ESP_SPI_I_IN);
	check_ts_payload(nth(&p.c, IKE_PL_TSI, 0), "0.0.0.0", "255.255.255.255");
	check_ts_payload(nth(&p.c, IKE_PL_TSR, 0), "10.77.1.0", "10.77.1.255");
	assert_int_equal(notify_of(&p.c, IKE_N_INITIAL_CONTACT).len, 0);
	free(p.buf);
}

static void test_psk_auth_response(void **state)
{
	struct parsed_chain p;
	struct ike_pl_notify n;
	struct ike_pl_auth auth;
	struct ike_pl_cp cp;
	const struct ike_payload *pl;

	(void)state;
	parse_inner(psk_nat_auth_resp_inner, IKE_PL_IDR, &p);
	pl = nth(&p.c, IKE_PL_AUTH, 0);
	assert_int_equal(ike_pl_auth_decode(pl->body, pl->len, &auth), IKE_PARSE_OK);
	assert_int_equal(auth.method, IKE_AUTH_PSK);
	assert_int_equal(auth.len, 32);
	pl = nth(&p.c, IKE_PL_CP, 0);
	assert_int_equal(ike_pl_cp_decode(pl->body, pl->len, &cp), IKE_PARSE_OK);
	assert_int_equal(cp.type, IKE_CP_REPLY);
	assert_int_equal(cp.n, 1);
	assert_int_equal(cp.attr[0].type, IKE_CP_INTERNAL_IP4_ADDRESS);
	assert_hex(cp.attr[0].value, cp.attr[0].len, "0a4d6401");	/* 10.77.100.1 */
	check_esp_sa(nth(&p.c, IKE_PL_SA, 0), PSK_NAT_ESP_SPI_R_IN);
	check_ts_payload(nth(&p.c, IKE_PL_TSI, 0), "10.77.100.1", "10.77.100.1");
	check_ts_payload(nth(&p.c, IKE_PL_TSR, 0), "10.77.1.0", "10.77.1.255");
	n = notify_of(&p.c, IKE_N_ADDITIONAL_IP4_ADDRESS);
	assert_hex(n.data, n.len, "0a4d0101");				/* gw's LAN 10.77.1.1 */
	free(p.buf);
}

/*
 * IDi CERT N(INIT_CONTACT) CERTREQ IDr AUTH CPRQ(ADDR) SA TSi TSr N(MOBIKE_SUP)
 * N(NO_ADD_ADDR) N(MULT_AUTH) N(EAP_ONLY) N(MSG_ID_SYN_SUP); the CERTREQ is
 * the SHA-1 of the same CA key gw asked for in its IKE_SA_INIT response.
 */
static void test_cert_auth_request(void **state)
{
	static const uint8_t order[] = {
		IKE_PL_IDI, IKE_PL_CERT, IKE_PL_NOTIFY, IKE_PL_CERTREQ, IKE_PL_IDR, IKE_PL_AUTH,
		IKE_PL_CP, IKE_PL_SA, IKE_PL_TSI, IKE_PL_TSR, IKE_PL_NOTIFY, IKE_PL_NOTIFY,
		IKE_PL_NOTIFY, IKE_PL_NOTIFY, IKE_PL_NOTIFY,
	};
	struct ike_pl_cert cert, req, gw_req;
	struct ike_pl_auth auth;
	struct parsed_chain p;
	struct parsed init;
	const struct ike_payload *pl;
	unsigned int i;

	(void)state;
	parse_inner(cert_nat_auth_req_inner, IKE_PL_IDI, &p);
	assert_int_equal(p.c.n, sizeof(order));
	for (i = 0; i < p.c.n; i++)
		assert_int_equal(p.c.pl[i].type, order[i]);
	pl = nth(&p.c, IKE_PL_CERT, 0);
	assert_int_equal(ike_pl_cert_decode(pl->body, pl->len, &cert), IKE_PARSE_OK);
	assert_int_equal(cert.encoding, IKE_CERT_X509_SIG);
	assert_int_equal(cert.len, 0x1d4 + 4);		/* DER SEQUENCE, 2-octet length */
	assert_hex(cert.data, 4, "308201d4");
	pl = nth(&p.c, IKE_PL_CERTREQ, 0);
	assert_int_equal(ike_pl_certreq_decode(pl->body, pl->len, &req), IKE_PARSE_OK);
	assert_int_equal(req.encoding, IKE_CERT_X509_SIG);
	assert_int_equal(req.len, IKE_CERT_HASH_LEN);
	parse_msg(cert_nat_init_resp, &init);
	pl = nth(&init.m.chain, IKE_PL_CERTREQ, 0);
	assert_int_equal(ike_pl_certreq_decode(pl->body, pl->len, &gw_req), IKE_PARSE_OK);
	assert_int_equal(gw_req.len, IKE_CERT_HASH_LEN);
	assert_memory_equal(gw_req.data, req.data, IKE_CERT_HASH_LEN);
	/* RFC 7427: length octet, AlgorithmIdentifier ecdsa-with-SHA256, DER signature */
	pl = nth(&p.c, IKE_PL_AUTH, 0);
	assert_int_equal(ike_pl_auth_decode(pl->body, pl->len, &auth), IKE_PARSE_OK);
	assert_int_equal(auth.method, IKE_AUTH_DIGITAL_SIGNATURE);
	assert_int_equal(auth.data[0], 12);
	assert_hex(auth.data + 1, 12, "300a06082a8648ce3d040302");
	assert_int_equal(auth.data[13], 0x30);
	assert_int_equal(auth.len, 1 + 12 + 2 + auth.data[14]);
	free(init.buf);
	free(p.buf);
}

/* ---- round trips ---- */

static void test_roundtrip_sa_init(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_IKE_VECTORS; i++) {
		struct ike_builder b;
		struct parsed p;
		uint8_t *out;
		unsigned int k;
		size_t len;

		if (ike_vectors[i].exchange != IKE_SA_INIT)
			continue;
		parse_msg(ike_vectors[i].hex, &p);
		out = malloc(p.len);
		assert_non_null(out);
		ike_build_begin(&b, out, p.len, &p.m.hdr);
		for (k = 0; k < p.m.chain.n; k++)
			rebuild(&b, &p.m.chain.pl[k]);
		assert_int_equal(ike_build_finish(&b, &len), 0);
		assert_int_equal(len, p.len);
		if (memcmp(out, p.buf, len))
			fail_msg("%s differs", ike_vectors[i].name);
		free(out);
		free(p.buf);
	}
}

static void test_roundtrip_inner(void **state)
{
	struct ike_hdr h = { .version = IKE_VERSION_2, .exchange = IKE_AUTH };
	size_t i;

	(void)state;
	for (i = 0; i < N_IKE_INNER_VECTORS; i++) {
		struct ike_sk_layout l;
		struct parsed_chain p;
		struct ike_builder b;
		uint8_t out[BIG];
		unsigned int k;

		parse_inner(ike_inner_vectors[i].hex, ike_inner_vectors[i].first, &p);
		ike_build_begin(&b, out, sizeof(out), &h);
		ike_build_sk_begin(&b, 0);
		for (k = 0; k < p.c.n; k++)
			rebuild(&b, &p.c.pl[k]);
		assert_int_equal(ike_build_sk_end(&b, 1, 0, &l), 0);
		assert_int_equal(l.inner_len, p.len);
		assert_int_equal(out[IKE_HDR_LEN], ike_inner_vectors[i].first);
		if (memcmp(out + l.pt_off, p.buf, p.len))
			fail_msg("%s differs", ike_inner_vectors[i].name);
		free(p.buf);
	}
}

/* Constructed payloads of the kinds strongSwan did not send us. */
static void test_roundtrip_constructed(void **state)
{
	const uint8_t spis[] = { 0xc0, 0, 0, 1, 0xc0, 0, 0, 2 };
	const uint8_t a6[16] = { 0x20, 1, 0x0d, 0xb8, [15] = 1 };
	const struct ike_pl_delete d = { IKE_PROTO_ESP, 4, 2, spis };
	const struct ike_pl_notify n = {
		.proto = IKE_PROTO_ESP, .spi_len = 4, .spi = { 1, 2, 3, 4 }, .type = IKE_N_REKEY_SA,
	};
	const struct ike_pl_cp cp = { IKE_CP_REPLY, 2, 0, {
		{ IKE_CP_INTERNAL_IP6_ADDRESS, a6 + 0, 0 },
		{ IKE_CP_INTERNAL_IP6_DNS, a6, 16 } } };
	struct ike_pl_ts ts = { .n = 2 };
	struct ike_pl_delete d2;
	struct ike_pl_notify n2;
	struct ike_pl_ts ts2;
	struct ike_pl_cp cp2;
	struct ike_builder b;
	struct ike_chain c;
	struct ike_msg m;
	uint8_t buf[512];
	size_t len;

	(void)state;
	ts.ts[0] = (struct ike_pl_ts_entry){ .type = IKE_TS_IPV6_ADDR_RANGE, .ip_proto = 17,
				    .start_port = 500, .end_port = 4500 };
	memcpy(ts.ts[0].start, a6, 16);
	memset(ts.ts[0].end, 0xff, 16);
	ts.ts[1] = (struct ike_pl_ts_entry){ .type = IKE_TS_IPV4_ADDR_RANGE, .ip_proto = 1,
				    .start_port = 65535, .end_port = 0,
				    .start = { 10 }, .end = { 10, 255 } };
	begin(&b, buf, sizeof(buf));
	ike_build_delete(&b, &d);
	ike_build_notify(&b, &n);
	ike_build_cp(&b, &cp);
	ike_build_ts(&b, IKE_PL_TSR, &ts);
	assert_int_equal(ike_build_finish(&b, &len), 0);
	assert_int_equal(ike_msg_parse(buf, len, &m, NULL), IKE_PARSE_OK);
	c = m.chain;
	assert_int_equal(c.n, 4);
	assert_int_equal(ike_pl_delete_decode(c.pl[0].body, c.pl[0].len, &d2), 0);
	assert_int_equal(d2.n_spi, 2);
	assert_memory_equal(d2.spis, spis, sizeof(spis));
	assert_int_equal(ike_pl_notify_decode(c.pl[1].body, c.pl[1].len, &n2), 0);
	assert_int_equal(n2.type, IKE_N_REKEY_SA);
	assert_int_equal(n2.proto, IKE_PROTO_ESP);
	assert_memory_equal(n2.spi, n.spi, 4);
	assert_int_equal(n2.len, 0);
	assert_int_equal(ike_pl_cp_decode(c.pl[2].body, c.pl[2].len, &cp2), 0);
	assert_int_equal(cp2.n, 2);
	assert_int_equal(cp2.attr[1].type, IKE_CP_INTERNAL_IP6_DNS);
	assert_memory_equal(cp2.attr[1].value, a6, 16);
	assert_int_equal(c.pl[3].type, IKE_PL_TSR);
	assert_int_equal(c.pl[3].len, 4 + 40 + 16);
	assert_int_equal(ike_pl_ts_decode(c.pl[3].body, c.pl[3].len, &ts2), 0);
	assert_memory_equal(&ts2.ts[0], &ts.ts[0], sizeof(ts.ts[0]));
	assert_memory_equal(&ts2.ts[1], &ts.ts[1], sizeof(ts.ts[1]));
}

static void test_encoder_errors(void **state)
{
	static struct ike_pl_sa sa;
	struct ike_pl_ts ts = { .n = 1, .ts = { { .type = 9 } } };
	struct ike_pl_notify n = { .spi_len = 3 };
	struct ike_pl_delete d = { .spi_len = 5 };
	struct ike_pl_cp cp = { .n = IKE_PL_MAX_CP_ATTRS + 1 };
	uint16_t algs[IKE_PL_MAX_HASH_ALGS + 1] = { 0 };
	struct ike_builder b;
	uint8_t buf[512];

	(void)state;
	memset(&sa, 0, sizeof(sa));
	begin(&b, buf, sizeof(buf));
	assert_int_equal(ike_build_sa(&b, &sa), -EINVAL);		/* no proposal */
	assert_int_equal(ike_build_finish(&b, NULL), -EINVAL);		/* sticky */
	sa.n_prop = 1;
	sa.prop[0].spi_len = 3;
	begin(&b, buf, sizeof(buf));
	assert_int_equal(ike_build_sa(&b, &sa), -EINVAL);
	sa.prop[0].spi_len = 4;
	sa.prop[0].n_trans = IKE_PL_MAX_TRANSFORMS + 1;
	begin(&b, buf, sizeof(buf));
	assert_int_equal(ike_build_sa(&b, &sa), -EINVAL);
	begin(&b, buf, sizeof(buf));
	assert_int_equal(ike_build_ts(&b, IKE_PL_TSI, &ts), -EINVAL);
	ts.n = 0;
	begin(&b, buf, sizeof(buf));
	assert_int_equal(ike_build_ts(&b, IKE_PL_TSI, &ts), -EINVAL);
	begin(&b, buf, sizeof(buf));
	assert_int_equal(ike_build_notify(&b, &n), -EINVAL);
	begin(&b, buf, sizeof(buf));
	assert_int_equal(ike_build_delete(&b, &d), -EINVAL);
	begin(&b, buf, sizeof(buf));
	assert_int_equal(ike_build_cp(&b, &cp), -EINVAL);
	begin(&b, buf, sizeof(buf));
	assert_int_equal(ike_build_notify_hash_algs(&b, algs, IKE_PL_MAX_HASH_ALGS + 1), -EINVAL);
	begin(&b, buf, 40);
	assert_int_equal(ike_build_notify_hash_algs(&b, algs, IKE_PL_MAX_HASH_ALGS), -ENOSPC);
}

/* ---- malformed bodies ---- */

/* The psk-nat IKE SA body: one proposal, ENCR(+key length), PRF, DH. */
static const char sa_body[] =
	"00000024010100030300000c01000014800e0080030000080200000500000008"
	"0400001f";

static int sa_patched(size_t off, uint8_t val)
{
	uint8_t body[64];
	size_t len = unhex(sa_body, body, sizeof(body));

	body[off] = val;
	return decode_exact(IKE_PL_SA, body, len);
}

static void test_sa_malformed(void **state)
{
	uint8_t body[64];
	size_t len;

	(void)state;
	assert_int_equal(sa_patched(0, 0), IKE_PARSE_OK);
	assert_int_equal(sa_patched(0, IKE_MORE_PROPOSALS), IKE_PARSE_SYNTAX);
	assert_int_equal(sa_patched(3, 0x25), IKE_PARSE_SYNTAX);	/* past the SA */
	assert_int_equal(sa_patched(3, 0x23), IKE_PARSE_SYNTAX);	/* ends early */
	assert_int_equal(sa_patched(3, 0x07), IKE_PARSE_SYNTAX);	/* < fixed part */
	assert_int_equal(sa_patched(4, 0), IKE_PARSE_SYNTAX);		/* proposal 0 */
	assert_int_equal(sa_patched(4, 7), IKE_PARSE_OK);		/* a response's pick */
	assert_int_equal(sa_patched(6, 3), IKE_PARSE_SYNTAX);		/* SPI size */
	assert_int_equal(sa_patched(6, 4), IKE_PARSE_SYNTAX);		/* SPI eats a transform */
	assert_int_equal(sa_patched(7, 2), IKE_PARSE_SYNTAX);		/* count */
	assert_int_equal(sa_patched(7, 4), IKE_PARSE_SYNTAX);
	assert_int_equal(sa_patched(8, 0), IKE_PARSE_SYNTAX);		/* first says last */
	assert_int_equal(sa_patched(28, 3), IKE_PARSE_SYNTAX);		/* last says more */
	assert_int_equal(sa_patched(11, 7), IKE_PARSE_SYNTAX);		/* transform < 8 */
	assert_int_equal(sa_patched(11, 13), IKE_PARSE_SYNTAX);		/* into the next */
	assert_int_equal(sa_patched(11, 10), IKE_PARSE_SYNTAX);		/* half an attribute */
	assert_int_equal(decode_exact(IKE_PL_SA, body, 0), IKE_PARSE_SYNTAX);
	len = unhex(sa_body, body, sizeof(body));
	assert_int_equal(decode_exact(IKE_PL_SA, body, len - 1), IKE_PARSE_SYNTAX);
	assert_int_equal(decode_exact(IKE_PL_SA, body, 7), IKE_PARSE_SYNTAX);
}

/* Two proposals built by the encoder, then renumbered. */
static void test_sa_numbering(void **state)
{
	static struct ike_pl_sa sa, out;
	struct ike_builder b;
	const uint8_t *body;
	uint8_t buf[256];
	uint8_t *second;
	size_t len;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.n_prop = 2;
	sa.prop[0] = (struct ike_pl_proposal){ .num = 1, .proto = IKE_PROTO_ESP, .spi_len = 4,
					    .spi = { 1, 2, 3, 4 }, .n_trans = 1 };
	sa.prop[0].trans[0] = (struct ike_pl_transform){ .type = IKE_TRANS_ENCR,
						     .id = IKE_ENCR_AES_GCM_16, .key_len = 256 };
	sa.prop[1] = sa.prop[0];
	sa.prop[1].num = 2;
	begin(&b, buf, sizeof(buf));
	ike_build_sa(&b, &sa);
	len = body_of(&b, &body);
	assert_int_equal(ike_pl_sa_decode(body, len, &out), IKE_PARSE_OK);
	assert_int_equal(out.n_prop, 2);
	assert_memory_equal(&out.prop[1], &sa.prop[1], sizeof(sa.prop[1]));
	second = (uint8_t *)body + ike_get16(body + 2);
	second[4] = 3;						/* 1, 3: lenient */
	assert_int_equal(decode_exact(IKE_PL_SA, body, len), IKE_PARSE_OK);
	second[4] = 1;						/* 1, 1 */
	assert_int_equal(decode_exact(IKE_PL_SA, body, len), IKE_PARSE_SYNTAX);
	((uint8_t *)body)[4] = 2;				/* 2, 1 */
	assert_int_equal(decode_exact(IKE_PL_SA, body, len), IKE_PARSE_SYNTAX);
}

/* Attributes other than a single TV Key Length: the transform, not the message, is bad. */
static void test_sa_attributes(void **state)
{
	static struct ike_pl_sa sa;
	uint8_t body[64];
	size_t len;

	(void)state;
	len = unhex("00000014010100010000000c01000014800f0080", body, sizeof(body));
	assert_int_equal(ike_pl_sa_decode(body, len, &sa), IKE_PARSE_OK);	/* type 15 */
	assert_true(sa.prop[0].trans[0].unacceptable);
	assert_int_equal(sa.prop[0].trans[0].type, IKE_TRANS_ENCR);
	len = unhex("00000018010100010000001001000014800e0080800e0100", body, sizeof(body));
	assert_int_equal(ike_pl_sa_decode(body, len, &sa), IKE_PARSE_OK);	/* twice */
	assert_true(sa.prop[0].trans[0].unacceptable);
	len = unhex("00000014010100010000000c01000014800e0000", body, sizeof(body));
	assert_int_equal(ike_pl_sa_decode(body, len, &sa), IKE_PARSE_OK);	/* 0 bits */
	assert_true(sa.prop[0].trans[0].unacceptable);
	len = unhex("00000016010100010000000e01000014000e0002abcd", body, sizeof(body));
	assert_int_equal(ike_pl_sa_decode(body, len, &sa), IKE_PARSE_OK);	/* TLV */
	assert_true(sa.prop[0].trans[0].unacceptable);
	len = unhex("00000016010100010000000e01000014000e0003abcd", body, sizeof(body));
	assert_int_equal(decode_exact(IKE_PL_SA, body, len), IKE_PARSE_SYNTAX);
	len = unhex("00000012010100010000000a010000140080", body, sizeof(body));
	assert_int_equal(decode_exact(IKE_PL_SA, body, len), IKE_PARSE_SYNTAX);
}

/* Past the limits: valid, checked, counted, not stored. */
static void test_sa_limits(void **state)
{
	static struct ike_pl_sa sa, out;
	static uint8_t buf[3 * BIG];
	struct ike_builder b;
	const uint8_t *body;
	unsigned int i;
	size_t len;
	uint8_t *p;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.n_prop = IKE_PL_MAX_PROPOSALS;
	for (i = 0; i < IKE_PL_MAX_PROPOSALS; i++) {
		sa.prop[i].num = (uint8_t)(i + 1);
		sa.prop[i].proto = IKE_PROTO_IKE;
		sa.prop[i].n_trans = IKE_PL_MAX_TRANSFORMS;
	}
	begin(&b, buf, sizeof(buf));
	ike_build_sa(&b, &sa);
	len = body_of(&b, &body);
	assert_int_equal(ike_pl_sa_decode(body, len, &out), IKE_PARSE_OK);
	assert_int_equal(out.n_prop, IKE_PL_MAX_PROPOSALS);
	assert_int_equal(out.n_skipped, 0);
	assert_int_equal(out.prop[15].n_trans, IKE_PL_MAX_TRANSFORMS);
	/* a 17th proposal: append a copy of the last one, numbered 17 */
	p = (uint8_t *)body;
	for (i = 0; i < IKE_PL_MAX_PROPOSALS - 1; i++)
		p += ike_get16(p + 2);
	assert_true(len + (size_t)(body + len - p) <= sizeof(buf) - 64);
	memcpy((uint8_t *)body + len, p, (size_t)(body + len - p));
	p[0] = IKE_MORE_PROPOSALS;
	p[(size_t)(body + len - p) + 4] = 17;
	len += (size_t)(body + len - p);
	assert_int_equal(ike_pl_sa_decode(body, len, &out), IKE_PARSE_OK);
	assert_int_equal(out.n_prop, IKE_PL_MAX_PROPOSALS);
	assert_int_equal(out.n_skipped, 1);
	/* 33 transforms in one proposal: the proposal is skipped */
	len = unhex("0000003001010005" "0300000801000014" "0300000801000014"
		    "0300000801000014" "0300000801000014" "0000000801000014", buf, sizeof(buf));
	assert_int_equal(ike_pl_sa_decode(buf, len, &out), IKE_PARSE_OK);
	assert_int_equal(out.prop[0].n_trans, 5);
	{
		size_t n = 8 + 33 * 8;

		memset(buf, 0, n);
		ike_put16(buf + 2, (uint16_t)n);
		buf[4] = 1;
		buf[5] = IKE_PROTO_IKE;
		buf[7] = 33;
		for (i = 0; i < 33; i++) {
			uint8_t *t = buf + 8 + 8 * i;

			t[0] = i == 32 ? IKE_LAST_SUBSTRUC : IKE_MORE_TRANSFORMS;
			t[3] = 8;
			t[4] = IKE_TRANS_DH;
			t[7] = (uint8_t)i;
		}
		assert_int_equal(ike_pl_sa_decode(buf, n, &out), IKE_PARSE_OK);
		assert_int_equal(out.n_prop, 0);
		assert_int_equal(out.n_skipped, 1);
	}
}

static void test_simple_malformed(void **state)
{
	uint8_t body[300] = { 0 };

	(void)state;
	assert_int_equal(decode_exact(IKE_PL_KE, body, 4), IKE_PARSE_SYNTAX);	/* no data */
	assert_int_equal(decode_exact(IKE_PL_KE, body, 5), IKE_PARSE_OK);
	assert_int_equal(decode_exact(IKE_PL_NONCE, body, 15), IKE_PARSE_SYNTAX);
	assert_int_equal(decode_exact(IKE_PL_NONCE, body, 16), IKE_PARSE_OK);
	assert_int_equal(decode_exact(IKE_PL_NONCE, body, 256), IKE_PARSE_OK);
	assert_int_equal(decode_exact(IKE_PL_NONCE, body, 257), IKE_PARSE_SYNTAX);
	assert_int_equal(decode_exact(IKE_PL_IDI, body, 4), IKE_PARSE_SYNTAX);
	body[0] = IKE_ID_IPV4_ADDR;
	assert_int_equal(decode_exact(IKE_PL_IDI, body, 8), IKE_PARSE_OK);
	assert_int_equal(decode_exact(IKE_PL_IDR, body, 9), IKE_PARSE_SYNTAX);
	body[0] = IKE_ID_IPV6_ADDR;
	assert_int_equal(decode_exact(IKE_PL_IDI, body, 20), IKE_PARSE_OK);
	assert_int_equal(decode_exact(IKE_PL_IDI, body, 8), IKE_PARSE_SYNTAX);
	assert_int_equal(decode_exact(IKE_PL_AUTH, body, 4), IKE_PARSE_SYNTAX);
	assert_int_equal(decode_exact(IKE_PL_CERT, body, 1), IKE_PARSE_SYNTAX);	/* empty */
	assert_int_equal(decode_exact(IKE_PL_CERT, body, 0), IKE_PARSE_SYNTAX);
	body[0] = IKE_CERT_X509_SIG;
	assert_int_equal(decode_exact(IKE_PL_CERTREQ, body, 1), IKE_PARSE_OK);
	assert_int_equal(decode_exact(IKE_PL_CERTREQ, body, 41), IKE_PARSE_OK);
	assert_int_equal(decode_exact(IKE_PL_CERTREQ, body, 22), IKE_PARSE_SYNTAX);
	assert_int_equal(decode_exact(IKE_PL_CERTREQ, body, 0), IKE_PARSE_SYNTAX);
}

static int notify_len(uint16_t type, uint8_t spi_len, size_t total)
{
	uint8_t body[128] = { IKE_PROTO_ESP, spi_len };

	ike_put16(body + 2, type);
	return decode_exact(IKE_PL_NOTIFY, body, total);
}

static void test_notify_malformed(void **state)
{
	(void)state;
	assert_int_equal(notify_len(IKE_N_COOKIE, 0, 3), IKE_PARSE_SYNTAX);
	assert_int_equal(notify_len(IKE_N_MOBIKE_SUPPORTED, 0, 4), IKE_PARSE_OK);
	assert_int_equal(notify_len(IKE_N_REKEY_SA, 4, 8), IKE_PARSE_OK);
	assert_int_equal(notify_len(IKE_N_REKEY_SA, 4, 7), IKE_PARSE_SYNTAX);
	assert_int_equal(notify_len(IKE_N_REKEY_SA, 3, 7), IKE_PARSE_SYNTAX);
	assert_int_equal(notify_len(IKE_N_REKEY_SA, 255, 100), IKE_PARSE_SYNTAX);
	assert_int_equal(notify_len(IKE_N_NAT_DETECTION_SOURCE_IP, 0, 24), IKE_PARSE_OK);
	assert_int_equal(notify_len(IKE_N_NAT_DETECTION_SOURCE_IP, 0, 23), IKE_PARSE_SYNTAX);
	assert_int_equal(notify_len(IKE_N_NAT_DETECTION_DESTINATION_IP, 0, 25), IKE_PARSE_SYNTAX);
	assert_int_equal(notify_len(IKE_N_COOKIE, 0, 4), IKE_PARSE_SYNTAX);
	assert_int_equal(notify_len(IKE_N_COOKIE, 0, 4 + 64), IKE_PARSE_OK);
	assert_int_equal(notify_len(IKE_N_COOKIE, 0, 4 + 65), IKE_PARSE_SYNTAX);
	assert_int_equal(notify_len(IKE_N_INVALID_KE_PAYLOAD, 0, 6), IKE_PARSE_OK);
	assert_int_equal(notify_len(IKE_N_INVALID_KE_PAYLOAD, 0, 5), IKE_PARSE_SYNTAX);
	assert_int_equal(notify_len(IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, 0, 5), IKE_PARSE_OK);
	assert_int_equal(notify_len(IKE_N_ADDITIONAL_IP6_ADDRESS, 0, 20), IKE_PARSE_OK);
	assert_int_equal(notify_len(IKE_N_ADDITIONAL_IP4_ADDRESS, 0, 20), IKE_PARSE_SYNTAX);
	assert_int_equal(notify_len(IKE_N_SIGNATURE_HASH_ALGORITHMS, 0, 7), IKE_PARSE_SYNTAX);
}

static int delete_of(uint8_t spi_len, uint16_t n, size_t total)
{
	uint8_t body[64] = { IKE_PROTO_ESP, spi_len };

	ike_put16(body + 2, n);
	return decode_exact(IKE_PL_DELETE, body, total);
}

static void test_delete_malformed(void **state)
{
	(void)state;
	assert_int_equal(delete_of(0, 0, 4), IKE_PARSE_OK);		/* the IKE SA */
	assert_int_equal(delete_of(4, 3, 16), IKE_PARSE_OK);
	assert_int_equal(delete_of(4, 3, 15), IKE_PARSE_SYNTAX);
	assert_int_equal(delete_of(4, 3, 17), IKE_PARSE_SYNTAX);
	assert_int_equal(delete_of(4, 0xffff, 16), IKE_PARSE_SYNTAX);
	assert_int_equal(delete_of(2, 1, 6), IKE_PARSE_SYNTAX);
	assert_int_equal(delete_of(0, 1, 4), IKE_PARSE_SYNTAX);
	assert_int_equal(delete_of(0, 0, 3), IKE_PARSE_SYNTAX);
}

static void test_ts_malformed(void **state)
{
	struct ike_pl_ts ts;
	uint8_t body[BIG];
	size_t len;
	unsigned int i;

	(void)state;
	/* psk-nat TSr: one IPv4 range */
	len = unhex("01000000070000100000ffff0a4d01000a4d01ff", body, sizeof(body));
	assert_int_equal(decode_exact(IKE_PL_TSR, body, len), IKE_PARSE_OK);
	body[0] = 2;
	assert_int_equal(decode_exact(IKE_PL_TSR, body, len), IKE_PARSE_SYNTAX);
	body[0] = 0;
	assert_int_equal(decode_exact(IKE_PL_TSR, body, len), IKE_PARSE_SYNTAX);
	body[0] = 1;
	body[7] = 15;
	assert_int_equal(decode_exact(IKE_PL_TSR, body, len), IKE_PARSE_SYNTAX);
	body[7] = 17;
	assert_int_equal(decode_exact(IKE_PL_TSR, body, len), IKE_PARSE_SYNTAX);
	body[7] = 16;
	body[4] = IKE_TS_IPV6_ADDR_RANGE;			/* 16 octets for IPv6 */
	assert_int_equal(decode_exact(IKE_PL_TSR, body, len), IKE_PARSE_SYNTAX);
	body[4] = 10;						/* unknown type: skipped */
	assert_int_equal(ike_pl_ts_decode(body, len, &ts), IKE_PARSE_OK);
	assert_int_equal(ts.n, 0);
	assert_int_equal(ts.n_skipped, 1);
	assert_int_equal(decode_exact(IKE_PL_TSR, body, 3), IKE_PARSE_SYNTAX);
	assert_int_equal(decode_exact(IKE_PL_TSR, body, 4 + 7), IKE_PARSE_SYNTAX);
	/* IKE_PL_MAX_TS + 1 ranges */
	body[0] = IKE_PL_MAX_TS + 1;
	for (i = 0; i < IKE_PL_MAX_TS + 1; i++)
		unhex("070000100000ffff0a4d01000a4d01ff", body + 4 + 16 * i, 16);
	len = 4 + 16 * (IKE_PL_MAX_TS + 1);
	assert_int_equal(ike_pl_ts_decode(body, len, &ts), IKE_PARSE_OK);
	assert_int_equal(ts.n, IKE_PL_MAX_TS);
	assert_int_equal(ts.n_skipped, 1);
}

static void test_cp_malformed(void **state)
{
	struct ike_pl_cp cp;
	uint8_t body[BIG];
	size_t len;
	unsigned int i;

	(void)state;
	len = unhex("02000000000100040a4d6401", body, sizeof(body));
	assert_int_equal(decode_exact(IKE_PL_CP, body, len), IKE_PARSE_OK);
	assert_int_equal(decode_exact(IKE_PL_CP, body, len - 1), IKE_PARSE_SYNTAX);
	assert_int_equal(decode_exact(IKE_PL_CP, body, 6), IKE_PARSE_SYNTAX);
	assert_int_equal(decode_exact(IKE_PL_CP, body, 4), IKE_PARSE_OK);
	assert_int_equal(decode_exact(IKE_PL_CP, body, 3), IKE_PARSE_SYNTAX);
	len = unhex("0200000080010003010203", body, sizeof(body));	/* IPv4, 3 octets */
	assert_int_equal(decode_exact(IKE_PL_CP, body, len), IKE_PARSE_SYNTAX);
	len = unhex("02000000800800110102030405060708090a0b0c0d0e0f1040", body, sizeof(body));
	assert_int_equal(ike_pl_cp_decode(body, len, &cp), IKE_PARSE_OK);	/* R bit */
	assert_int_equal(cp.attr[0].type, IKE_CP_INTERNAL_IP6_ADDRESS);
	len = unhex("01000000000e0003aaaaaa", body, sizeof(body));
	assert_int_equal(decode_exact(IKE_PL_CP, body, len), IKE_PARSE_SYNTAX);
	len = unhex("010000007777000161", body, sizeof(body));		/* unknown: opaque */
	assert_int_equal(decode_exact(IKE_PL_CP, body, len), IKE_PARSE_OK);
	len = 4;
	for (i = 0; i < IKE_PL_MAX_CP_ATTRS + 2; i++)
		len += unhex("00030000", body + len, 4);
	assert_int_equal(ike_pl_cp_decode(body, len, &cp), IKE_PARSE_OK);
	assert_int_equal(cp.n, IKE_PL_MAX_CP_ATTRS);
	assert_int_equal(cp.n_skipped, 2);
}

/* ---- robustness ---- */

struct body_ref {
	uint8_t type;
	const uint8_t *body;
	size_t len;
};

/* Every payload body of every vector, outer and inner (SK bodies excluded). */
static unsigned int collect(struct body_ref *refs, unsigned int max, uint8_t **bufs,
			    unsigned int *n_bufs)
{
	unsigned int n = 0, i, k;

	for (i = 0; i < N_IKE_VECTORS; i++) {
		struct parsed p;

		parse_msg(ike_vectors[i].hex, &p);
		bufs[(*n_bufs)++] = p.buf;
		for (k = 0; k < p.m.chain.n && n < max; k++)
			if (!p.m.has_sk)
				refs[n++] = (struct body_ref){ p.m.chain.pl[k].type,
							       p.m.chain.pl[k].body,
							       p.m.chain.pl[k].len };
	}
	for (i = 0; i < N_IKE_INNER_VECTORS; i++) {
		struct parsed_chain p;

		parse_inner(ike_inner_vectors[i].hex, ike_inner_vectors[i].first, &p);
		bufs[(*n_bufs)++] = p.buf;
		for (k = 0; k < p.c.n && n < max; k++)
			refs[n++] = (struct body_ref){ p.c.pl[k].type, p.c.pl[k].body,
						       p.c.pl[k].len };
	}
	return n;
}

static void test_decoder_truncations(void **state)
{
	struct body_ref refs[256];
	uint8_t *bufs[N_IKE_VECTORS + N_IKE_INNER_VECTORS];
	unsigned int n, n_bufs = 0, i;
	size_t cut;

	(void)state;
	n = collect(refs, 256, bufs, &n_bufs);
	assert_true(n > 60);
	for (i = 0; i < n; i++) {
		assert_int_equal(decode_exact(refs[i].type, refs[i].body, refs[i].len),
				 IKE_PARSE_OK);
		for (cut = 0; cut < refs[i].len; cut++)
			decode_exact(refs[i].type, refs[i].body, cut);
	}
	for (i = 0; i < n_bufs; i++)
		free(bufs[i]);
}

static void test_decoder_mutations(void **state)
{
	struct body_ref refs[256];
	uint8_t *bufs[N_IKE_VECTORS + N_IKE_INNER_VECTORS];
	unsigned int n, n_bufs = 0, i, ok = 0;

	(void)state;
	n = collect(refs, 256, bufs, &n_bufs);
	for (i = 0; i < MUTATIONS; i++) {
		const struct body_ref *r = &refs[rng() % n];
		uint8_t *copy;

		if (r->len == 0)
			continue;
		copy = malloc(r->len);
		assert_non_null(copy);
		memcpy(copy, r->body, r->len);
		copy[rng() % r->len] ^= (uint8_t)(rng() % 255 + 1);
		/* now and then a mutant of another payload type's body */
		ok += decode_exact(i % 8 ? r->type : (uint8_t)(IKE_PL_SA + rng() % 15), copy,
				   r->len) == IKE_PARSE_OK;
		free(copy);
	}
	assert_true(ok > MUTATIONS / 2);
	for (i = 0; i < n_bufs; i++)
		free(bufs[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sa_init_proposals),
		cmocka_unit_test(test_sa_init_ke_nonce),
		cmocka_unit_test(test_hash_algorithms),
		cmocka_unit_test(test_natd_psk_nat),
		cmocka_unit_test(test_natd_psk_nonat),
		cmocka_unit_test(test_natd_hash),
		cmocka_unit_test(test_psk_auth_request),
		cmocka_unit_test(test_psk_auth_response),
		cmocka_unit_test(test_cert_auth_request),
		cmocka_unit_test(test_roundtrip_sa_init),
		cmocka_unit_test(test_roundtrip_inner),
		cmocka_unit_test(test_roundtrip_constructed),
		cmocka_unit_test(test_encoder_errors),
		cmocka_unit_test(test_sa_malformed),
		cmocka_unit_test(test_sa_numbering),
		cmocka_unit_test(test_sa_attributes),
		cmocka_unit_test(test_sa_limits),
		cmocka_unit_test(test_simple_malformed),
		cmocka_unit_test(test_notify_malformed),
		cmocka_unit_test(test_delete_malformed),
		cmocka_unit_test(test_ts_malformed),
		cmocka_unit_test(test_cp_malformed),
		cmocka_unit_test(test_decoder_truncations),
		cmocka_unit_test(test_decoder_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IKE_SA_INIT, responder side (RFC 7296 1.2, 2.6, 2.7, 2.23):
 *
 *   HDR, [N(COOKIE),] SA, KEi, Ni, N(NATD_S), N(NATD_D)  -->
 *                          <--  HDR, SA, KEr, Nr, N(NATD_S), N(NATD_D), [CERTREQ], N(HASH_ALG)
 *
 * or, keeping no state at all, one of
 *
 *                          <--  HDR, N(COOKIE)               too many half-open SAs
 *                          <--  HDR, N(INVALID_KE_PAYLOAD)   KEi of another group
 *                          <--  HDR, N(NO_PROPOSAL_CHOSEN)   no connection, no proposal
 *
 * The connection is the best match for the addresses; the proposal the
 * first of ours the peer offers.  A half-open SA waits half_open_timeout_ms
 * for IKE_AUTH.  Requests past the half-open caps are dropped unanswered.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_xchg.h"
#include "log.h"
#include "selector.h"

static const uint16_t hash_algs[] = {
	IKE_HASH_SHA2_256, IKE_HASH_SHA2_384, IKE_HASH_SHA2_512, IKE_HASH_IDENTITY,
};

/* What the request carries, decoded. */
struct init_req {
	struct ike_in in;
	const struct ike_cfg_conn *conn;
	struct ike_proposal peer[IKE_PL_MAX_PROPOSALS];
	unsigned int n_peer;
	struct ike_pl_ke ke;
	const uint8_t *ni;
	size_t ni_len;
};

/* A response without SA state: SPIr zero, one notify. */
static void notify_stateless(struct ike_engine *e, const struct ike_in *in, uint16_t type,
			     const void *data, size_t len)
{
	struct ike_hdr h = {
		.version = IKE_VERSION_2,
		.exchange = IKE_SA_INIT,
		.flags = IKE_FLAG_RESPONSE,
	};
	struct ike_builder b;
	size_t out_len;

	memcpy(h.spi_i, in->hdr->spi_i, IKE_SPI_LEN);
	ike_build_begin(&b, e->buf, sizeof(e->buf), &h);
	ike_build_notify_simple(&b, type, data, len);
	if (!ike_build_finish(&b, &out_len))
		ike_send_raw(e, &in->local, &in->remote, e->buf, out_len);
}

/* SA, KE and Ni, decoded; INVALID_SYNTAX when one is missing or malformed. */
static uint16_t decode(struct init_req *r)
{
	static struct ike_pl_sa pl;
	int i_sa = ike_in_find(&r->in, IKE_PL_SA), i_ke = ike_in_find(&r->in, IKE_PL_KE);
	int i_n = ike_in_find(&r->in, IKE_PL_NONCE);
	const struct ike_payload *p;

	if (i_sa < 0 || i_ke < 0 || i_n < 0)
		return IKE_N_INVALID_SYNTAX;
	p = &r->in.chain.pl[i_sa];
	if (ike_pl_sa_decode(p->body, p->len, &pl))
		return IKE_N_INVALID_SYNTAX;
	r->n_peer = ike_conv_proposals(&pl, r->peer, IKE_PL_MAX_PROPOSALS);
	p = &r->in.chain.pl[i_ke];
	if (ike_pl_ke_decode(p->body, p->len, &r->ke))
		return IKE_N_INVALID_SYNTAX;
	p = &r->in.chain.pl[i_n];
	if (ike_pl_nonce_check(p->len))
		return IKE_N_INVALID_SYNTAX;
	r->ni = p->body;
	r->ni_len = p->len;
	return 0;
}

/*
 * RFC 7296 2.6: past the thresholds the request must start with a valid
 * N(COOKIE), else we answer with one; past the caps we drop it.
 */
static bool dos_admit(struct ike_engine *e, const struct init_req *r)
{
	const struct ike_engine_params *p = &e->params;
	unsigned int per_ip = ike_sa_half_open_from(e, &r->in.remote);
	uint8_t cookie[IKE_COOKIE_MAX];
	struct ike_pl_notify n;
	size_t len;

	if (e->n_half_open >= p->half_open_max || per_ip >= p->half_open_max_ip) {
		xs_debug("half-open limit reached, IKE_SA_INIT dropped");
		return false;
	}
	if (e->n_half_open < p->cookie_threshold && per_ip < p->cookie_threshold_ip)
		return true;
	ike_cookie_rotate(e, false);
	if (r->in.chain.n && r->in.chain.pl[0].type == IKE_PL_NOTIFY &&
	    !ike_pl_notify_decode(r->in.chain.pl[0].body, r->in.chain.pl[0].len, &n) &&
	    n.type == IKE_N_COOKIE &&
	    ike_cookie_valid(e, n.data, n.len, r->ni, r->ni_len, &r->in.remote,
			     r->in.hdr->spi_i))
		return true;
	len = ike_cookie_make(e, r->ni, r->ni_len, &r->in.remote, r->in.hdr->spi_i, cookie);
	if (len)
		notify_stateless(e, &r->in, IKE_N_COOKIE, cookie, len);
	return false;
}

/* The proposal, and a KE of its group; else the notify to answer (data: the group). */
static uint16_t choose(struct init_req *r, struct ike_prop_chosen *c, uint8_t group[2])
{
	uint16_t want;

	if (ike_prop_select(&r->conn->proposals, r->peer, r->n_peer, 0, c))
		return IKE_N_NO_PROPOSAL_CHOSEN;
	if (ike_dh_supported(r->ke.group) &&
	    ike_prop_accept_ke(&r->conn->proposals, r->peer, r->n_peer, c, r->ke.group))
		return 0;
	want = ike_prop_retry_group(c);
	if (want == IKE_DH_NONE)
		return IKE_N_NO_PROPOSAL_CHOSEN;
	ike_put16(group, want);
	return IKE_N_INVALID_KE_PAYLOAD;
}

static int respond(struct ike_sa *sa, const struct ike_in *in, const uint8_t *pub,
		   size_t pub_len)
{
	struct ike_builder b;
	int ret;

	ike_msg_begin(sa, &b, IKE_SA_INIT, in);
	ike_conv_build_sa(&b, &sa->prop, 1, false, NULL, 0, false);
	ike_build_ke(&b, &(struct ike_pl_ke){ .group = sa->dh_group, .data = pub,
					      .len = pub_len });
	ike_build_nonce(&b, sa->nr, sa->nr_len);
	ike_natd_build(sa, &b);
	ike_authn_build_certreq(sa, sa->conn, &b);
	if (sa->n_peer_hash_algs)	/* RFC 7427 4: an answer to the initiator's */
		ike_build_notify_hash_algs(&b, hash_algs,
					   sizeof(hash_algs) / sizeof(hash_algs[0]));
	ike_frag_build_notify(sa, &b);
	ret = ike_response_send(sa, &b, in);
	if (!ret)
		ret = ike_init_save(&sa->init_ours, &sa->init_ours_len, sa->resp.buf,
				    sa->resp.len);
	return ret;
}

/*
 * The half-open IKE SA: our nonce and key pair, SK_* from the peer's KE.
 * NULL and the notify to answer on failure (a KE value that is not a
 * valid point or element is INVALID_SYNTAX).
 */
static struct ike_sa *create(struct ike_engine *e, const struct init_req *r,
			     const struct ike_prop_chosen *c, uint8_t *pub, size_t *pub_len,
			     uint16_t *notify)
{
	struct ike_sa *sa = ike_sa_new(e, r->conn, false, &r->in.local, &r->in.remote);

	*notify = IKE_N_NO_PROPOSAL_CHOSEN;
	if (!sa)
		return NULL;
	memcpy(sa->spi_i, r->in.hdr->spi_i, IKE_SPI_LEN);
	sa->prop = c->prop;
	ike_conv_suite(&c->prop, &sa->suite);
	sa->dh_group = r->ke.group;
	memcpy(sa->ni, r->ni, r->ni_len);
	sa->ni_len = r->ni_len;
	sa->nr_len = IKE_NONCE_LEN;
	sa->dh = ike_dh_new(sa->dh_group);
	if (!sa->dh || ike_random(sa->nr, sa->nr_len) || ike_suite_check(&sa->suite, true) ||
	    ike_dh_public(sa->dh, pub, pub_len))
		goto fail;
	*notify = IKE_N_INVALID_SYNTAX;
	if (ike_init_keys(sa, &r->ke) ||
	    ike_init_save(&sa->init_peer, &sa->init_peer_len, r->in.raw, r->in.raw_len))
		goto fail;
	return sa;
fail:
	ike_sa_kill(sa, NULL);
	return NULL;
}

/* A retransmitted request gets the same response; a different one nothing. */
static bool retransmitted(struct ike_engine *e, const struct ike_in *in)
{
	struct ike_sa *sa = ike_sa_lookup_init(e, in->hdr->spi_i, &in->remote);
	uint8_t hash[IKE_HASH_LEN];

	if (!sa)
		return false;
	ike_sha256(in->raw, in->raw_len, hash);
	if (sa->resp.buf && sa->resp.msg_id == 0 && !memcmp(hash, sa->resp.req_hash, sizeof(hash)))
		ike_send_raw(e, &in->local, &in->remote, sa->resp.buf, sa->resp.len);
	return true;
}

/* Parses the datagram; false (counted) if it is not a usable IKE_SA_INIT request. */
static bool parse(struct ike_engine *e, struct init_req *r)
{
	static const uint8_t zero[IKE_SPI_LEN];
	enum ike_parse_result res;
	struct ike_msg m;
	uint8_t crit = 0;

	if (r->in.hdr->msg_id != 0 || memcmp(r->in.hdr->spi_r, zero, IKE_SPI_LEN) ||
	    !(r->in.hdr->flags & IKE_FLAG_INITIATOR)) {
		e->stats.invalid_messages++;
		return false;
	}
	res = ike_msg_parse(r->in.raw, r->in.raw_len, &m, &crit);
	if (res == IKE_PARSE_UNSUPPORTED_CRITICAL)
		notify_stateless(e, &r->in, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, &crit, 1);
	if (res != IKE_PARSE_OK || m.has_sk) {
		e->stats.invalid_messages++;
		return false;
	}
	r->in.chain = m.chain;
	return true;
}

static void no_conn(struct ike_engine *e, const struct ike_in *in)
{
	char l[ADDR_STR_MAX], rem[ADDR_STR_MAX];

	xs_info("no IKE config found for %s...%s, sending NO_PROPOSAL_CHOSEN",
		ike_ep_addr_format(&in->local, l, sizeof(l)),
		ike_ep_addr_format(&in->remote, rem, sizeof(rem)));
	notify_stateless(e, in, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
}

void ike_init_request(struct ike_engine *e, const struct ike_endpoint *local,
		      const struct ike_endpoint *remote, const uint8_t *msg, size_t len,
		      const struct ike_hdr *h)
{
	static struct init_req r;	/* large; the engine runs in one thread */
	uint8_t pub[IKE_DH_MAX_PUBLIC_LEN], group[2];
	char peer[ADDR_STR_MAX];
	size_t pub_len = sizeof(pub);
	struct ike_prop_chosen c;
	struct dp_addr la, ra;
	struct ike_sa *sa;
	uint16_t notify;

	memset(&r, 0, sizeof(r));
	r.in = (struct ike_in){ .hdr = h, .local = *local, .remote = *remote, .raw = msg,
				.raw_len = len };
	if (retransmitted(e, &r.in) || !parse(e, &r))
		return;
	ike_ep_to_dp(local, &la);
	ike_ep_to_dp(remote, &ra);
	r.conn = ike_cfg_find_conn(e->cfg, &la, &ra);
	if (!r.conn) {
		no_conn(e, &r.in);
		return;
	}
	notify = decode(&r);
	if (!notify && ike_redirect_init_request(e, &r.in, r.ni, r.ni_len))
		return;
	if (!notify && !dos_admit(e, &r))
		return;
	if (!notify)
		notify = choose(&r, &c, group);
	if (notify) {
		xs_info("IKE_SA_INIT from %s: sending %s",
			ike_ep_addr_format(remote, peer, sizeof(peer)), ike_notify_name(notify));
		notify_stateless(e, &r.in, notify, group,
				 notify == IKE_N_INVALID_KE_PAYLOAD ? sizeof(group) : 0);
		return;
	}
	sa = create(e, &r, &c, pub, &pub_len, &notify);
	if (!sa) {
		notify_stateless(e, &r.in, notify, NULL, 0);
		return;
	}
	if (ike_natd_check(sa, &r.in))
		ike_natd_float(sa);
	ike_pk_note(sa, &r.in);
	ike_frag_note(sa, &r.in);
	ike_redirect_note_init(sa, &r.in);
	sa->peer_req_id = 1;
	sa->expire_ms = e->now_ms + e->params.half_open_timeout_ms;
	ike_sa_set_half_open(sa, true);
	if (respond(sa, &r.in, pub, pub_len))
		ike_sa_kill(sa, "deleted: cannot answer IKE_SA_INIT");
	OPENSSL_cleanse(pub, sizeof(pub));
}

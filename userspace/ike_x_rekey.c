// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Rekeying with CREATE_CHILD_SA, both roles (RFC 7296 1.3.2, 1.3.3, 2.8,
 * 2.18, 2.25).
 *
 * A Child SA (make before break):
 *
 *   CREATE_CHILD_SA { N(REKEY_SA, old in SPI), SA, Ni, [KEi], TSi, TSr }  -->
 *          responder: new inbound and outbound SA in, policies left on the old
 *                          <--  CREATE_CHILD_SA { SA, Nr, [KEr], TSi, TSr }
 *   initiator: new SAs in, policies replaced onto the new outbound SA
 *   ... rekey_delete_delay_ms later (ESP in flight on the old pair) ...
 *   INFORMATIONAL { D(ESP, old in SPI) }  -->
 *          responder: policies onto the new SA (ike_child.c hands them on),
 *          old pair out
 *                          <--  INFORMATIONAL { D(ESP, its old in SPI) }
 *   initiator: old pair out
 *
 * The responder only moves its traffic once the initiator has the new
 * inbound SA for certain (its Delete of the old one, as strongSwan does).
 *
 * Collisions (2.8.1): both ends rekey the same Child SA at once and two new
 * pairs appear.  When the second exchange completes, the one whose lower
 * nonce is the lowest of the four loses; its initiator deletes the pair it
 * made, the winner's initiator deletes the old pair.  A rekey of a Child SA
 * we are deleting is answered CHILD_SA_NOT_FOUND; TEMPORARY_FAILURE makes us
 * try again a little later (2.25).
 *
 * The IKE SA:
 *
 *   CREATE_CHILD_SA { SA(IKE, new SPIi), Ni, KEi }  -->
 *                          <--  CREATE_CHILD_SA { SA(IKE, new SPIr), Nr, KEr }
 *
 * SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) (2.18).  The new IKE SA
 * takes over the Child SAs and queued work; its initiator is whoever started
 * the rekey, and deletes the old one.  While our IKE rekey is outstanding,
 * the peer's Child SA requests are answered TEMPORARY_FAILURE (2.25.2); two
 * IKE rekeys that cross are resolved by nonces like Child SAs (2.8.2).  The
 * loser deletes its redundant SA; when the old SA goes (the winner deletes
 * it), that Delete is sent once more and not waited for, and an old SA the
 * peer deletes before our crossing exchange completed hands its Child SAs
 * to the peer's new SA.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "events.h"
#include "ike_xchg.h"
#include "log.h"

enum {
	RETRY_MIN_MS = 500,		/* after TEMPORARY_FAILURE: 0.5 .. 2.5 s */
	RETRY_SPREAD_MS = 2000,
	REKEY_MAX_RETRIES = 10,
	CROSSED_WAIT_MS = 5000,		/* the peer's losing IKE SA of a collision */
};

static uint64_t retry_ms(struct ike_engine *e)
{
	return e->now_ms + RETRY_MIN_MS + ike_life_jitter_ms(&e->rng, RETRY_SPREAD_MS);
}

/* a < b for nonces: bytes first, then the shorter one. */
static int nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r)
		return r;
	return alen < blen ? -1 : alen > blen;
}

/* The lower nonce of an exchange. */
static void lower_nonce(const uint8_t *x, size_t xlen, const uint8_t *y, size_t ylen,
			const uint8_t **out, size_t *out_len)
{
	bool xl = nonce_cmp(x, xlen, y, ylen) < 0;

	*out = xl ? x : y;
	*out_len = xl ? xlen : ylen;
}

/* Did the exchange with nonces (a) lose against the one with nonces (b)? */
static bool loses(const uint8_t *a1, size_t a1l, const uint8_t *a2, size_t a2l, const uint8_t *b1,
		  size_t b1l, const uint8_t *b2, size_t b2l)
{
	const uint8_t *a, *b;
	size_t al, bl;

	lower_nonce(a1, a1l, a2, a2l, &a, &al);
	lower_nonce(b1, b1l, b2, b2l, &b, &bl);
	return nonce_cmp(a, al, b, bl) < 0;
}

struct ike_child *ike_child_by_uid(struct ike_sa *sa, unsigned int uid)
{
	struct ike_child *c;

	for (c = sa->children; c; c = c->next)
		if (c->uid == uid)
			return c;
	return NULL;
}

/* ---- Child SA: initiator ---- */

static int child_start(struct ike_sa *sa, struct ike_child *old, uint16_t group)
{
	struct ike_pl_notify rekey = { .proto = IKE_PROTO_ESP, .spi_len = IKE_ESP_SPI_LEN,
				       .type = IKE_N_REKEY_SA };
	uint8_t pub[IKE_DH_MAX_PUBLIC_LEN];
	size_t pub_len = sizeof(pub);
	struct ike_builder b;
	struct ike_child *c;
	int ret;

	c = ike_child_offer(sa, old->cfg, group, pub, &pub_len);
	if (!c)
		return -ENOMEM;
	c->replaces = old->uid;
	c->rekey_ours = true;
	ike_put32(rekey.spi, old->spi_in);
	ike_msg_begin(sa, &b, IKE_CREATE_CHILD_SA, NULL);
	ike_build_notify(&b, &rekey);
	ike_nego_build_sa(sa, &b, old->cfg, c->spi_in, true);
	ike_build_nonce(&b, c->nonce, sizeof(c->nonce));
	if (c->dh)
		ike_build_ke(&b, &(struct ike_pl_ke){ .group = group, .data = pub,
						      .len = pub_len });
	/* the selectors the pair has now, not the configured (wider) ones */
	ike_conv_build_ts(&b, IKE_PL_TSI, old->local_ts, old->n_local_ts);
	ike_conv_build_ts(&b, IKE_PL_TSR, old->remote_ts, old->n_remote_ts);
	ret = ike_request_send(sa, &b, IKE_REQ_CHILD, c);
	if (!ret) {
		old->rekey_by = c->uid;
		xs_info("CHILD_SA %s{%u}: rekeying (SPIs %08x in / %08x out)%s", old->name, old->uid,
			old->spi_in, old->spi_out, group ? " with PFS" : "");
		return 0;
	}
	ike_child_remove(sa, c);
	return ret;
}

int ike_rekey_child_start(struct ike_sa *sa, struct ike_child *old)
{
	if (!old || old->state != IKE_CHILD_INSTALLED || old->rekey_by || !old->cfg)
		return 0;	/* gone, deleting or already being rekeyed meanwhile */
	return child_start(sa, old, ike_prop_first_dh(&old->cfg->esp_proposals));
}

int ike_rekey_child_retry_group(struct ike_sa *sa, unsigned int old_uid, uint16_t group)
{
	struct ike_child *old = ike_child_by_uid(sa, old_uid);

	if (!old || old->state != IKE_CHILD_INSTALLED || !old->cfg)
		return 0;
	old->rekey_by = 0;
	return child_start(sa, old, group);
}

void ike_rekey_child_failed(struct ike_sa *sa, struct ike_child *c, uint16_t err)
{
	struct ike_child *old = ike_child_by_uid(sa, c->replaces);
	unsigned int uid = c->uid;

	ike_child_remove(sa, c);
	if (!old)
		return;
	if (old->rekey_by == uid)
		old->rekey_by = 0;
	if (old->state != IKE_CHILD_INSTALLED)
		return;
	if (err == IKE_N_CHILD_SA_NOT_FOUND) {
		/* the peer has no such pair (it deleted it: its Delete is on its way) */
		ike_child_reject(sa, old, "peer reports CHILD_SA_NOT_FOUND for its rekey");
		return;
	}
	if (++old->rekey_retries > REKEY_MAX_RETRIES)
		return;		/* the hard lifetime ends it */
	old->rekey_ms = retry_ms(sa->e);
	xs_info("CHILD_SA %s{%u}: rekey answered %s, retrying in %" PRIu64 " ms", old->name,
		old->uid, ike_notify_name(err), old->rekey_ms - sa->e->now_ms);
}

/* ---- Child SA: responder ---- */

uint16_t ike_rekey_child_find(struct ike_sa *sa, const struct ike_pl_notify *n,
			      struct ike_child **old)
{
	struct ike_child *c;

	if (n->proto != IKE_PROTO_ESP || n->spi_len != IKE_ESP_SPI_LEN)
		return IKE_N_INVALID_SYNTAX;
	if (sa->rekey_new)
		return IKE_N_TEMPORARY_FAILURE;	/* 2.25.2: we are rekeying the IKE SA */
	/* the initiator names its inbound SPI: our outbound one */
	c = ike_child_by_spi_out(sa, ike_get32(n->spi));
	if (!c || c->state == IKE_CHILD_DELETING)
		return IKE_N_CHILD_SA_NOT_FOUND;
	*old = c;
	return 0;
}

/* ---- Child SA: both, once the new pair is in ---- */

/* old retires: REKEYED, deleted by us at when (0: by the peer). */
static void retire(struct ike_child *old, uint64_t when)
{
	if (old->state == IKE_CHILD_INSTALLED || old->state == IKE_CHILD_REKEYED) {
		old->state = IKE_CHILD_REKEYED;
		old->delete_ms = when;
	}
}

static void log_rekeyed(const struct ike_sa *sa, const struct ike_child *old,
			const struct ike_child *c, uint32_t old_in, uint32_t old_out)
{
	const char *who = c->rekey_ours ? "initiated here" : "initiated by the peer";
	struct ike_event ev;

	ike_event_init(&ev, IKE_EV_CHILD_REKEYED, sa, c);
	ev.old_uid = old ? old->uid : c->replaces;
	ev.old_spi_a = old_in;
	ev.old_spi_b = old_out;
	ev.reason = who;
	ike_event(&ev, "CHILD_SA %s{%u} rekeyed to {%u} between %s and %s: SPIs %08x in / %08x "
		  "out -> %08x in / %08x out (%s)", c->name, ev.old_uid, c->uid, sa->our_id_str,
		  sa->peer_id_str, old_in, old_out, c->spi_in, c->spi_out, who);
}

/* Another pair made as a successor of the same old one, completed. */
static struct ike_child *sibling(struct ike_sa *sa, const struct ike_child *c)
{
	struct ike_child *s;

	for (s = sa->children; s; s = s->next)
		if (s != c && s->replaces == c->replaces && s->slot_in >= 0 &&
		    (s->state == IKE_CHILD_INSTALLED || s->state == IKE_CHILD_REKEYED))
			return s;
	return NULL;
}

static void collision(struct ike_sa *sa, struct ike_child *old, struct ike_child *c,
		      struct ike_child *s)
{
	struct ike_engine *e = sa->e;
	struct ike_child *loser, *winner;

	loser = loses(c->nonce, sizeof(c->nonce), c->peer_nonce, c->peer_nonce_len, s->nonce,
		      sizeof(s->nonce), s->peer_nonce, s->peer_nonce_len) ? c : s;
	winner = loser == c ? s : c;
	e->stats.rekey_collisions++;
	xs_info("CHILD_SA %s{%u}: simultaneous rekeys, {%u} (%s) has the lowest nonce and goes",
		c->name, c->replaces, loser->uid, loser->rekey_ours ? "ours" : "the peer's");
	if (loser->rekey_ours) {
		/* we made the redundant pair: we delete it, the peer deletes the old */
		if (old)
			retire(old, 0);
		retire(loser, e->now_ms);
	} else {
		/* the peer deletes its redundant pair, we the old one */
		ike_child_claim_policies(sa, winner);
		retire(loser, 0);
		if (old && !old->delete_ms)
			retire(old, e->now_ms + e->params.rekey_delete_delay_ms);
	}
}

void ike_rekey_child_done(struct ike_sa *sa, struct ike_child *c)
{
	struct ike_engine *e = sa->e;
	struct ike_child *old = ike_child_by_uid(sa, c->replaces);
	struct ike_child *s = sibling(sa, c);

	if (old && old->rekey_by == c->uid)
		old->rekey_by = 0;
	if (s) {
		collision(sa, old, c, s);
		return;
	}
	e->stats.child_sas_rekeyed++;
	log_rekeyed(sa, old, c, old ? old->spi_in : 0, old ? old->spi_out : 0);
	if (c->rekey_ours) {
		/* the peer has the new inbound SA: traffic moves now */
		ike_child_claim_policies(sa, c);
		if (old)
			retire(old, e->now_ms + e->params.rekey_delete_delay_ms);
	} else if (old) {
		retire(old, 0);	/* its Delete hands the policies on */
	}
}

/* ---- IKE SA ---- */

static int sa_keys(struct ike_sa *old, struct ike_sa *ns, const struct ike_pl_ke *ke)
{
	uint8_t gir[IKE_DH_MAX_SHARED_LEN];
	size_t gir_len = sizeof(gir);
	struct ike_kdf_input in;
	int ret;

	ret = ike_dh_shared(ns->dh, ke->data, ke->len, gir, &gir_len);
	if (ret)
		return ret;
	in = (struct ike_kdf_input){
		.ni = ns->ni, .ni_len = ns->ni_len, .nr = ns->nr, .nr_len = ns->nr_len,
		.gir = gir, .gir_len = gir_len, .spi_i = ns->spi_i, .spi_r = ns->spi_r,
	};
	ret = ike_derive_rekeyed_sa_keys(old->suite.prf, &old->keys.d, &ns->suite, &in, &ns->keys);
	OPENSSL_cleanse(gir, sizeof(gir));
	if (!ret)
		ret = ike_sk_init_dir(&ns->sk_out, &ns->suite, &ns->keys, ns->initiator);
	if (!ret)
		ret = ike_sk_init_dir(&ns->sk_in, &ns->suite, &ns->keys, !ns->initiator);
	ike_dh_free(ns->dh);
	ns->dh = NULL;
	ns->have_keys = !ret;
	ike_prop_format(&ns->prop, IKE_PROP_NAMES, ns->prop_str, sizeof(ns->prop_str));
	return ret;
}

/* ns is usable: identities, addresses and NAT state of old. */
static int sa_inherit(struct ike_sa *old, struct ike_sa *ns)
{
	ns->local = old->local;
	ns->remote = old->remote;
	ns->nat_local = old->nat_local;
	ns->nat_remote = old->nat_remote;
	ns->natt = old->natt;
	ns->mobike = old->mobike;
	ns->mobike_mover = old->mobike_mover;	/* who moves survives rekeys, as in strongSwan */
	ns->first_initiator = old->first_initiator;	/* the device, for redirect and reauth */
	ns->peer_redirect_ok = old->peer_redirect_ok;
	memcpy(ns->redirect_ms, old->redirect_ms, sizeof(ns->redirect_ms));
	ns->n_redirects = old->n_redirects;
	ns->frag_ours = old->frag_ours;		/* RFC 7383: negotiated once, for good */
	ns->frag_peer = old->frag_peer;
	ns->frag_send = old->frag_send;
	ns->last_rx_ms = old->last_rx_ms;
	if (ike_sa_set_id(ns, true, old->peer_id_type, old->peer_id, old->peer_id_len) ||
	    ike_sa_set_id(ns, false, old->our_id_type, old->our_id, old->our_id_len))
		return -ENOMEM;
	ns->state = IKE_SA_ESTABLISHED;
	ns->established_ms = ns->last_in_ms = old->e->now_ms;
	ike_life_sa_established(ns);
	return 0;
}

static uint64_t spi64(const uint8_t *spi)
{
	return (uint64_t)ike_get32(spi) << 32 | ike_get32(spi + 4);
}

/* The Child SAs and queued work of old go to ns; old waits for its Delete. */
static void sa_adopt(struct ike_sa *old, struct ike_sa *ns)
{
	char a[IKE_SA_NAME_MAX + 16], b[IKE_SA_NAME_MAX + 16];
	struct ike_child **tail;
	unsigned int i;
	struct ike_event ev;

	for (tail = &ns->children; *tail; tail = &(*tail)->next)
		;
	*tail = old->children;
	old->children = NULL;
	for (i = 0; i < old->n_tasks; i++)
		if (old->tasks[i].kind != IKE_TASK_DELETE && old->tasks[i].kind != IKE_TASK_DPD &&
		    old->tasks[i].kind != IKE_TASK_REKEY_IKE && ns->n_tasks < IKE_SA_MAX_TASKS)
			ns->tasks[ns->n_tasks++] = old->tasks[i];
	old->n_tasks = 0;
	old->rekeyed = true;
	old->rekeyed_ms = old->e->now_ms;
	old->rekey_ms = old->hard_ms = 0;
	if (old->rekey_new == ns)
		old->rekey_new = NULL;
	ns->rekey_old = NULL;
	old->e->stats.ike_sas_rekeyed++;
	ike_event_init(&ev, IKE_EV_REKEYED, ns, NULL);
	ev.old_uid = old->uid;
	ev.old_spi_a = spi64(old->spi_i);
	ev.old_spi_b = spi64(old->spi_r);
	ev.reason = ns->initiator ? "initiated here" : "initiated by the peer";
	ike_event(&ev, "IKE_SA %s rekeyed to %s between %s and %s: SPIs %016" PRIx64 "_i %016"
		  PRIx64 "_r -> %016" PRIx64 "_i %016" PRIx64 "_r (%s)",
		  ike_sa_name(old, a, sizeof(a)), ike_sa_name(ns, b, sizeof(b)), old->our_id_str,
		  old->peer_id_str, ev.old_spi_a, ev.old_spi_b, ev.ike_spi_i, ev.ike_spi_r,
		  ev.reason);
}

int ike_rekey_ike_start(struct ike_sa *sa)
{
	const struct ike_prop_list *l = &sa->conn->proposals;
	uint16_t group = sa->dh_group;
	uint8_t pub[IKE_DH_MAX_PUBLIC_LEN];
	size_t pub_len = sizeof(pub);
	struct ike_builder b;
	struct ike_sa *ns;
	int ret = -ENOMEM;

	if (sa->state != IKE_SA_ESTABLISHED || sa->rekeyed || sa->rekey_new)
		return 0;
	if (!group || !ike_prop_list_has(l, IKE_TRANS_DH, group))
		group = ike_prop_first_dh(l);
	ns = ike_sa_new(sa->e, sa->conn, true, &sa->local, &sa->remote);
	if (!ns)
		return -ENOMEM;
	ns->dh_group = group;
	ns->ni_len = IKE_NONCE_LEN;
	ns->dh = ike_dh_new(group);
	if (!ns->dh || ike_dh_public(ns->dh, pub, &pub_len) || ike_random(ns->ni, ns->ni_len))
		goto fail;
	ike_msg_begin(sa, &b, IKE_CREATE_CHILD_SA, NULL);
	ike_conv_build_sa(&b, l->v, l->n < IKE_PL_MAX_PROPOSALS ? l->n : IKE_PL_MAX_PROPOSALS,
			  true, ns->spi_i, IKE_SPI_LEN, false);
	ike_build_nonce(&b, ns->ni, ns->ni_len);
	ike_build_ke(&b, &(struct ike_pl_ke){ .group = group, .data = pub, .len = pub_len });
	ret = ike_request_send(sa, &b, IKE_REQ_REKEY_IKE, NULL);
	if (ret)
		goto fail;
	sa->rekey_new = ns;
	ns->rekey_old = sa;
	return 0;
fail:
	ike_sa_kill(ns, NULL);
	return ret;
}

/* The peer's new IKE SA that crossed ours (2.8.2), if any. */
static struct ike_sa *crossed(struct ike_sa *old, struct ike_sa *ours)
{
	struct ike_sa *s;

	for (s = old->e->sas; s; s = s->next)
		if (s != ours && s->rekey_old == old && s->state == IKE_SA_ESTABLISHED)
			return s;
	return NULL;
}

static void ike_collision(struct ike_sa *old, struct ike_sa *ours, struct ike_sa *theirs)
{
	char name[IKE_SA_NAME_MAX + 16];
	bool we_lose = loses(ours->ni, ours->ni_len, ours->nr, ours->nr_len, theirs->ni,
			     theirs->ni_len, theirs->nr, theirs->nr_len);

	old->e->stats.rekey_collisions++;
	xs_info("IKE_SA %s: simultaneous rekeys, %s has the lowest nonce and goes",
		ike_sa_name(old, name, sizeof(name)), we_lose ? "ours" : "the peer's");
	ours->rekey_old = theirs->rekey_old = NULL;
	if (we_lose) {
		sa_adopt(old, theirs);		/* the peer deletes the old one */
		ours->rekeyed = true;		/* redundant: we delete it */
		ours->rekeyed_ms = old->e->now_ms;
		ike_info_delete_start(ours);
		ours->rekey_old = old;		/* its end ends the wait (redundant_last_call) */
	} else {
		sa_adopt(old, ours);
		theirs->rekeyed = true;		/* the peer deletes it */
		theirs->rekeyed_ms = old->e->now_ms;
		/*
		 * ... once its own exchange completes, soon.  A peer whose answer
		 * is still on its way when our Delete of the old SA arrives never
		 * completes it and sends no Delete (strongSwan drops its half).
		 */
		theirs->rekeyed_wait_ms = CROSSED_WAIT_MS;
		ike_info_delete_start(old);
	}
}

static void ike_rekey_failed(struct ike_sa *sa, struct ike_sa *ns, const char *why)
{
	char name[IKE_SA_NAME_MAX + 16];

	sa->rekey_new = NULL;
	ike_sa_kill(ns, NULL);
	if (++sa->rekey_retries <= REKEY_MAX_RETRIES)
		sa->rekey_ms = retry_ms(sa->e);
	xs_info("IKE_SA %s: rekey failed: %s", ike_sa_name(sa, name, sizeof(name)), why);
}

void ike_rekey_ike_response(struct ike_sa *sa, const struct ike_in *in)
{
	struct ike_sa *ns = sa->rekey_new, *theirs;
	struct ike_pl_notify n;
	struct ike_pl_ke ke;
	uint16_t err = ike_in_error(in), group;

	if (!ns)
		return;
	if (err == IKE_N_INVALID_KE_PAYLOAD && ike_in_notify(in, IKE_N_INVALID_KE_PAYLOAD, &n) &&
	    n.len == 2) {
		group = ike_get16(n.data);
		sa->rekey_new = NULL;
		ike_sa_kill(ns, NULL);
		if (group != sa->dh_group && ike_dh_supported(group) &&
		    ike_prop_list_has(&sa->conn->proposals, IKE_TRANS_DH, group)) {
			sa->dh_group = group;
			ike_rekey_ike_start(sa);
		}
		return;
	}
	if (err) {
		ike_rekey_failed(sa, ns, ike_notify_name(err));
		return;
	}
	if (ike_read_ike_sa_reply(sa->conn, ns, in, true, &ke) || sa_keys(sa, ns, &ke) ||
	    sa_inherit(sa, ns)) {
		ike_rekey_failed(sa, ns, "unacceptable response");
		return;
	}
	theirs = crossed(sa, ns);
	if (theirs) {
		ike_collision(sa, ns, theirs);
		return;
	}
	sa_adopt(sa, ns);
	ike_info_delete_start(sa);
}

/* Is in a CREATE_CHILD_SA rekeying the IKE SA (an SA payload for protocol IKE)? */
bool ike_rekey_is_ike(const struct ike_in *in)
{
	int i = ike_in_find(in, IKE_PL_SA);

	/* proposal substructure: protocol ID at offset 5 */
	return i >= 0 && in->chain.pl[i].len > 5 && in->chain.pl[i].body[5] == IKE_PROTO_IKE;
}

/* The chosen proposal and the peer's KE and nonce; else the notify (data: group). */
static uint16_t ike_choose(struct ike_sa *sa, const struct ike_in *in, struct ike_prop_chosen *c,
			   struct ike_pl_ke *ke, const struct ike_payload **ni, uint8_t group[2])
{
	static struct ike_pl_sa pl;
	static struct ike_proposal peer[IKE_PL_MAX_PROPOSALS];
	int i_sa = ike_in_find(in, IKE_PL_SA), i_ke = ike_in_find(in, IKE_PL_KE);
	int i_n = ike_in_find(in, IKE_PL_NONCE);
	unsigned int n;
	uint16_t want;

	if (i_sa < 0 || i_ke < 0 || i_n < 0 ||
	    ike_pl_sa_decode(in->chain.pl[i_sa].body, in->chain.pl[i_sa].len, &pl) ||
	    ike_pl_ke_decode(in->chain.pl[i_ke].body, in->chain.pl[i_ke].len, ke) ||
	    ike_pl_nonce_check(in->chain.pl[i_n].len))
		return IKE_N_INVALID_SYNTAX;
	*ni = &in->chain.pl[i_n];
	n = ike_conv_proposals(&pl, peer, IKE_PL_MAX_PROPOSALS);
	if (ike_prop_select(&sa->conn->proposals, peer, n, 0, c) ||
	    c->prop.spi_size != IKE_SPI_LEN)
		return IKE_N_NO_PROPOSAL_CHOSEN;
	if (ike_dh_supported(ke->group) &&
	    ike_prop_accept_ke(&sa->conn->proposals, peer, n, c, ke->group))
		return 0;
	want = ike_prop_retry_group(c);
	if (want == IKE_DH_NONE)
		return IKE_N_NO_PROPOSAL_CHOSEN;
	ike_put16(group, want);
	return IKE_N_INVALID_KE_PAYLOAD;
}

static uint16_t ike_refuse(const struct ike_sa *sa)
{
	if (sa->state != IKE_SA_ESTABLISHED || sa->rekeyed)
		return IKE_N_TEMPORARY_FAILURE;
	if (sa->req.kind == IKE_REQ_CHILD || sa->req.kind == IKE_REQ_DELETE_IKE)
		return IKE_N_TEMPORARY_FAILURE;		/* 2.25.2 */
	return 0;
}

static struct ike_sa *ike_create(struct ike_sa *sa, const struct ike_in *in,
				 const struct ike_prop_chosen *c, const struct ike_pl_ke *ke,
				 const struct ike_payload *ni, uint8_t *pub, size_t *pub_len)
{
	struct ike_sa *ns = ike_sa_new(sa->e, sa->conn, false, &sa->local, &sa->remote);

	if (!ns)
		return NULL;
	memcpy(ns->spi_i, c->prop.spi, IKE_SPI_LEN);
	ns->prop = c->prop;
	ike_conv_suite(&c->prop, &ns->suite);
	ns->dh_group = ke->group;
	memcpy(ns->ni, ni->body, ni->len);
	ns->ni_len = ni->len;
	ns->nr_len = IKE_NONCE_LEN;
	ns->dh = ike_dh_new(ns->dh_group);
	if (!ns->dh || ike_random(ns->nr, ns->nr_len) || ike_suite_check(&ns->suite, true) ||
	    ike_dh_public(ns->dh, pub, pub_len) || sa_keys(sa, ns, ke) || sa_inherit(sa, ns)) {
		ike_sa_kill(ns, NULL);
		return NULL;
	}
	(void)in;
	return ns;
}

void ike_rekey_ike_request(struct ike_sa *sa, const struct ike_in *in)
{
	uint8_t pub[IKE_DH_MAX_PUBLIC_LEN], group[2];
	size_t pub_len = sizeof(pub);
	const struct ike_payload *ni = NULL;
	struct ike_prop_chosen c;
	struct ike_builder b;
	struct ike_pl_ke ke;
	struct ike_sa *ns;
	uint16_t notify = ike_refuse(sa);

	if (!notify)
		notify = ike_choose(sa, in, &c, &ke, &ni, group);
	if (notify == IKE_N_INVALID_KE_PAYLOAD) {
		ike_response_notify(sa, in, notify, group, sizeof(group));
		return;
	}
	ns = notify ? NULL : ike_create(sa, in, &c, &ke, ni, pub, &pub_len);
	if (!ns) {
		ike_response_notify(sa, in, notify ? notify : IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	ike_msg_begin(sa, &b, IKE_CREATE_CHILD_SA, in);
	ike_conv_build_sa(&b, &ns->prop, 1, false, ns->spi_r, IKE_SPI_LEN, false);
	ike_build_nonce(&b, ns->nr, ns->nr_len);
	ike_build_ke(&b, &(struct ike_pl_ke){ .group = ns->dh_group, .data = pub, .len = pub_len });
	if (ike_response_send(sa, &b, in)) {
		ike_sa_kill(ns, NULL);
		return;
	}
	if (sa->rekey_new) {
		ns->rekey_old = sa;	/* ours crossed it: decided when ours completes */
		return;
	}
	sa_adopt(sa, ns);	/* the peer deletes the old one */
}

/*
 * sa goes while the peer's rekey of it crossed ours and ours is still out:
 * a peer deletes the old SA only once it concluded that its new one won
 * (2.8.2), so the Child SAs go there rather than down with sa.
 */
static void crossed_takes_over(struct ike_sa *sa)
{
	char a[IKE_SA_NAME_MAX + 16], b[IKE_SA_NAME_MAX + 16];
	struct ike_sa *theirs;

	if (sa->rekeyed || sa->state != IKE_SA_ESTABLISHED)
		return;
	theirs = crossed(sa, sa->rekey_new);
	if (!theirs)
		return;
	xs_info("IKE_SA %s goes before our crossing rekey completed: the peer's IKE_SA %s "
		"takes over", ike_sa_name(sa, a, sizeof(a)), ike_sa_name(theirs, b, sizeof(b)));
	sa_adopt(sa, theirs);
}

/*
 * s, our redundant SA of a lost collision (2.8.2), waits for the answer to
 * its Delete, and the old SA went.  A strongSwan peer knows s only once
 * its own crossing exchange completed (before that our Delete is dropped),
 * and it deletes the old SA only then: so it answers this Delete now, or
 * it dropped s and never will.  Sent once more, not waited for.
 */
static void redundant_last_call(struct ike_sa *s)
{
	if (s->state != IKE_SA_DELETING || !s->rekeyed || s->req.kind != IKE_REQ_DELETE_IKE)
		return;
	ike_sa_send(s, &s->local, &s->remote, s->req.buf, s->req.len);
	s->e->stats.retransmits++;
	ike_sa_kill(s, "deleted: redundant after the rekey collision, its old IKE_SA is gone");
}

void ike_rekey_sa_gone(struct ike_sa *sa)
{
	struct ike_sa *s;

	crossed_takes_over(sa);
	if (sa->rekey_new && sa->rekey_new->state == IKE_SA_CONNECTING)
		ike_sa_kill(sa->rekey_new, NULL);
	sa->rekey_new = NULL;
	if (sa->rekey_old && sa->rekey_old->rekey_new == sa)
		sa->rekey_old->rekey_new = NULL;
	sa->rekey_old = NULL;
	for (s = sa->e->sas; s; s = s->next) {
		if (s->rekey_old != sa)
			continue;
		s->rekey_old = NULL;
		redundant_last_call(s);
	}
}

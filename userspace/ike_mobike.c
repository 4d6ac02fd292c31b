// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * MOBIKE (RFC 4555): an IKE SA and its Child SAs move to a new address of
 * the original initiator's without a rekey.
 *
 *   IKE_AUTH, both ways     N(MOBIKE_SUPPORTED) N(NO_ADDITIONAL_ADDRESSES)
 *   the device moved        INFORMATIONAL { N(UPDATE_SA_ADDRESSES),
 *     (new source)            N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP),
 *                             N(COOKIE2) }  -->
 *                      <--  INFORMATIONAL { NAT-D for the new path, N(COOKIE2) echoed }
 *
 * Only the original initiator moves an SA (RFC 4555 3.11), also after
 * IKE SA rekeys the responder started (as strongSwan keeps it); the responder
 * follows to where the update came from, redoes NAT detection for that
 * path and moves every Child SA in the data plane.  We announce no
 * additional addresses (a gateway's peers come to it), and the peer's are
 * noted but not used: switching to one would need a path check first.
 * With MOBIKE the initiator goes to the NAT-T ports after IKE_SA_INIT
 * even without a NAT (RFC 4555 3.5), so that a NAT on a later path needs
 * no port change.
 *
 * Behind a NAT the initiator's liveness checks carry NAT-D too (RFC 4555
 * 3.10): the peer's NAT_DETECTION_DESTINATION_IP in the answer is how it
 * sees us; when that changed (the NAT rebound), an update follows, as
 * the peer no longer moves on its own.
 *
 * The daemon says when the host's addresses or routes changed
 * (ike_engine_addresses_changed); an SA whose source address towards its
 * peer is now another moves there.  With no route at all it stays as it
 * is until the next change (DPD and retransmission limits still apply).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_xchg.h"
#include "log.h"
#include "selector.h"

enum {
	NO_NATS_V4_LEN = 4 + 4 + 2 + 2,		/* source, destination address and port */
	NO_NATS_V6_LEN = 16 + 16 + 2 + 2,
	COOKIE2_MIN = 8, COOKIE2_MAX = 64,	/* RFC 4555 4.6.1 */
};

/* ---- IKE_AUTH ---- */

int ike_mobike_build_auth(struct ike_sa *sa, struct ike_builder *b)
{
	if (!sa->conn || !sa->conn->mobike || (!sa->initiator && !sa->mobike))
		return 0;
	ike_build_notify_simple(b, IKE_N_MOBIKE_SUPPORTED, NULL, 0);
	return ike_build_notify_simple(b, IKE_N_NO_ADDITIONAL_ADDRESSES, NULL, 0);
}

/* How many ADDITIONAL_IP4/IP6_ADDRESS notifies in carries. */
static unsigned int count_additional(const struct ike_in *in)
{
	struct ike_pl_notify n;
	unsigned int i, count = 0;

	for (i = 0; i < in->chain.n; i++) {
		const struct ike_payload *p = &in->chain.pl[i];

		if (p->type == IKE_PL_NOTIFY && !ike_pl_notify_decode(p->body, p->len, &n) &&
		    (n.type == IKE_N_ADDITIONAL_IP4_ADDRESS ||
		     n.type == IKE_N_ADDITIONAL_IP6_ADDRESS))
			count++;
	}
	return count;
}

void ike_mobike_note_auth(struct ike_sa *sa, const struct ike_in *in)
{
	char name[IKE_SA_NAME_MAX + 16];
	struct ike_pl_notify n;
	unsigned int extra;

	sa->mobike = sa->conn && sa->conn->mobike &&
		     ike_in_notify(in, IKE_N_MOBIKE_SUPPORTED, &n);
	if (!sa->mobike)
		return;
	sa->mobike_mover = sa->initiator;
	/* the initiator went to the NAT-T ports for MOBIKE (RFC 4555 3.5): follow */
	if (!sa->initiator && ike_ep_addr_equal(&sa->remote, &in->remote)) {
		sa->remote.port = in->remote.port;
		sa->local.port = in->local.port;
	}
	extra = count_additional(in);
	xs_debug("IKE_SA %s: MOBIKE on, peer lists %u additional address(es)%s",
		 ike_sa_name(sa, name, sizeof(name)), extra, extra ? " (not used)" : "");
}

void ike_mobike_float(struct ike_sa *sa)
{
	const struct ike_engine_params *p = &sa->e->params;

	if (!sa->initiator || !sa->conn || !sa->conn->mobike || sa->state != IKE_SA_CONNECTING)
		return;
	if (sa->local.port == p->port)
		sa->local.port = p->natt_port;
	if (sa->remote.port == IKE_PORT)
		sa->remote.port = IKE_NATT_PORT;
}

/* ---- responder ---- */

/*
 * RFC 4555 3.9: N(NO_NATS_ALLOWED) holds the addresses and ports the
 * initiator sent from and to; any other ones on arrival mean a NAT.
 */
static bool nats_refused(const struct ike_in *in, const struct ike_pl_notify *n)
{
	uint8_t want[NO_NATS_V6_LEN];
	size_t alen = in->remote.family == XS_AF_INET ? 4 : 16;

	memcpy(want, in->remote.addr, alen);
	memcpy(want + alen, in->local.addr, alen);
	ike_put16(want + 2 * alen, in->remote.port);
	ike_put16(want + 2 * alen + 2, in->local.port);
	return memcmp(want, n->data, n->len) != 0;
}

/* Are in's COOKIE2 and NO_NATS_ALLOWED, if there, of the lengths RFC 4555 gives them? */
static bool well_formed(const struct ike_in *in)
{
	size_t alen = in->remote.family == XS_AF_INET ? 4 : 16;
	struct ike_pl_notify n;

	if (ike_in_notify(in, IKE_N_COOKIE2, &n) && (n.len < COOKIE2_MIN || n.len > COOKIE2_MAX))
		return false;
	return !ike_in_notify(in, IKE_N_NO_NATS_ALLOWED, &n) ||
	       n.len == (alen == 4 ? NO_NATS_V4_LEN : NO_NATS_V6_LEN);
}

/* To where the update came from, NAT-T and the data plane as that path needs. */
static void follow(struct ike_sa *sa, const struct ike_in *in)
{
	struct ike_endpoint was_local = sa->local, was_remote = sa->remote;

	sa->local = in->local;
	sa->remote = in->remote;
	if (ike_natd_check(sa, in))
		sa->natt = sa->nat_local || sa->nat_remote || sa->conn->encap;
	ike_child_update_addrs(sa);
	sa->e->timers_stale = true;	/* keepalives start or stop */
	if (!ike_ep_equal(&was_local, &sa->local) || !ike_ep_equal(&was_remote, &sa->remote))
		ike_natd_moved_event(sa, &was_local, &was_remote, "MOBIKE update");
}

bool ike_mobike_request(struct ike_sa *sa, const struct ike_in *in)
{
	char name[IKE_SA_NAME_MAX + 16];
	struct ike_pl_notify n, cookie2;
	bool update = ike_in_notify(in, IKE_N_UPDATE_SA_ADDRESSES, &n);
	bool has_cookie2 = ike_in_notify(in, IKE_N_COOKIE2, &cookie2);
	struct ike_builder b;

	if (!sa->mobike || ike_in_find(in, IKE_PL_DELETE) >= 0 ||
	    (!update && !has_cookie2 && !ike_in_notify(in, IKE_N_NAT_DETECTION_SOURCE_IP, &n)))
		return false;
	ike_sa_name(sa, name, sizeof(name));
	if (!well_formed(in)) {
		xs_warn("IKE_SA %s: MOBIKE request with a malformed COOKIE2 or NO_NATS_ALLOWED",
			name);
		sa->e->stats.invalid_messages++;
		ike_response_notify(sa, in, IKE_N_INVALID_SYNTAX, NULL, 0);
		return true;
	}
	if (update && ike_in_notify(in, IKE_N_NO_NATS_ALLOWED, &n) && nats_refused(in, &n)) {
		xs_info("IKE_SA %s: MOBIKE update refused: NO_NATS_ALLOWED and a NAT", name);
		ike_response_notify(sa, in, IKE_N_UNEXPECTED_NAT_DETECTED, NULL, 0);
		return true;
	}
	if (update && sa->mobike_mover)
		xs_info("IKE_SA %s: UPDATE_SA_ADDRESSES ignored: we are the initiator", name);
	else if (update)
		follow(sa, in);
	ike_msg_begin(sa, &b, IKE_INFORMATIONAL, in);
	ike_natd_build_eps(sa, &b, &in->local, &in->remote);
	if (has_cookie2)
		ike_build_notify_simple(&b, IKE_N_COOKIE2, cookie2.data, cookie2.len);
	ike_response_send(sa, &b, in);
	return true;
}

/* ---- initiator ---- */

int ike_mobike_update_start(struct ike_sa *sa)
{
	struct ike_builder b;

	if (ike_random(sa->mobike_cookie2, sizeof(sa->mobike_cookie2)))
		return -EIO;
	sa->mobike_sent = sa->local;
	ike_msg_begin(sa, &b, IKE_INFORMATIONAL, NULL);
	ike_build_notify_simple(&b, IKE_N_UPDATE_SA_ADDRESSES, NULL, 0);
	ike_natd_build(sa, &b);
	ike_build_notify_simple(&b, IKE_N_COOKIE2, sa->mobike_cookie2,
				sizeof(sa->mobike_cookie2));
	return ike_request_send(sa, &b, IKE_REQ_MOBIKE, NULL);
}

/* Our update, unless one is queued or on its way (its answer sends the next). */
static void update_due(struct ike_sa *sa)
{
	unsigned int i;

	if (sa->req.kind == IKE_REQ_MOBIKE)
		return;
	for (i = 0; i < sa->n_tasks; i++)
		if (sa->tasks[i].kind == IKE_TASK_MOBIKE)
			return;
	if (sa->req.kind == IKE_REQ_NONE)
		ike_mobike_update_start(sa);
	else
		ike_sa_queue(sa, IKE_TASK_MOBIKE, NULL);
}

static bool cookie2_echoed(const struct ike_sa *sa, const struct ike_in *in)
{
	struct ike_pl_notify n;

	if (!ike_in_notify(in, IKE_N_COOKIE2, &n))
		return false;
	return n.len == sizeof(sa->mobike_cookie2) &&
	       !CRYPTO_memcmp(n.data, sa->mobike_cookie2, n.len);
}

/* Notes how the peer saw us (its NAT-D destination hash); true if that changed. */
static bool mapping_changed(struct ike_sa *sa, const struct ike_in *in)
{
	struct ike_pl_notify n;
	bool changed;

	if (!ike_in_notify(in, IKE_N_NAT_DETECTION_DESTINATION_IP, &n) ||
	    n.len != IKE_NATD_HASH_LEN)
		return false;
	changed = !sa->mobike_mapped || memcmp(sa->mobike_mapping, n.data, n.len);
	memcpy(sa->mobike_mapping, n.data, n.len);
	sa->mobike_mapped = true;
	return changed;
}

int ike_mobike_build_dpd(struct ike_sa *sa, struct ike_builder *b)
{
	if (!sa->mobike || !sa->mobike_mover || !sa->nat_local)
		return 0;
	return ike_natd_build(sa, b);
}

void ike_mobike_dpd_response(struct ike_sa *sa, const struct ike_in *in)
{
	char name[IKE_SA_NAME_MAX + 16];
	bool first = !sa->mobike_mapped;

	if (!sa->mobike || !sa->mobike_mover || !sa->nat_local || !mapping_changed(sa, in))
		return;
	/* the first answer: an update too, as the NAT may have rebound before it */
	if (!first)
		xs_info("IKE_SA %s: the peer sees us at a new address or port, updating (MOBIKE)",
			ike_sa_name(sa, name, sizeof(name)));
	if (!sa->mobike_moving)
		sa->mobike_from = sa->local;
	sa->mobike_moving = true;
	update_due(sa);
}

void ike_mobike_update_response(struct ike_sa *sa, const struct ike_in *in)
{
	char name[IKE_SA_NAME_MAX + 16];
	uint16_t err = ike_in_error(in);

	ike_sa_name(sa, name, sizeof(name));
	if (err || !cookie2_echoed(sa, in)) {
		xs_warn("IKE_SA %s: MOBIKE update not accepted: %s", name,
			err ? ike_notify_name(err) : "COOKIE2 not echoed");
		return;
	}
	if (!ike_ep_equal(&sa->local, &sa->mobike_sent)) {
		update_due(sa);		/* we moved again meanwhile */
		return;
	}
	mapping_changed(sa, in);
	if (ike_natd_check(sa, in))
		sa->natt = sa->nat_local || sa->nat_remote || sa->conn->encap;
	ike_child_update_addrs(sa);
	sa->e->timers_stale = true;
	sa->mobike_moving = false;
	if (!ike_ep_equal(&sa->mobike_from, &sa->local))
		ike_natd_moved_event(sa, &sa->mobike_from, &sa->remote, "MOBIKE update");
}

/* May conn have sa on this address of ours? */
static bool local_allowed(const struct ike_sa *sa, const struct ike_endpoint *src)
{
	struct dp_addr a;

	ike_ep_to_dp(src, &a);
	return !sa->conn->n_local_addrs ||
	       ike_cfg_addr_match(sa->conn->local_addrs, sa->conn->n_local_addrs, &a);
}

static void roam(struct ike_sa *sa)
{
	struct ike_engine *e = sa->e;
	char name[IKE_SA_NAME_MAX + 16], l[ADDR_STR_MAX], r[ADDR_STR_MAX];
	struct ike_endpoint src;
	int ret = e->ops.source_for(e->ctx, &sa->remote, &src);

	ike_sa_name(sa, name, sizeof(name));
	if (ret) {
		xs_info("IKE_SA %s: no route to %s, waiting for an address", name,
			ike_ep_addr_format(&sa->remote, r, sizeof(r)));
		return;
	}
	if (src.family != sa->local.family || ike_ep_addr_equal(&src, &sa->local))
		return;
	if (!local_allowed(sa, &src)) {
		xs_info("IKE_SA %s: new source %s is not in local_addrs", name,
			ike_ep_addr_format(&src, l, sizeof(l)));
		return;
	}
	if (!sa->mobike_moving)
		sa->mobike_from = sa->local;
	sa->mobike_moving = true;
	memcpy(sa->local.addr, src.addr, sizeof(sa->local.addr));
	xs_info("IKE_SA %s: now at %s, updating %s (MOBIKE)", name,
		ike_ep_addr_format(&sa->local, l, sizeof(l)),
		ike_ep_addr_format(&sa->remote, r, sizeof(r)));
	update_due(sa);
}

void ike_engine_addresses_changed(struct ike_engine *e, uint64_t now_ms)
{
	struct ike_sa *s;

	e->now_ms = now_ms;
	e->timers_stale = true;
	if (!e->ops.source_for)
		return;
	for (s = e->sas; s; s = s->next)
		if (s->state == IKE_SA_ESTABLISHED && s->mobike && s->mobike_mover && !s->rekeyed)
			roam(s);
	ike_sa_reap(e);
}

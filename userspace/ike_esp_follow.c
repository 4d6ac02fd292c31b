// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Following a peer's NAT rebinding seen first in ESP, as strongSwan does on
 * XFRM_MSG_MAPPING.  A device behind a NAT that sends ESP and keepalives but
 * no IKE message for hours would otherwise get our return traffic at its
 * dead mapping until its next IKE message (ike_natd_track).
 *
 * The data plane notes the outer source of authenticated inbound ESP when it
 * is not the SA's recorded peer (sa_seen.h, dp_sa_info.seen_*); the counter
 * poll (ike_lifetime.c, every dp_poll_ms) hands each Child SA's report here.
 * It reads list_sas for this only when the data plane's seen_total moved
 * (or a report waits for our request window), not every second for a
 * gateway with many SAs and nothing new.
 * ESP is not enough to move on (RFC 7296 2.23 moves on authenticated IKE
 * messages; ESP can be replayed from anywhere), so:
 *
 *   device (NAT :4500 -> :40012)              gw (us, IKE at the device's :4500)
 *   ESP from :40012               -->         noted by the data plane, polled
 *                                 <--         INFORMATIONAL { [NAT-D] } to :40012,
 *                                             PROBE_SENDS times
 *   INFORMATIONAL { }             -->         from :40012: ike_natd_track moves the
 *                                             IKE SA and its Child SAs ("ESP from
 *                                             new mapping"), same SPIs
 *   no answer by then: the same request goes on to :4500 as the ordinary
 *   retransmissions of a liveness check; nothing moves.
 *
 * Only the side not behind a NAT follows, as in ike_natd.c.  With MOBIKE
 * only the original initiator moves the SA to another address (RFC 4555
 * 3.8), so only a new port of the same address is checked (NAT rebinding);
 * the NAT-D payloads describe the probed path, as in a MOBIKE path check.
 * A report is acted on once (its count, dp_sa_info.seen_changes).  A check
 * that went unanswered (all its sends or their answers lost while the
 * device really is there) is repeated after RECHECK_FIRST_MS, then twice as
 * long each time up to RECHECK_MAX_MS, at most RECHECKS_MAX times, and only
 * while the Child SA that reported it still gets ESP from there: its
 * inbound SA's last noted source is still that one and its packet count
 * moved since the last check ended (get_sa, one SA; ESP still arriving
 * from the old mapping moves it too, which costs one more check, never a
 * move).  ESP that stopped, a source that changed again (a new report, a
 * new check), a move or the Child SA's rekey end it.  A request of ours
 * that is out already (a DPD, a Child SA rekey) becomes the check: its
 * retransmissions go to the new endpoint for the check's window (the
 * window size is 1: no second request can go); its retransmission count is
 * not touched, so a peer gone everywhere still times out.
 *
 * Operators see each inbound SA's count of new sources and the last one in
 * `xdpsecctl sa list` (src_changes, new_src) and on the metrics page
 * (xdpsec_sa_esp_source_changes_total).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ike_xchg.h"
#include "log.h"
#include "selector.h"

enum {
	PROBE_SENDS = 3,		/* to the new endpoint, every retransmit_base_ms / 2 */
	RECHECK_FIRST_MS = 2000,	/* an unanswered check, again after 2 s, 4 s, ... */
	RECHECK_MAX_MS = 32000,
	RECHECKS_MAX = 5,		/* ... 32 s: the last one about a minute later */
};

static uint64_t probe_interval(const struct ike_engine *e)
{
	return e->params.retransmit_base_ms / 2 ? e->params.retransmit_base_ms / 2 : 1;
}

/* Is our outstanding request the check to esp_probe_to, still in its window? */
static bool probing(const struct ike_sa *sa)
{
	return sa->esp_probe_next_ms && sa->req.kind != IKE_REQ_NONE &&
	       sa->req.msg_id == sa->esp_probe_msg_id;
}

/*
 * Our outstanding request can be the check (any answer from there moves
 * us), except an IKE rekey's: the new IKE SA took our endpoints when the
 * request went out, so that one waits for a later poll.
 */
static bool request_redirectable(const struct ike_sa *sa)
{
	return sa->req.kind != IKE_REQ_REKEY_IKE;
}

bool ike_esp_follow_wanted(const struct ike_sa *sa)
{
	return sa->state == IKE_SA_ESTABLISHED && !sa->rekeyed && sa->natt && sa->nat_remote &&
	       !sa->nat_local;
}

bool ike_esp_follow_news(struct ike_engine *e)
{
	if (!e->dp->ops->seen_total)
		return true;
	e->esp_seen_snap = e->dp->ops->seen_total(e->dp);	/* before list_sas reads */
	return e->esp_follow_deferred || e->esp_seen_snap != e->esp_seen_total;
}

void ike_esp_follow_polled(struct ike_engine *e)
{
	if (!e->esp_follow_deferred)
		e->esp_seen_total = e->esp_seen_snap;
	e->esp_follow_deferred = false;
}

bool ike_esp_follow_answered(const struct ike_sa *sa, const struct ike_in *in)
{
	return (in->hdr->flags & IKE_FLAG_RESPONSE) && sa->esp_probe_to.family &&
	       sa->req.kind != IKE_REQ_NONE && in->hdr->msg_id == sa->esp_probe_msg_id &&
	       ike_ep_equal(&in->remote, &sa->esp_probe_to);
}

/* The next send to the new endpoint; the retransmission to sa->remote waits for the end. */
static void schedule(struct ike_sa *sa)
{
	uint64_t step = probe_interval(sa->e);

	sa->esp_probe_next_ms = sa->e->now_ms + step;
	sa->req.next_ms = sa->e->now_ms + (PROBE_SENDS - sa->esp_probe_sent + 1) * step;
}

static void send_probe(struct ike_sa *sa)
{
	ike_sa_send(sa, &sa->local, &sa->esp_probe_to, sa->req.buf, sa->req.len);
	sa->esp_probe_sent++;
	schedule(sa);
}

/* Our next request, INFORMATIONAL { [NAT-D for the probed path] }, to esp_probe_to only. */
static int probe_request(struct ike_sa *sa)
{
	struct ike_endpoint remote = sa->remote;
	struct ike_builder b;
	int ret;

	ike_msg_begin(sa, &b, IKE_INFORMATIONAL, NULL);
	if (sa->mobike)
		ike_natd_build_eps(sa, &b, &sa->local, &sa->esp_probe_to);
	/* ike_request_send sends to sa->remote: there, for this once, the new endpoint */
	sa->remote = sa->esp_probe_to;
	ret = ike_request_send(sa, &b, IKE_REQ_DPD, NULL);
	sa->remote = remote;
	return ret;
}

static int probe_start(struct ike_sa *sa, const struct ike_endpoint *to)
{
	sa->esp_probe_to = *to;
	if (sa->req.kind != IKE_REQ_NONE) {
		/* a request of ours is out already (a DPD, a rekey): it goes there from now */
		sa->e->stats.retransmits++;
		sa->esp_probe_msg_id = sa->req.msg_id;
		sa->esp_probe_sent = 0;
		send_probe(sa);
		return 0;
	}
	if (probe_request(sa))
		return -EIO;
	sa->esp_probe_msg_id = sa->req.msg_id;
	sa->esp_probe_sent = 1;
	schedule(sa);
	return 0;
}

static void ep_from_dp(const struct dp_addr *a, uint16_t port, struct ike_endpoint *out)
{
	memset(out, 0, sizeof(*out));
	out->family = a->family;
	memcpy(out->addr, a->addr, sizeof(out->addr));
	out->port = port;
}

void ike_esp_follow_poll(struct ike_sa *sa, struct ike_child *c, const struct dp_sa_info *in)
{
	char name[IKE_SA_NAME_MAX + 16], from_s[ADDR_PORT_STR_MAX], at[ADDR_PORT_STR_MAX];
	struct ike_endpoint from;

	if (!in || !in->seen_src.family || in->seen_changes == c->esp_seen_changes ||
	    !ike_esp_follow_wanted(sa))
		return;
	ep_from_dp(&in->seen_src, in->seen_sport, &from);
	if (probing(sa) && ike_ep_equal(&from, &sa->esp_probe_to))
		c->esp_seen_changes = in->seen_changes;	/* another child, the same news */
	if (probing(sa) || !request_redirectable(sa)) {
		if (c->esp_seen_changes != in->seen_changes)
			sa->e->esp_follow_deferred = true;
		return;		/* window size 1: the next poll asks again */
	}
	c->esp_seen_changes = in->seen_changes;
	if (from.family != sa->remote.family || ike_ep_equal(&from, &sa->remote))
		return;		/* IKE got there first */
	ike_sa_name(sa, name, sizeof(name));
	ike_ep_format(&from, from_s, sizeof(from_s));
	ike_ep_format(&sa->remote, at, sizeof(at));
	if (sa->mobike && !ike_ep_addr_equal(&from, &sa->remote)) {
		xs_debug("IKE_SA %s: ESP from %s, not %s: MOBIKE, the initiator moves addresses",
			 name, from_s, at);
		return;
	}
	xs_info("IKE_SA %s: CHILD_SA %s{%u} gets ESP from %s, not %s: checking the peer is there",
		name, c->name, c->uid, from_s, at);
	sa->esp_recheck_ms = 0;		/* news: a fresh check, a fresh budget of re-checks */
	sa->esp_rechecks = 0;
	sa->esp_recheck_uid = c->uid;
	if (probe_start(sa, &from))
		xs_warn("IKE_SA %s: no liveness check to %s", name, from_s);
}

/*
 * The inbound SA of the Child SA that reported esp_probe_to, into *out, if
 * its ESP still comes from there (and not from where sa is now).
 */
static bool still_from_probed(struct ike_sa *sa, struct dp_sa_info *out)
{
	struct dataplane *dp = sa->e->dp;
	struct ike_child *c = ike_child_by_uid(sa, sa->esp_recheck_uid);
	struct ike_endpoint from;

	if (!c || c->state != IKE_CHILD_INSTALLED || c->slot_in < 0 || !dp->ops->get_sa ||
	    dp->ops->get_sa(dp, (uint32_t)c->slot_in, out))
		return false;
	ep_from_dp(&out->seen_src, out->seen_sport, &from);
	return out->seen_src.family && ike_ep_equal(&from, &sa->esp_probe_to) &&
	       !ike_ep_equal(&from, &sa->remote);
}

/* The check went unanswered: another one later, if any is left and there is ESP to watch. */
static uint64_t recheck_arm(struct ike_sa *sa)
{
	struct dp_sa_info in;
	uint64_t wait;

	if (sa->esp_rechecks >= RECHECKS_MAX || !still_from_probed(sa, &in))
		return 0;
	wait = (uint64_t)RECHECK_FIRST_MS << sa->esp_rechecks;
	if (wait > RECHECK_MAX_MS)
		wait = RECHECK_MAX_MS;
	sa->esp_recheck_pkts = in.stats.packets;
	sa->esp_recheck_ms = sa->e->now_ms + wait;
	return wait;
}

/* A re-check is due: the same check again if ESP from there kept coming since the last one. */
static void recheck(struct ike_sa *sa)
{
	char name[IKE_SA_NAME_MAX + 16], to[ADDR_PORT_STR_MAX];
	struct dp_sa_info in;

	sa->esp_recheck_ms = 0;
	ike_sa_name(sa, name, sizeof(name));
	ike_ep_format(&sa->esp_probe_to, to, sizeof(to));
	if (!ike_esp_follow_wanted(sa) || !still_from_probed(sa, &in) ||
	    in.stats.packets == sa->esp_recheck_pkts) {
		xs_debug("IKE_SA %s: no more ESP from %s: not checking there again", name, to);
		return;
	}
	if (probing(sa) || !request_redirectable(sa)) {
		sa->esp_recheck_ms = sa->e->now_ms + probe_interval(sa->e);	/* window size 1 */
		return;
	}
	sa->esp_rechecks++;
	xs_info("IKE_SA %s: ESP still comes from %s: checking again (%u of %u)", name, to,
		sa->esp_rechecks, (unsigned int)RECHECKS_MAX);
	if (probe_start(sa, &sa->esp_probe_to))
		xs_warn("IKE_SA %s: no liveness check to %s", name, to);
}

/* Our check's window ended unanswered: the request goes on to sa->remote. */
static void probe_end(struct ike_sa *sa)
{
	char name[IKE_SA_NAME_MAX + 16], to[ADDR_PORT_STR_MAX], at[ADDR_PORT_STR_MAX];
	uint64_t again = recheck_arm(sa);

	sa->esp_probe_next_ms = 0;
	sa->req.next_ms = sa->e->now_ms;
	ike_sa_name(sa, name, sizeof(name));
	ike_ep_format(&sa->esp_probe_to, to, sizeof(to));
	ike_ep_format(&sa->remote, at, sizeof(at));
	if (again)
		xs_info("IKE_SA %s: no answer from %s, not moving; the check goes on to %s, "
			"again in %" PRIu64 " s if ESP keeps coming from there", name, to, at,
			again / 1000);
	else
		xs_info("IKE_SA %s: no answer from %s, not moving; the check goes on to %s",
			name, to, at);
}

void ike_esp_follow_timers(struct ike_sa *sa, uint64_t *next)
{
	struct ike_engine *e = sa->e;

	if (sa->esp_recheck_ms && e->now_ms >= sa->esp_recheck_ms)
		recheck(sa);
	if (sa->esp_recheck_ms && sa->esp_recheck_ms < *next)
		*next = sa->esp_recheck_ms;
	if (!sa->esp_probe_next_ms)
		return;
	if (!probing(sa) || sa->state != IKE_SA_ESTABLISHED) {
		sa->esp_probe_next_ms = 0;	/* answered (and moved or not), or gone */
		return;
	}
	if (e->now_ms >= sa->esp_probe_next_ms) {
		if (sa->esp_probe_sent >= PROBE_SENDS) {
			probe_end(sa);
			if (sa->esp_recheck_ms && sa->esp_recheck_ms < *next)
				*next = sa->esp_recheck_ms;
			return;
		}
		e->stats.retransmits++;
		send_probe(sa);
	}
	if (sa->esp_probe_next_ms < *next)
		*next = sa->esp_probe_next_ms;
}

void ike_esp_follow_next(const struct ike_sa *sa, uint64_t *next)
{
	if (probing(sa) && sa->esp_probe_next_ms < *next)
		*next = sa->esp_probe_next_ms;
	if (sa->esp_recheck_ms && sa->esp_recheck_ms < *next)
		*next = sa->esp_recheck_ms;
}

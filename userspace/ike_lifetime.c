// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Lifetimes and liveness of IKE and Child SAs, as swanctl.conf sets them:
 *
 *   Child SA   soft: rekey_time, rekey_bytes, rekey_packets, each less
 *              its jitter (rand_time, rand_bytes, rand_packets) -> rekey
 *              hard: life_time, life_bytes, life_packets -> delete
 *   IKE SA     soft: rekey_time - jitter -> rekey
 *              hard: rekey_time + over_time -> delete
 *   jitter     uniform in [0, rand_*], drawn once per SA, so that a fleet
 *              configured alike spreads its rekeys over that window
 *
 * Byte and packet counts come from the data plane (list_sas), read at most
 * every dp_poll_ms; the same poll notes when an inbound SA last moved a
 * packet, which is what DPD counts as the peer being alive: a busy tunnel
 * is never probed, an idle one gets an empty INFORMATIONAL after dpd_delay
 * (ike_msg_io.c), and a probe that is not answered ends in dpd_action.
 * The poll also hands ESP from a new source to ike_esp_follow.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "ike_xchg.h"
#include "log.h"
#include "selector.h"

enum {
	REKEYED_WAIT_MS = 30000,	/* a replaced IKE SA the peer never deletes */
	HARD_VOLUME_GRACE_MS = 10000,	/* hard volume limit crossed before the rekey */
};

static uint64_t rekeyed_until(const struct ike_sa *sa)
{
	return sa->rekeyed_ms + (sa->rekeyed_wait_ms ? sa->rekeyed_wait_ms : REKEYED_WAIT_MS);
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

uint64_t ike_life_jitter_ms(uint64_t *rng, uint64_t rand_ms)
{
	return rand_ms ? rng_next(rng) % (rand_ms + 1) : 0;
}

uint64_t ike_life_soft_volume(uint64_t *rng, uint64_t rekey, uint64_t rand)
{
	if (!rekey)
		return 0;
	return rekey - ike_life_jitter_ms(rng, rand < rekey ? rand : rekey - 1);
}

uint64_t ike_life_soft_ms(uint64_t *rng, uint64_t now_ms, uint64_t rekey_s, uint64_t rand_s)
{
	uint64_t rekey = rekey_s * 1000, jitter;

	if (!rekey)
		return 0;
	jitter = ike_life_jitter_ms(rng, rand_s * 1000 < rekey ? rand_s * 1000 : rekey - 1);
	return now_ms + rekey - jitter;
}

void ike_life_child_installed(struct ike_sa *sa, struct ike_child *c)
{
	struct ike_engine *e = sa->e;

	c->last_rx_ms = e->now_ms;
	if (!c->cfg)
		return;
	c->rekey_ms = ike_life_soft_ms(&e->rng, e->now_ms, c->cfg->rekey_time, c->cfg->rand_time);
	c->expire_ms = c->cfg->life_time ? e->now_ms + c->cfg->life_time * 1000 : 0;
	c->rekey_bytes = ike_life_soft_volume(&e->rng, c->cfg->rekey_bytes, c->cfg->rand_bytes);
	c->rekey_packets = ike_life_soft_volume(&e->rng, c->cfg->rekey_packets,
						c->cfg->rand_packets);
}

void ike_life_sa_established(struct ike_sa *sa)
{
	const struct ike_cfg_conn *conn = sa->conn;
	struct ike_engine *e = sa->e;

	sa->rekey_ms = ike_life_soft_ms(&e->rng, e->now_ms, conn->rekey_time, conn->rand_time);
	sa->hard_ms = conn->rekey_time && conn->over_time ?
			      e->now_ms + (conn->rekey_time + conn->over_time) * 1000 : 0;
	sa->last_rx_ms = e->now_ms;
	ike_reauth_schedule(sa);
}

static void min_time(uint64_t *next, uint64_t t)
{
	if (t && t < *next)
		*next = t;
}

static bool task_queued(const struct ike_sa *sa, enum ike_task_kind kind, const struct ike_child *c)
{
	unsigned int i;

	for (i = 0; i < sa->n_tasks; i++)
		if (sa->tasks[i].kind == kind && sa->tasks[i].c == c)
			return true;
	return false;
}

static void queue_rekey(struct ike_sa *sa, struct ike_child *c)
{
	if (task_queued(sa, IKE_TASK_REKEY_CHILD, c) || sa->n_tasks == IKE_SA_MAX_TASKS)
		return;
	sa->tasks[sa->n_tasks++] = (struct ike_task){ .kind = IKE_TASK_REKEY_CHILD, .c = c };
}

static void child_delete(struct ike_sa *sa, struct ike_child *c)
{
	if (task_queued(sa, IKE_TASK_DELETE_CHILD, c))
		return;
	if (ike_sa_queue_child_delete(sa, c))
		ike_child_remove(sa, c);
}

/* The structured event beside the human line logged here. */
static void emit_event(enum ike_event_kind kind, const struct ike_sa *sa,
		       const struct ike_child *c, const char *reason)
{
	struct ike_event ev;

	ike_event_init(&ev, kind, sa, c);
	ev.reason = reason;
	ike_event_emit(&ev);
}

static void child_expired(struct ike_sa *sa, struct ike_child *c, const char *what)
{
	sa->e->stats.child_sas_expired++;
	c->expire_ms = 0;
	xs_info("CHILD_SA %s{%u} between %s and %s reached its hard %s lifetime%s, deleting it",
		c->name, c->uid, sa->our_id_str, sa->peer_id_str, what,
		c->state == IKE_CHILD_REKEYED ? " after its rekey" : " without a rekey");
	emit_event(IKE_EV_CHILD_EXPIRED, sa, c, what);
	child_delete(sa, c);
}

/* Soft and hard lifetimes of c; a delayed Delete of a retired pair. */
static void child_timers(struct ike_sa *sa, struct ike_child *c, uint64_t *next)
{
	uint64_t now = sa->e->now_ms;

	if (c->state != IKE_CHILD_INSTALLED && c->state != IKE_CHILD_REKEYED)
		return;
	if (c->expire_ms && now >= c->expire_ms) {
		child_expired(sa, c, "time");
		return;
	}
	if (c->state == IKE_CHILD_REKEYED && c->delete_ms && now >= c->delete_ms) {
		c->delete_ms = 0;
		child_delete(sa, c);
		return;
	}
	if (c->state == IKE_CHILD_INSTALLED && !c->rekey_by && c->rekey_ms && now >= c->rekey_ms) {
		c->rekey_ms = 0;
		queue_rekey(sa, c);
	}
	min_time(next, c->expire_ms);
	if (c->state == IKE_CHILD_REKEYED)
		min_time(next, c->delete_ms);
	else if (!c->rekey_by)
		min_time(next, c->rekey_ms);
}

static void sa_timers(struct ike_sa *sa, uint64_t *next)
{
	char name[IKE_SA_NAME_MAX + 16];
	uint64_t now = sa->e->now_ms;

	if (sa->rekeyed) {
		if (now >= rekeyed_until(sa))
			ike_sa_kill(sa, "deleted: replaced by its rekey");
		else
			min_time(next, rekeyed_until(sa));
		return;
	}
	if (sa->hard_ms && now >= sa->hard_ms) {
		sa->hard_ms = 0;
		xs_info("IKE_SA %s between %s and %s reached its hard lifetime, deleting it",
			ike_sa_name(sa, name, sizeof(name)), sa->our_id_str, sa->peer_id_str);
		emit_event(IKE_EV_DELETED, sa, NULL, "hard lifetime");
		if (sa->req.kind != IKE_REQ_NONE || ike_info_delete_start(sa))
			ike_sa_queue(sa, IKE_TASK_DELETE, NULL);
		return;
	}
	if (sa->rekey_ms && now >= sa->rekey_ms && !sa->rekey_new) {
		sa->rekey_ms = 0;
		if (!task_queued(sa, IKE_TASK_REKEY_IKE, NULL))
			ike_sa_queue(sa, IKE_TASK_REKEY_IKE, NULL);
	}
	min_time(next, sa->rekey_new ? 0 : sa->rekey_ms);
	min_time(next, sa->hard_ms);
	ike_reauth_timers(sa, next);
}

void ike_life_timers(struct ike_sa *sa, uint64_t *next)
{
	struct ike_child *c, *cn;

	if (sa->state != IKE_SA_ESTABLISHED)
		return;
	sa_timers(sa, next);
	if (sa->state != IKE_SA_ESTABLISHED || sa->rekeyed)
		return;
	for (c = sa->children; c; c = cn) {
		cn = c->next;
		child_timers(sa, c, next);
	}
	ike_esp_follow_timers(sa, next);
}

void ike_life_next(const struct ike_sa *sa, uint64_t *next)
{
	const struct ike_child *c;

	if (sa->state != IKE_SA_ESTABLISHED)
		return;
	if (sa->rekeyed) {
		min_time(next, rekeyed_until(sa));
		return;
	}
	if (!sa->rekey_new)
		min_time(next, sa->rekey_ms);
	min_time(next, sa->hard_ms);
	ike_reauth_next(sa, next);
	ike_esp_follow_next(sa, next);
	for (c = sa->children; c; c = c->next) {
		if (c->state != IKE_CHILD_INSTALLED && c->state != IKE_CHILD_REKEYED)
			continue;
		min_time(next, c->expire_ms);
		min_time(next, c->state == IKE_CHILD_REKEYED ? c->delete_ms :
				c->rekey_by ? 0 : c->rekey_ms);
	}
}

/* ---- data-plane counters ---- */

static bool child_counted(const struct ike_child *c)
{
	const struct ike_cfg_child *cfg = c->cfg;

	return cfg && (cfg->rekey_bytes || cfg->rekey_packets || cfg->life_bytes ||
		       cfg->life_packets);
}

/* Does anything here read the counters (DPD, byte or packet limits, a reauth waiting)? */
static bool poll_wanted(const struct ike_engine *e, bool follow_news)
{
	const struct ike_child *c;
	const struct ike_sa *s;

	for (s = e->sas; s; s = s->next) {
		if (s->state != IKE_SA_ESTABLISHED)
			continue;
		/* follow_news: the data plane noted ESP from a new source (ike_esp_follow.c) */
		if ((s->conn && s->conn->dpd_delay) || (follow_news && ike_esp_follow_wanted(s)))
			return true;
		for (c = s->children; c; c = c->next)
			if (child_counted(c) || ike_reauth_child_waits(c))
				return true;
	}
	return false;
}

static int by_slot(const void *a, const void *b)
{
	uint32_t x = ((const struct dp_sa_info *)a)->slot, y = ((const struct dp_sa_info *)b)->slot;

	return x < y ? -1 : x > y;
}

static const struct dp_sa_info *info_of(const struct dp_sa_info *v, int n, int slot)
{
	struct dp_sa_info key = { .slot = (uint32_t)slot };

	if (slot < 0)
		return NULL;
	return bsearch(&key, v, (size_t)n, sizeof(*v), by_slot);
}

static const struct xs_sa_stats *stats_of(const struct dp_sa_info *v, int n, int slot)
{
	const struct dp_sa_info *f = info_of(v, n, slot);

	return f ? &f->stats : NULL;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * The counters are read every dp_poll_ms, so a soft and a hard volume limit
 * close together (swanctl's default life is rekey + 10 %) can both be
 * crossed between two reads.  A hard limit found crossed while the SA is
 * still the current one counts as its soft limit: its rekey starts at once
 * (unless running) and the SA is deleted when it is replaced, or
 * HARD_VOLUME_GRACE_MS later if the rekey does not finish (once replaced,
 * the delayed Delete of a rekey we made still waits for ESP in flight).
 * true when that is what happens; false: delete it now.
 */
static bool hard_volume_rekey(struct ike_sa *sa, struct ike_child *c, const char *what)
{
	uint64_t grace = sa->e->now_ms + HARD_VOLUME_GRACE_MS;

	if (c->state == IKE_CHILD_REKEYED)
		return c->hard_volume_hit && c->delete_ms;	/* replaced: its Delete is due */
	if (c->state != IKE_CHILD_INSTALLED)
		return false;
	if (c->hard_volume_hit)
		return true;	/* its rekey runs; expire_ms bounds the wait */
	c->hard_volume_hit = true;
	if (!c->expire_ms || c->expire_ms > grace)
		c->expire_ms = grace;
	if (c->rekey_by || task_queued(sa, IKE_TASK_REKEY_CHILD, c))
		return true;
	xs_info("CHILD_SA %s{%u}: hard %s limit reached before its rekey started: rekeying now",
		c->name, c->uid, what);
	c->rekey_ms = 0;
	queue_rekey(sa, c);
	return true;
}

static void child_counters(struct ike_sa *sa, struct ike_child *c, const struct dp_sa_info *v,
			   int n)
{
	const struct xs_sa_stats *in = stats_of(v, n, c->slot_in), *out = stats_of(v, n, c->slot_out);
	const struct ike_cfg_child *cfg = c->cfg;
	uint64_t now = sa->e->now_ms, bytes, pkts;

	if (in && in->packets != c->pkts_in) {
		c->last_rx_ms = sa->last_rx_ms = now;
		c->pkts_in = in->packets;
		ike_reauth_child_rx(sa, c);
	}
	if (in)
		c->bytes_in = in->bytes;
	if (out) {
		c->pkts_out = out->packets;
		c->bytes_out = out->bytes;
	}
	if (!cfg || (c->state != IKE_CHILD_INSTALLED && c->state != IKE_CHILD_REKEYED))
		return;
	bytes = max64(c->bytes_in, c->bytes_out);
	pkts = max64(c->pkts_in, c->pkts_out);
	if ((cfg->life_bytes && bytes >= cfg->life_bytes) ||
	    (cfg->life_packets && pkts >= cfg->life_packets)) {
		const char *what = bytes >= cfg->life_bytes && cfg->life_bytes ? "bytes" : "packets";

		if (!hard_volume_rekey(sa, c, what))
			child_expired(sa, c, what);
		return;
	}
	if (c->state == IKE_CHILD_INSTALLED && !c->rekey_by &&
	    ((c->rekey_bytes && bytes >= c->rekey_bytes) ||
	     (c->rekey_packets && pkts >= c->rekey_packets)) &&
	    !task_queued(sa, IKE_TASK_REKEY_CHILD, c)) {
		xs_info("CHILD_SA %s{%u}: soft %s limit reached (%" PRIu64 " bytes, %" PRIu64
			" packets)", c->name, c->uid, c->rekey_bytes && bytes >= c->rekey_bytes ?
			"byte" : "packet", bytes, pkts);
		c->rekey_ms = 0;
		queue_rekey(sa, c);
	}
}

void ike_life_poll(struct ike_engine *e)
{
	struct dp_sa_info *v;
	struct ike_child *c, *cn;
	struct ike_sa *s;
	int n;

	if (e->now_ms < e->dp_poll_ms)
		return;
	e->dp_poll_ms = e->now_ms + e->params.dp_poll_ms;
	if (!poll_wanted(e, ike_esp_follow_news(e)) || !e->dp->ops->list_sas)
		return;
	n = e->dp->ops->list_sas(e->dp, NULL, 0);
	if (n <= 0)
		return;
	v = calloc((size_t)n, sizeof(*v));
	if (!v)
		return;
	n = e->dp->ops->list_sas(e->dp, v, (unsigned int)n);
	qsort(v, (size_t)n, sizeof(*v), by_slot);
	for (s = e->sas; s; s = s->next) {
		if (s->state != IKE_SA_ESTABLISHED)
			continue;
		for (c = s->children; c; c = cn) {
			cn = c->next;
			ike_esp_follow_poll(s, c, info_of(v, n, c->slot_in));
			child_counters(s, c, v, n);
		}
	}
	free(v);
	ike_esp_follow_polled(e);
	e->timers_stale = true;	/* rekeys queued, DPD's last_rx moved */
}

/*
 * Not poll_wanted(): that walks every SA and this runs on every pass of
 * the main loop.  With SAs up we wake once per dp_poll_ms and
 * ike_life_poll asks then.
 */
uint64_t ike_life_poll_due(const struct ike_engine *e)
{
	return e->n_sas ? e->dp_poll_ms : UINT64_MAX;
}

/* ---- DPD ---- */

/* When sa's peer was last heard from: an IKE message or ESP on a child. */
uint64_t ike_dpd_last_seen(const struct ike_sa *sa)
{
	return max64(sa->last_in_ms, sa->last_rx_ms);
}

static const char *action_name(unsigned int a)
{
	return a & IKE_CFG_ACTION_START ? "restart" : a & IKE_CFG_ACTION_TRAP ? "trap" : "clear";
}

void ike_dpd_timeout(struct ike_sa *sa)
{
	const struct ike_cfg_child *restart[IKE_SA_MAX_TASKS];
	const struct ike_cfg_conn *conn = sa->conn;
	struct ike_engine *e = sa->e;
	char name[IKE_SA_NAME_MAX + 16], r[ADDR_STR_MAX];
	unsigned int n = 0, action = 0, i;
	struct ike_child *c;
	struct ike_sa *ns;

	for (c = sa->children; c; c = c->next) {
		if (!c->cfg)
			continue;
		action |= c->cfg->dpd_action;
		if (c->cfg->dpd_action & IKE_CFG_ACTION_START && n < IKE_SA_MAX_TASKS &&
		    c->state != IKE_CHILD_REKEYED && (!n || restart[n - 1] != c->cfg))
			restart[n++] = c->cfg;
	}
	e->stats.dpd_timeouts++;
	/* trap would install a trap policy; there is none here: cleared like clear */
	xs_info("IKE_SA %s: DPD timeout, peer %s[%s] not answering after %u sends, action %s%s",
		ike_sa_name(sa, name, sizeof(name)), ike_ep_addr_format(&sa->remote, r, sizeof(r)),
		sa->peer_id_str, sa->req.sent, action_name(action),
		action & IKE_CFG_ACTION_START ? "" : action & IKE_CFG_ACTION_TRAP ?
		" (no trap policies: cleared)" : "");
	emit_event(IKE_EV_DPD_TIMEOUT, sa, NULL, action_name(action));
	ike_sa_kill(sa, "deleted: DPD timeout");
	if (!n || ike_init_start(e, conn, restart[0]))
		return;
	ns = e->sas;	/* ike_init_start puts the new SA first */
	for (i = 1; ns && ns->conn == conn && i < n; i++)
		ike_sa_queue(ns, IKE_TASK_CHILD, restart[i]);
}

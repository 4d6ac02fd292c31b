// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A new IKE SA for an old one's connection, then the old one goes: make
 * before break.  Reauthentication at reauth_time (RFC 7296 2.8.3) uses it
 * towards the same peer, a gateway's INFORMATIONAL { N(REDIRECT) } (RFC
 * 5685 5, ike_redirect.c) towards the gateway it names:
 *
 *   old IKE SA, Child SAs A, B              new IKE SA
 *                                           IKE_SA_INIT, IKE_AUTH { A' }   -->
 *                                           (A' installed: A's outbound policies move to it)
 *                                           CREATE_CHILD_SA { B' }         -->
 *                                           (B' takes B's)
 *   INFORMATIONAL { D(IKE) }  -->           (A, B leave; their policies are the new ones')
 *
 * Outbound traffic always has an SA: ike_child.c's claim() moves a policy
 * from whichever child of ours holds it, in one step where the data plane
 * can.  Only the original initiator reauthenticates: it knows the peer's
 * address, a responder may be behind a NAT.  If the new SA fails, the old
 * one carries on and the attempt is repeated REAUTH_RETRY_MS later.
 *
 * The responder (IKE_AUTH without INITIAL_CONTACT from a peer it has an
 * IKE SA with) installs A' at once but, as for a Child SA rekey, leaves its
 * outbound policies on A (out_pending): the initiator installs A' only when
 * our answer arrives.  They move when ESP arrives on A' (the data-plane
 * counters, every dp_poll_ms), which proves the initiator has A', or when A
 * (or the old IKE SA) goes: ike_child.c hands them to the waiting child.
 * A fixed delay would not do: a lost IKE_AUTH answer is resent only when
 * the initiator retransmits, a second or more later.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "ike_xchg.h"
#include "log.h"

enum { REAUTH_RETRY_MS = 30000, MAX_CFGS = IKE_SA_MAX_TASKS + 8 };

static struct ike_sa *sa_by_uid(const struct ike_engine *e, unsigned int uid)
{
	struct ike_sa *s;

	for (s = e->sas; s; s = s->next)
		if (s->uid == uid && s->state != IKE_SA_DEAD)
			return s;
	return NULL;
}

static void add_cfg(const struct ike_cfg_child **v, unsigned int *n, const struct ike_cfg_child *c)
{
	unsigned int i;

	if (!c || *n == MAX_CFGS)
		return;
	for (i = 0; i < *n; i++)
		if (v[i] == c)
			return;
	v[(*n)++] = c;
}

/* The configurations of old's Child SAs and of those queued on it, each once. */
static unsigned int child_cfgs(const struct ike_sa *old, const struct ike_cfg_child **v)
{
	const struct ike_child *c;
	unsigned int i, n = 0;

	for (c = old->children; c; c = c->next)
		if (c->state == IKE_CHILD_INSTALLED)
			add_cfg(v, &n, c->cfg);
	for (i = 0; i < old->n_tasks; i++)
		if (old->tasks[i].kind == IKE_TASK_CHILD)
			add_cfg(v, &n, old->tasks[i].child);
	if (!n)
		add_cfg(v, &n, old->auth_child_cfg);
	return n;
}

int ike_reauth_start(struct ike_sa *old, const struct ike_endpoint *remote,
		     const struct ike_endpoint *redirected_from)
{
	const struct ike_cfg_child *cfgs[MAX_CFGS];
	unsigned int i, n = child_cfgs(old, cfgs);
	struct ike_endpoint to;
	struct ike_sa *sa;
	int ret;

	if (remote) {
		to = *remote;
	} else {
		to = old->remote;
		to.port = old->conn->remote_port;
	}
	ret = ike_init_start_to(old->e, old->conn, n ? cfgs[0] : NULL, &to, redirected_from, &sa);
	if (ret)
		return ret;
	for (i = 1; i < n; i++)
		ike_sa_queue(sa, IKE_TASK_CHILD, cfgs[i]);
	memcpy(sa->redirect_ms, old->redirect_ms, sizeof(sa->redirect_ms));
	sa->n_redirects = old->n_redirects;
	sa->reauth_of = old->uid;
	sa->reauth_redirect = redirected_from != NULL;
	old->reauth_by = sa->uid;
	return 0;
}

static void reauthenticated_event(struct ike_sa *sa, const struct ike_sa *old)
{
	char name[IKE_SA_NAME_MAX + 16], oname[IKE_SA_NAME_MAX + 16];
	struct ike_event ev;
	struct ike_event o;

	sa->e->stats.ike_sas_reauthenticated++;
	ike_event_init(&o, IKE_EV_REAUTHENTICATED, old, NULL);
	ike_event_init(&ev, IKE_EV_REAUTHENTICATED, sa, NULL);
	ev.old_uid = old->uid;
	ev.old_spi_a = o.ike_spi_i;
	ev.old_spi_b = o.ike_spi_r;
	ike_event(&ev, "IKE_SA %s between %s and %s reauthenticated, replaces IKE_SA %s",
		  ike_sa_name(sa, name, sizeof(name)), sa->our_id_str, sa->peer_id_str,
		  ike_sa_name(old, oname, sizeof(oname)));
}

/* The new SA has its children: the old one goes (its Delete, or queued behind its request). */
static void retire(struct ike_sa *sa, struct ike_sa *old)
{
	char name[IKE_SA_NAME_MAX + 16], oname[IKE_SA_NAME_MAX + 16];

	if (sa->reauth_redirect)
		xs_info("IKE_SA %s is up after the redirect, deleting IKE_SA %s",
			ike_sa_name(sa, name, sizeof(name)), ike_sa_name(old, oname, sizeof(oname)));
	else
		reauthenticated_event(sa, old);
	old->reauth_by = 0;
	old->reauth_ms = 0;
	if (old->state != IKE_SA_ESTABLISHED)
		return;
	if (old->req.kind == IKE_REQ_NONE)
		ike_info_delete_start(old);
	else if (ike_sa_queue(old, IKE_TASK_DELETE, NULL))
		ike_sa_kill(old, "deleted: replaced");
}

bool ike_reauth_pending(struct ike_sa *sa)
{
	if (sa->reauth_by && !sa_by_uid(sa->e, sa->reauth_by))
		sa->reauth_by = 0;	/* it failed: the old SA carries on */
	return sa->reauth_by != 0;
}

void ike_reauth_progress(struct ike_sa *sa)
{
	struct ike_sa *old;

	/* run_tasks has started whatever was queued: no request means all children are done */
	if (!sa->reauth_of || sa->state != IKE_SA_ESTABLISHED || sa->req.kind != IKE_REQ_NONE)
		return;
	old = sa_by_uid(sa->e, sa->reauth_of);
	sa->reauth_of = 0;
	sa->reauth_redirect = sa->reauth_redirect && old;
	if (old)
		retire(sa, old);
}

void ike_reauth_schedule(struct ike_sa *sa)
{
	const struct ike_cfg_conn *conn = sa->conn;
	struct ike_engine *e = sa->e;

	sa->reauth_ms = 0;
	if (!sa->first_initiator || !conn->reauth_time)
		return;		/* the device, also after the gateway rekeyed the IKE SA */
	sa->reauth_ms = ike_life_soft_ms(&e->rng, e->now_ms, conn->reauth_time, conn->rand_time);
	if (!sa->hard_ms && conn->over_time)	/* strongSwan: the SA dies at reauth + over */
		sa->hard_ms = e->now_ms + (conn->reauth_time + conn->over_time) * 1000;
}

void ike_reauth_timers(struct ike_sa *sa, uint64_t *next)
{
	char name[IKE_SA_NAME_MAX + 16];
	struct ike_engine *e = sa->e;
	int ret;

	if (!sa->reauth_ms || sa->state != IKE_SA_ESTABLISHED || sa->rekeyed)
		return;
	if (e->now_ms >= sa->reauth_ms) {
		sa->reauth_ms = e->now_ms + REAUTH_RETRY_MS;
		if (!ike_reauth_pending(sa)) {
			xs_info("IKE_SA %s: reauthenticating", ike_sa_name(sa, name, sizeof(name)));
			ret = ike_reauth_start(sa, NULL, NULL);
			if (ret)
				xs_warn("IKE_SA %s: cannot reauthenticate: %s, retrying later",
					name, strerror(-ret));
		}
	}
	if (sa->reauth_ms < *next)
		*next = sa->reauth_ms;
}

void ike_reauth_next(const struct ike_sa *sa, uint64_t *next)
{
	if (sa->reauth_ms && sa->state == IKE_SA_ESTABLISHED && !sa->rekeyed &&
	    sa->reauth_ms < *next)
		*next = sa->reauth_ms;
}

/* ---- responder: the peer reauthenticates ---- */

static bool same_peer_id(const struct ike_sa *a, const struct ike_sa *b)
{
	return a->peer_id_type == b->peer_id_type && a->peer_id_len == b->peer_id_len &&
	       !memcmp(a->peer_id, b->peer_id, a->peer_id_len);
}

void ike_reauth_note_peer(struct ike_sa *sa, bool initial_contact)
{
	char name[IKE_SA_NAME_MAX + 16], oname[IKE_SA_NAME_MAX + 16];
	struct ike_sa *s;

	if (initial_contact || sa->initiator)
		return;
	for (s = sa->e->sas; s; s = s->next) {
		if (s == sa || s->state != IKE_SA_ESTABLISHED || s->rekeyed ||
		    strcmp(s->conn->name, sa->conn->name) || !same_peer_id(s, sa))
			continue;
		sa->reauth_peer_of = s->uid;
		xs_info("IKE_SA %s: the peer reauthenticates IKE_SA %s, our traffic stays on its "
			"Child SAs until the peer has the new ones", ike_sa_name(sa, name, sizeof(name)),
			ike_sa_name(s, oname, sizeof(oname)));
		return;
	}
}

bool ike_reauth_defers(const struct ike_sa *sa)
{
	return sa->reauth_peer_of && sa_by_uid(sa->e, sa->reauth_peer_of);
}

bool ike_reauth_child_waits(const struct ike_child *c)
{
	return c->out_pending && !c->replaces && c->state == IKE_CHILD_INSTALLED;
}

void ike_reauth_child_rx(struct ike_sa *sa, struct ike_child *c)
{
	if (!ike_reauth_child_waits(c))
		return;
	xs_info("CHILD_SA %s{%u}: ESP from the peer on it, our traffic moves to it", c->name,
		c->uid);
	ike_child_claim_policies(sa, c);
}

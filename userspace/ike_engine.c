// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The IKE engine's public face (ike_engine.h): datagrams in, timers,
 * operator commands, reload.  Everything runs on the caller's thread and
 * clock; a datagram goes to
 *
 *   an IKE_SA_INIT request         ike_x_init_r.c (no SA yet)
 *   anything else with our SPI     ike_msg_io.c, then the exchange's file
 *   anything else                  dropped (unknown SPI: quietly)
 *
 * SAs that die during an event are freed when it returns (ike_sa_reap).
 *
 * Timers: a walk over every SA runs them, but only when the earliest
 * deadline (e->timer_due) has come.  That cache is exact or early, never
 * late: a walk recomputes it; an event lowers it with the timers of the
 * SAs it touched (the datagram's SA, any it created); an event that may
 * move another SA's timers earlier (CREATE_CHILD_SA, INFORMATIONAL, an
 * operator command, a counter poll) marks it stale, so the next tick or
 * next_timer walks everything as before.  Deadlines that moved later only
 * cost an early, idle walk.
 */
#include "ike_engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_xchg.h"
#include "log.h"

enum { TAB_SIZE_INITIAL = 256 };

void ike_engine_params_default(struct ike_engine_params *p)
{
	*p = (struct ike_engine_params){
		.port = IKE_PORT,
		.natt_port = IKE_NATT_PORT,
		.retransmit_base_ms = 1000,
		.retransmit_tries = 5,
		.half_open_timeout_ms = 30000,
		.cookie_threshold = 30,
		.cookie_threshold_ip = 3,
		.half_open_max = 10000,
		.half_open_max_ip = 5,
		.cookie_secret_ms = 60000,
		.keepalive_ms = 20000,
		.rekey_delete_delay_ms = 1000,
		.dp_poll_ms = 1000,
	};
}

int ike_engine_set_params(struct ike_engine *e, const struct ike_engine_params *p)
{
	if (!p->port || !p->natt_port || !p->retransmit_base_ms || !p->retransmit_tries ||
	    !p->half_open_timeout_ms || !p->cookie_secret_ms || !p->dp_poll_ms)
		return -EINVAL;
	if (p->fragment_size &&
	    (p->fragment_size < IKE_FRAGMENT_SIZE_MIN || p->fragment_size > IKE_FRAGMENT_SIZE_MAX))
		return -EINVAL;
	e->params = *p;
	return 0;
}

struct ike_engine *ike_engine_new(const struct ike_cfg *cfg, struct dataplane *dp,
				  const struct ike_engine_ops *ops, void *ctx)
{
	struct ike_engine *e;

	if (!cfg || !dp || !ops || !ops->send)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cfg = cfg;
	e->dp = dp;
	e->ops = *ops;
	e->ctx = ctx;
	ike_engine_params_default(&e->params);
	e->tab_size = TAB_SIZE_INITIAL;
	e->spi_tab = calloc(e->tab_size, sizeof(*e->spi_tab));
	e->init_tab = calloc(e->tab_size, sizeof(*e->init_tab));
	if (!e->spi_tab || !e->init_tab || ike_random(&e->hash_key, sizeof(e->hash_key)) ||
	    ike_random(&e->rng, sizeof(e->rng))) {
		free(e->spi_tab);
		free(e->init_tab);
		free(e);
		return NULL;
	}
	e->creds = ike_creds_load(cfg);
	e->timers_stale = true;
	ike_cookie_rotate(e, true);
	ike_cookie_rotate(e, true);	/* both secrets random */
	e->start_pending = true;
	return e;
}

void ike_engine_free(struct ike_engine *e)
{
	struct ike_sa *s;

	if (!e)
		return;
	for (s = e->sas; s; s = s->next) {
		if (s->state == IKE_SA_ESTABLISHED)
			ike_info_delete_now(s);
		ike_sa_kill(s, s->state == IKE_SA_ESTABLISHED ? "deleted (shutdown)" : NULL);
	}
	ike_sa_reap(e);
	ike_creds_free(e->creds);
	free(e->spi_tab);
	free(e->init_tab);
	OPENSSL_cleanse(e, sizeof(*e));
	free(e);
}

static void min_time(uint64_t *next, uint64_t t)
{
	if (t < *next)
		*next = t;
}

/* Lowers *next to sa's earliest timer (0: tasks to run now). */
static void sa_next_timer(const struct ike_sa *s, uint64_t *next)
{
	uint64_t t;

	if (s->state == IKE_SA_DEAD)
		return;
	ike_life_next(s, next);
	if (s->req.kind != IKE_REQ_NONE)
		min_time(next, s->req.next_ms);
	else if (s->n_tasks && s->state == IKE_SA_ESTABLISHED)
		*next = 0;
	else if (s->state == IKE_SA_ESTABLISHED && s->conn->dpd_delay)
		min_time(next, ike_dpd_last_seen(s) + s->conn->dpd_delay * 1000);
	if (s->state == IKE_SA_HALF_OPEN)
		min_time(next, s->expire_ms);
	if (ike_natd_keepalive_due(s, &t))
		min_time(next, t);
}

/* Every SA's timers, the slow way. */
static uint64_t walk_next_timer(const struct ike_engine *e)
{
	uint64_t next = UINT64_MAX;
	const struct ike_sa *s;

	for (s = e->sas; s && next; s = s->next)
		sa_next_timer(s, &next);
	return next;
}

/*
 * After a datagram: fold in the timers of its SA and of the SAs created
 * meanwhile (ike_sa_new puts them first, with uids above uid0).  IKE_SA_INIT
 * and IKE_AUTH touch only those (other SAs at most die); rekeys, deletes and
 * DPD may reach an SA's old or new sibling: walk next time.
 */
static void timers_touched(struct ike_engine *e, const struct ike_sa *sa, unsigned int uid0,
			   uint8_t exchange)
{
	const struct ike_sa *s;

	if (exchange != IKE_SA_INIT && exchange != IKE_AUTH) {
		e->timers_stale = true;
		return;
	}
	if (sa)
		sa_next_timer(sa, &e->timer_due);
	for (s = e->sas; s && s->uid > uid0; s = s->next)
		sa_next_timer(s, &e->timer_due);
}

void ike_engine_input(struct ike_engine *e, const struct ike_endpoint *local,
		      const struct ike_endpoint *remote, const uint8_t *msg, size_t len,
		      uint64_t now_ms)
{
	unsigned int uid0 = e->next_ike_uid;
	struct ike_sa *sa = NULL;
	struct ike_hdr h;

	e->now_ms = now_ms;
	e->stats.messages_in++;
	if (len < IKE_HDR_LEN || len > IKE_MAX_MSG || ike_hdr_parse(msg, len, &h)) {
		e->stats.invalid_messages++;
		return;
	}
	if (h.exchange == IKE_SA_INIT && !(h.flags & IKE_FLAG_RESPONSE)) {
		ike_init_request(e, local, remote, msg, len, &h);
	} else {
		sa = ike_sa_lookup(e, &h);
		if (sa)
			ike_sa_input(sa, local, remote, msg, len, &h);
		else
			xs_debug("message for an unknown IKE SA, ignored");
	}
	timers_touched(e, sa, uid0, h.exchange);
	ike_sa_reap(e);
}

/* Is (or will) this child be negotiated on an SA of its connection? */
static bool child_wanted(const struct ike_engine *e, const struct ike_cfg_conn *conn,
			 const struct ike_cfg_child *cfg)
{
	const struct ike_child *c;
	const struct ike_sa *s;
	unsigned int i;

	for (s = e->sas; s; s = s->next) {
		if (s->conn != conn || s->state == IKE_SA_DEAD || s->state == IKE_SA_DELETING)
			continue;
		if (s->auth_child_cfg == cfg && s->state != IKE_SA_ESTABLISHED)
			return true;
		for (c = s->children; c; c = c->next)
			if (c->cfg == cfg)
				return true;
		for (i = 0; i < s->n_tasks; i++)
			if (s->tasks[i].kind == IKE_TASK_CHILD && s->tasks[i].child == cfg)
				return true;
	}
	return false;
}

/* An SA of conn we may add a child to: established first, else connecting. */
static struct ike_sa *sa_of_conn(struct ike_engine *e, const struct ike_cfg_conn *conn)
{
	struct ike_sa *s, *connecting = NULL;

	for (s = e->sas; s; s = s->next) {
		if (s->conn != conn)
			continue;
		if (s->state == IKE_SA_ESTABLISHED)
			return s;
		if (s->state == IKE_SA_CONNECTING || s->state == IKE_SA_AUTHENTICATING)
			connecting = s;
	}
	return connecting;
}

static int initiate(struct ike_engine *e, const struct ike_cfg_conn *conn,
		    const struct ike_cfg_child *cfg)
{
	struct ike_sa *sa;

	if (cfg && child_wanted(e, conn, cfg))
		return -EALREADY;
	sa = sa_of_conn(e, conn);
	if (!sa)
		return ike_init_start(e, conn, cfg);
	if (!cfg)
		return -EALREADY;
	if (ike_sa_queue(sa, IKE_TASK_CHILD, cfg))
		return -EBUSY;
	ike_sa_run_tasks(sa);
	return 0;
}

static void start_actions(struct ike_engine *e)
{
	const struct ike_cfg_conn *conn;
	unsigned int i, j;

	e->start_pending = false;
	for (i = 0; i < e->cfg->n_conns; i++) {
		conn = &e->cfg->conns[i];
		for (j = 0; j < conn->n_children; j++)
			if (conn->children[j].start_action & IKE_CFG_ACTION_START)
				initiate(e, conn, &conn->children[j]);
	}
}

void ike_engine_tick(struct ike_engine *e, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX;
	struct ike_sa *s;

	e->now_ms = now_ms;
	if (e->start_pending) {
		start_actions(e);
		e->timers_stale = true;
	}
	ike_life_poll(e);	/* may queue rekeys: marks the timers stale */
	if (!e->timers_stale && now_ms < e->timer_due)
		goto reap;	/* nothing due: no walk */
	for (s = e->sas; s; s = s->next)
		if (s->state != IKE_SA_DEAD)
			ike_sa_timers(s, &next);
	/*
	 * Recomputed in a second pass rather than taken from the first: a
	 * timer that fired may have made an SA the first pass had passed
	 * (a DPD restart puts it at the head).
	 */
	e->timer_due = walk_next_timer(e);
	e->timers_stale = false;
reap:
	ike_sa_reap(e);
}

uint64_t ike_engine_next_timer(const struct ike_engine *e)
{
	uint64_t next = UINT64_MAX;	/* cookie secrets rotate lazily, when used */

	if (e->start_pending)
		return 0;
	min_time(&next, ike_life_poll_due(e));
	min_time(&next, e->timers_stale ? walk_next_timer(e) : e->timer_due);
	return next;
}

int ike_engine_initiate(struct ike_engine *e, const char *child, uint64_t now_ms, char *err,
			size_t errlen)
{
	const struct ike_cfg_conn *conn;
	unsigned int i, j;
	int ret;

	e->now_ms = now_ms;
	e->timers_stale = true;	/* commands are rare: walk after them */
	for (i = 0; i < e->cfg->n_conns; i++) {
		conn = &e->cfg->conns[i];
		for (j = 0; j < conn->n_children; j++) {
			if (strcmp(conn->children[j].name, child))
				continue;
			ret = initiate(e, conn, &conn->children[j]);
			if (ret == -EALREADY)
				snprintf(err, errlen, "CHILD_SA '%s' is already up or being set up",
					 child);
			else if (ret)
				snprintf(err, errlen, "cannot initiate '%s': %s", child,
					 strerror(-ret));
			ike_sa_reap(e);
			return ret == -EALREADY ? 0 : ret;
		}
	}
	snprintf(err, errlen, "no CHILD_SA config named '%s'", child);
	return -ENOENT;
}

static const struct ike_cfg_conn *conn_named(const struct ike_cfg *cfg, const char *name)
{
	unsigned int i;

	for (i = 0; i < cfg->n_conns; i++)
		if (!strcmp(cfg->conns[i].name, name))
			return &cfg->conns[i];
	return NULL;
}

/* Deletes the installed Child SAs named name (INFORMATIONAL { D(ESP) }). */
static unsigned int terminate_children(struct ike_engine *e, const char *name)
{
	struct ike_child *c, *next;
	unsigned int n = 0;
	struct ike_sa *s;

	for (s = e->sas; s; s = s->next) {
		if (s->state != IKE_SA_ESTABLISHED)
			continue;
		for (c = s->children; c; c = next) {
			next = c->next;
			if (c->state != IKE_CHILD_INSTALLED || strcmp(c->name, name))
				continue;
			n++;
			if (ike_sa_queue_child_delete(s, c))
				ike_child_remove(s, c);
		}
		ike_sa_run_tasks(s);
	}
	return n;
}

int ike_engine_terminate(struct ike_engine *e, const char *conn, uint64_t now_ms, char *err,
			 size_t errlen)
{
	unsigned int n = 0;
	struct ike_sa *s;

	e->now_ms = now_ms;
	e->timers_stale = true;	/* commands are rare: walk after them */
	if (!conn_named(e->cfg, conn) && terminate_children(e, conn))
		return 0;
	for (s = e->sas; s; s = s->next) {
		if (s->state == IKE_SA_DEAD || strcmp(s->conn->name, conn))
			continue;
		n++;
		if (s->state != IKE_SA_ESTABLISHED)
			ike_sa_kill(s, s->state == IKE_SA_DELETING ? NULL : "deleted");
		else if (s->req.kind == IKE_REQ_NONE)
			ike_info_delete_start(s);
		else if (ike_sa_queue(s, IKE_TASK_DELETE, NULL))
			ike_sa_kill(s, "deleted");
	}
	ike_sa_reap(e);
	if (!n) {
		snprintf(err, errlen, "no IKE_SA named '%s' found", conn);
		return -ENOENT;
	}
	return 0;
}

int ike_engine_list_sas(const struct ike_engine *e, bool json, uint64_t now_ms,
			struct strbuf *out)
{
	return ike_list_sas(e, json, now_ms, out);
}

int ike_engine_list_conns(const struct ike_engine *e, bool json, struct strbuf *out)
{
	return ike_list_conns(e, json, out);
}

static const struct ike_cfg_child *child_named(const struct ike_cfg_conn *conn,
					       const struct ike_cfg_child *old)
{
	unsigned int i;

	if (!old)
		return NULL;
	for (i = 0; i < conn->n_children; i++)
		if (!strcmp(conn->children[i].name, old->name))
			return &conn->children[i];
	return NULL;
}

/* Points sa at the new configuration's objects of the same names. */
static void remap(struct ike_sa *sa, const struct ike_cfg_conn *conn)
{
	struct ike_child *c;
	unsigned int i, n = 0;

	sa->auth_child_cfg = child_named(conn, sa->auth_child_cfg);
	for (c = sa->children; c; c = c->next)
		c->cfg = child_named(conn, c->cfg);
	for (i = 0; i < sa->n_tasks; i++) {
		sa->tasks[n] = sa->tasks[i];
		sa->tasks[n].child = child_named(conn, sa->tasks[i].child);
		if (sa->tasks[n].kind != IKE_TASK_CHILD || sa->tasks[n].child)
			n++;
	}
	sa->n_tasks = n;
	sa->conn = conn;
}

int ike_engine_reload(struct ike_engine *e, const struct ike_cfg *cfg, uint64_t now_ms)
{
	const struct ike_cfg_conn *conn;
	struct ike_sa *s;

	if (!cfg)
		return -EINVAL;
	e->now_ms = now_ms;
	e->timers_stale = true;	/* commands are rare: walk after them */
	for (s = e->sas; s; s = s->next) {
		if (s->state == IKE_SA_DEAD)
			continue;
		conn = conn_named(cfg, s->conn->name);
		if (conn) {
			remap(s, conn);
			continue;
		}
		if (s->state == IKE_SA_ESTABLISHED)
			ike_info_delete_now(s);
		ike_sa_kill(s, "deleted: its connection is gone");
	}
	ike_sa_reap(e);
	ike_creds_free(e->creds);
	e->creds = ike_creds_load(cfg);
	e->cfg = cfg;
	e->start_pending = true;
	return 0;
}

void ike_engine_get_stats(const struct ike_engine *e, struct ike_engine_stats *out)
{
	const struct ike_sa *s;

	*out = e->stats;
	out->ike_sas_established = 0;
	out->ike_sas_half_open = e->n_half_open;
	for (s = e->sas; s; s = s->next)
		if (s->state == IKE_SA_ESTABLISHED)
			out->ike_sas_established++;
}

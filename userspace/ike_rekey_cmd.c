// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `xdpsecctl rekey --child NAME | --ike NAME`: the operator asks for a
 * rekey now rather than at the soft lifetime.  The rekey is queued as the
 * lifetime timer would queue it (IKE_TASK_REKEY_CHILD / IKE_TASK_REKEY_IKE,
 * ike_x_rekey.c does the exchange), so that a rekey the peer starts at the
 * same moment is resolved as any collision is (RFC 7296 2.8.1, 2.8.2).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike_xchg.h"
#include "log.h"

static bool queued(const struct ike_sa *sa, enum ike_task_kind kind, const struct ike_child *c)
{
	unsigned int i;

	for (i = 0; i < sa->n_tasks; i++)
		if (sa->tasks[i].kind == kind && sa->tasks[i].c == c)
			return true;
	return false;
}

static bool queue(struct ike_sa *sa, enum ike_task_kind kind, struct ike_child *c)
{
	if (queued(sa, kind, c))
		return true;
	if (sa->n_tasks == IKE_SA_MAX_TASKS)
		return false;
	sa->tasks[sa->n_tasks++] = (struct ike_task){ .kind = kind, .c = c };
	return true;
}

/* Every installed Child SA named name that no rekey is replacing yet. */
static unsigned int rekey_children(struct ike_engine *e, const char *name)
{
	struct ike_child *c;
	unsigned int n = 0;
	struct ike_sa *s;

	for (s = e->sas; s; s = s->next) {
		if (s->state != IKE_SA_ESTABLISHED || s->rekeyed)
			continue;
		for (c = s->children; c; c = c->next) {
			if (strcmp(c->name, name) || c->state != IKE_CHILD_INSTALLED ||
			    c->rekey_by || !c->cfg)
				continue;
			if (!queue(s, IKE_TASK_REKEY_CHILD, c))
				continue;
			xs_info("CHILD_SA %s{%u}: rekey requested by the operator", c->name, c->uid);
			n++;
		}
		ike_sa_run_tasks(s);
	}
	return n;
}

/* Every established IKE SA of connection name not already being rekeyed. */
static unsigned int rekey_ike(struct ike_engine *e, const char *name)
{
	char sa_name[IKE_SA_NAME_MAX + 16];
	unsigned int n = 0;
	struct ike_sa *s;

	for (s = e->sas; s; s = s->next) {
		if (s->state != IKE_SA_ESTABLISHED || s->rekeyed || s->rekey_new || !s->conn ||
		    strcmp(s->conn->name, name))
			continue;
		if (!queue(s, IKE_TASK_REKEY_IKE, NULL))
			continue;
		xs_info("IKE_SA %s: rekey requested by the operator",
			ike_sa_name(s, sa_name, sizeof(sa_name)));
		n++;
		ike_sa_run_tasks(s);
	}
	return n;
}

int ike_engine_rekey(struct ike_engine *e, const char *name, bool ike, uint64_t now_ms,
		     char *err, size_t errlen)
{
	unsigned int n;

	e->now_ms = now_ms;
	e->timers_stale = true;
	n = ike ? rekey_ike(e, name) : rekey_children(e, name);
	ike_sa_reap(e);
	if (n)
		return (int)n;
	snprintf(err, errlen, ike ? "no established IKE_SA of connection '%s' to rekey" :
			      "no installed CHILD_SA named '%s' to rekey", name);
	return -ENOENT;
}

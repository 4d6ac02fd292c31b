// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IKE SAs that die of silence: a request whose retransmissions were given
 * up, or a responder's half-open SA that never saw IKE_AUTH.  Besides the
 * human line they get the structured `deleted` event (reason "timeout")
 * and are counted (ike_sas_timed_out), as other deletions are.
 */
#include <stdio.h>

#include "events.h"
#include "ike_xchg.h"

void ike_sa_timed_out(struct ike_sa *sa, const char *why)
{
	char name[IKE_SA_NAME_MAX + 16];
	struct ike_event ev;

	if (sa->state == IKE_SA_DEAD)
		return;
	sa->e->stats.ike_sas_timed_out++;
	if (sa->established_ms)
		sa->e->stats.ike_sas_deleted++;
	ike_event_init(&ev, IKE_EV_DELETED, sa, NULL);
	ev.reason = "timeout";
	ike_sa_kill(sa, NULL);
	ike_event(&ev, "IKE_SA %s %s", ike_sa_name(sa, name, sizeof(name)), why);
}

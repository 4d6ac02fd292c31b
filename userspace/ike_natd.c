// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * NAT traversal: detection (RFC 7296 2.23), the move to the NAT-T port,
 * following a peer whose NAT mapping changed, and keepalives (RFC 3948 4).
 *
 * Each side sends SHA-1(SPIi | SPIr | address | port) of its own source
 * (NAT_DETECTION_SOURCE_IP) and of the destination it sent to
 * (NAT_DETECTION_DESTINATION_IP).  A source hash that matches nothing we
 * see means the peer is behind a NAT; a destination hash that is not our
 * address and port means we are.  encap = yes fakes our source hash, as
 * strongSwan does, so that both sides UDP-encapsulate ESP anyway.
 *
 * After IKE_SA_INIT with a NAT, the initiator floats: its next request
 * goes from our NAT-T port to the peer's port 4500.  The responder always
 * answers the address and port a request came from, and follows the
 * float.  Later moves are NAT rebinding, followed only by the side that is
 * not behind a NAT (ike_natd_track).  The side behind a NAT keeps its
 * mapping open with a 0xFF byte whenever it sent the peer nothing for
 * keepalive_ms.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "events.h"
#include "ike_xchg.h"
#include "log.h"
#include "selector.h"

static int natd_hash(const uint8_t *spi_i, const uint8_t *spi_r, const struct ike_endpoint *ep,
		     uint8_t *out)
{
	int family = ep->family == XS_AF_INET ? AF_INET : AF_INET6;

	return ike_natd_hash(spi_i, spi_r, family, ep->addr, ep->port, out);
}

int ike_natd_build(struct ike_sa *sa, struct ike_builder *b)
{
	return ike_natd_build_eps(sa, b, &sa->local, &sa->remote);
}

int ike_natd_build_eps(struct ike_sa *sa, struct ike_builder *b, const struct ike_endpoint *local,
		       const struct ike_endpoint *remote)
{
	uint8_t src[IKE_NATD_HASH_LEN], dst[IKE_NATD_HASH_LEN];

	if (sa->conn && sa->conn->encap) {
		if (ike_random(src, sizeof(src)))
			return ike_build_fail(b, -EIO);
	} else if (natd_hash(sa->spi_i, sa->spi_r, local, src)) {
		return ike_build_fail(b, -EIO);
	}
	if (natd_hash(sa->spi_i, sa->spi_r, remote, dst))
		return ike_build_fail(b, -EIO);
	ike_build_notify_simple(b, IKE_N_NAT_DETECTION_SOURCE_IP, src, sizeof(src));
	return ike_build_notify_simple(b, IKE_N_NAT_DETECTION_DESTINATION_IP, dst, sizeof(dst));
}

/* Does one of in's notifies of type carry the hash of ep? *seen: any of that type. */
static bool natd_match(const struct ike_in *in, uint16_t type, const struct ike_endpoint *ep,
		       bool *seen)
{
	uint8_t want[IKE_NATD_HASH_LEN];
	struct ike_pl_notify n;
	unsigned int i;

	if (natd_hash(in->hdr->spi_i, in->hdr->spi_r, ep, want))
		return false;
	for (i = 0; i < in->chain.n; i++) {
		const struct ike_payload *p = &in->chain.pl[i];

		if (p->type != IKE_PL_NOTIFY || ike_pl_notify_decode(p->body, p->len, &n) ||
		    n.type != type)
			continue;
		*seen = true;
		if (n.len == IKE_NATD_HASH_LEN && !memcmp(n.data, want, IKE_NATD_HASH_LEN))
			return true;
	}
	return false;
}

bool ike_natd_check(struct ike_sa *sa, const struct ike_in *in)
{
	bool seen_s = false, seen_d = false;
	bool src_ok = natd_match(in, IKE_N_NAT_DETECTION_SOURCE_IP, &in->remote, &seen_s);
	bool dst_ok = natd_match(in, IKE_N_NAT_DETECTION_DESTINATION_IP, &in->local, &seen_d);

	if (!seen_s || !seen_d)
		return false;
	sa->nat_remote = !src_ok;
	sa->nat_local = !dst_ok;
	return true;
}

void ike_natd_float(struct ike_sa *sa)
{
	const struct ike_engine_params *p = &sa->e->params;

	if (!sa->nat_local && !sa->nat_remote && !(sa->conn && sa->conn->encap)) {
		ike_mobike_float(sa);
		return;
	}
	sa->natt = true;
	if (!sa->initiator)
		return;
	if (sa->local.port == p->port)
		sa->local.port = p->natt_port;
	if (sa->remote.port == IKE_PORT)
		sa->remote.port = IKE_NATT_PORT;
}

/*
 * With MOBIKE a new address is followed only through UPDATE_SA_ADDRESSES
 * (ike_mobike.c); a new port of the same address (the peer's NAT rebound)
 * still is, as the peer would only find out at its next NAT-D check.
 *
 * RFC 7296 2.23: "a host that [...] is not behind a NAT, SHOULD send all
 * packets [...] to the IP address and port in the validated packet"; one
 * behind a NAT SHOULD NOT (its peer does not move, and following would let
 * whoever replays a message elsewhere redirect the SA).  As strongSwan
 * does, a responder behind a NAT follows too: it is reached through a
 * static mapping, not one that rebinds.  During IKE_AUTH the move is the
 * initiator's float, always followed.
 */
static bool may_follow(const struct ike_sa *sa)
{
	if (sa->state == IKE_SA_HALF_OPEN || sa->state == IKE_SA_AUTHENTICATING)
		return true;
	return sa->nat_remote && (!sa->nat_local || !sa->first_initiator);
}

void ike_natd_moved_event(struct ike_sa *sa, const struct ike_endpoint *was_local,
			  const struct ike_endpoint *was_remote, const char *reason)
{
	char name[IKE_SA_NAME_MAX + 16], was[ADDR_PORT_STR_MAX];
	struct ike_event ev;

	sa->e->stats.address_changes++;
	ike_event_init(&ev, IKE_EV_ADDRESS_CHANGED, sa, NULL);
	ev.reason = reason;
	ike_sa_name(sa, name, sizeof(name));
	if (!ike_ep_equal(was_remote, &sa->remote)) {
		ike_ep_format(was_remote, ev.old_remote, sizeof(ev.old_remote));
		ike_event(&ev, "IKE_SA %s: peer moved from %s to %s (%s)", name, ev.old_remote,
			  ev.remote, reason);
		return;
	}
	ike_event(&ev, "IKE_SA %s: moved from %s to %s (%s)", name,
		  ike_ep_format(was_local, was, sizeof(was)), ev.local, reason);
}

void ike_natd_track(struct ike_sa *sa, const struct ike_in *in)
{
	struct ike_endpoint was = sa->remote, was_local = sa->local;
	bool moved = !ike_ep_equal(&sa->remote, &in->remote);

	if (!moved && ike_ep_equal(&sa->local, &in->local))
		return;
	if (!sa->natt || in->remote.family != sa->remote.family || !may_follow(sa))
		return;
	if (sa->mobike && sa->state == IKE_SA_ESTABLISHED &&
	    (!ike_ep_addr_equal(&sa->remote, &in->remote) || !ike_ep_equal(&sa->local, &in->local)))
		return;		/* RFC 4555 3.5: only UPDATE_SA_ADDRESSES moves it (ike_mobike.c) */
	sa->remote = in->remote;
	sa->local = in->local;
	ike_child_update_addrs(sa);
	if (moved && sa->state == IKE_SA_ESTABLISHED)
		ike_natd_moved_event(sa, &was_local, &was, ike_esp_follow_answered(sa, in) ?
				     "ESP from new mapping" : "NAT mapping changed");
}

bool ike_natd_keepalive_due(const struct ike_sa *sa, uint64_t *due)
{
	const struct ike_engine *e = sa->e;

	if (sa->state != IKE_SA_ESTABLISHED || !sa->natt || !sa->nat_local ||
	    !e->params.keepalive_ms || !e->ops.send_keepalive)
		return false;
	*due = sa->last_out_ms + e->params.keepalive_ms;
	return true;
}

void ike_natd_keepalive(struct ike_sa *sa, uint64_t *next)
{
	struct ike_engine *e = sa->e;
	uint64_t due;
	int ret;

	if (!ike_natd_keepalive_due(sa, &due))
		return;
	if (e->now_ms >= due) {
		ret = e->ops.send_keepalive(e->ctx, &sa->local, &sa->remote);
		if (ret)
			xs_debug("keepalive not sent: %d", ret);
		sa->last_out_ms = e->now_ms;
		due = e->now_ms + e->params.keepalive_ms;
	}
	if (due < *next)
		*next = due;
}

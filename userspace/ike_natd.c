// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * NAT detection (RFC 7296 2.23) and the move to the NAT-T port.
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
 * answers the address and port a request came from (ike_msg_io.c follows
 * the peer's latest authenticated mapping).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "ike_xchg.h"

static int natd_hash(const uint8_t *spi_i, const uint8_t *spi_r, const struct ike_endpoint *ep,
		     uint8_t *out)
{
	int family = ep->family == XS_AF_INET ? AF_INET : AF_INET6;

	return ike_natd_hash(spi_i, spi_r, family, ep->addr, ep->port, out);
}

int ike_natd_build(struct ike_sa *sa, struct ike_builder *b)
{
	uint8_t src[IKE_NATD_HASH_LEN], dst[IKE_NATD_HASH_LEN];

	if (sa->conn && sa->conn->encap) {
		if (ike_random(src, sizeof(src)))
			return ike_build_fail(b, -EIO);
	} else if (natd_hash(sa->spi_i, sa->spi_r, &sa->local, src)) {
		return ike_build_fail(b, -EIO);
	}
	if (natd_hash(sa->spi_i, sa->spi_r, &sa->remote, dst))
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

	if (!sa->nat_local && !sa->nat_remote && !(sa->conn && sa->conn->encap))
		return;
	sa->natt = true;
	if (!sa->initiator)
		return;
	if (sa->local.port == p->port)
		sa->local.port = p->natt_port;
	if (sa->remote.port == IKE_PORT)
		sa->remote.port = IKE_NATT_PORT;
}

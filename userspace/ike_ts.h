/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IKEv2 traffic selectors (RFC 7296 3.13): an address range, a protocol and
 * a port range, as on the wire.  Here: strongSwan's local_ts/remote_ts
 * syntax, "dynamic" resolved to an address, narrowing (RFC 7296 2.9) and
 * the conversion of a range into the CIDR prefixes the data plane matches
 * (struct xs_selector).
 *
 *	local_ts = 10.1.0.0/16, 10.2.0.1-10.2.0.9, 192.0.2.0/24[tcp/443], dynamic[udp/1000-2000]
 *
 * Narrowing keeps, in our configured order, every non-empty intersection
 * of one of our selectors with one of the peer's, and drops results that
 * another result contains (what strongSwan does).  Nothing left means
 * TS_UNACCEPTABLE.  The responder narrows TSi against remote_ts (dynamic =
 * the peer's address or its virtual IP) and TSr against local_ts (dynamic
 * = our address).  The initiator checks that what comes back lies within
 * what it proposed (ike_ts_all_within).
 */
#ifndef XDPSEC_IKE_TS_H
#define XDPSEC_IKE_TS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane.h"
#include "xdpsec_maps.h"

enum {
	IKE_TS_MAX = 16,		/* selectors per side of a child */
	IKE_TS_STR_MAX = 128,		/* "lo..hi[proto/lo-hi]" fits */
	IKE_TS_PORT_ANY_LO = 0,
	IKE_TS_PORT_ANY_HI = 65535,
};

struct ike_ts {
	uint8_t family;		/* XS_AF_INET or XS_AF_INET6 */
	uint8_t proto;		/* 0 = any */
	uint16_t port_lo;	/* 0-65535 = any; lo > hi (OPAQUE) never matches */
	uint16_t port_hi;
	uint8_t lo[16];		/* inclusive range; IPv4 in the first 4 bytes */
	uint8_t hi[16];
};

/* A configured selector: "dynamic" has no address until resolved. */
struct ike_ts_cfg {
	bool dynamic;		/* ts.family is 0, proto and ports apply */
	struct ike_ts ts;
};

/*
 * One selector: "10.0.0.0/24", "10.0.0.1", "10.0.0.1-10.0.0.9", "dynamic"
 * or "%dynamic", each optionally followed by "[PROTO]", "[PROTO/PORT]" or
 * "[PROTO/LO-HI]" (PROTO a name or number or %any; PORT a number, a service
 * name or %any).  0 or -EINVAL with the reason in err.
 */
int ike_ts_parse(const char *s, struct ike_ts_cfg *out, char *err, size_t errlen);
/* A comma-separated list into out[0..max); *n set.  0 or -EINVAL. */
int ike_ts_parse_list(const char *s, struct ike_ts_cfg *out, unsigned int max, unsigned int *n,
		      char *err, size_t errlen);

/* A host: addr/32 or /128, any protocol and port. */
void ike_ts_from_addr(const struct dp_addr *addr, struct ike_ts *out);
/* A prefix selector as a range, keeping its protocol and ports. */
void ike_ts_from_selector(const struct xs_selector *sel, struct ike_ts *out);

/*
 * Configured selectors with dynamic ones replaced by addr (its protocol and
 * ports kept).  Returns how many were written, -EINVAL if one is dynamic
 * and addr is NULL, -E2BIG if max is too small.
 */
int ike_ts_resolve(const struct ike_ts_cfg *cfg, unsigned int n, const struct dp_addr *addr,
		   struct ike_ts *out, unsigned int max);

/* a and b intersected into *out (may alias neither); false if empty. */
bool ike_ts_intersect(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out);
/* Is every packet inner matches also matched by outer? */
bool ike_ts_within(const struct ike_ts *inner, const struct ike_ts *outer);
/* Is each of ts[] within one of allowed[] (the initiator's check)? */
bool ike_ts_all_within(const struct ike_ts *ts, unsigned int n, const struct ike_ts *allowed,
		       unsigned int n_allowed);
bool ike_ts_equal(const struct ike_ts *a, const struct ike_ts *b);

/*
 * RFC 7296 2.9 narrowing of the peer's selectors against ours.  Returns
 * the number written to out (>= 1), -ENOENT when nothing intersects
 * (TS_UNACCEPTABLE), -E2BIG when more than max results remain.
 */
int ike_ts_narrow(const struct ike_ts *ours, unsigned int n_ours, const struct ike_ts *peer,
		  unsigned int n_peer, struct ike_ts *out, unsigned int max);
/* ike_ts_resolve then ike_ts_narrow. */
int ike_ts_narrow_cfg(const struct ike_ts_cfg *cfg, unsigned int n_cfg,
		      const struct dp_addr *dynamic, const struct ike_ts *peer, unsigned int n_peer,
		      struct ike_ts *out, unsigned int max);

/*
 * The fewest CIDR prefixes covering exactly ts's address range, each with
 * ts's protocol and ports.  Returns how many were written (a range may
 * need up to 2 * bits - 2), or -E2BIG if max is too small, -EINVAL for an
 * OPAQUE or empty selector.
 */
int ike_ts_to_selectors(const struct ike_ts *ts, struct xs_selector *out, unsigned int max);

/* strongSwan's form: "10.0.0.0/24", "10.0.0.1..10.0.0.9", then "[tcp/80]". */
const char *ike_ts_format(const struct ike_ts *ts, char *buf, size_t len);
/* As above, or "dynamic[...]". */
const char *ike_ts_cfg_format(const struct ike_ts_cfg *ts, char *buf, size_t len);

#endif /* XDPSEC_IKE_TS_H */

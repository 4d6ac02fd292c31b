/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Network device, route and neighbour helpers the daemon needs around the
 * data plane: look up and configure links (MTU, up, NOARP, offloads, veth
 * pairs), install the routes that steer traffic into the tunnel device, and
 * find the next hop's MAC address for packets that XDP transmits itself.
 *
 * Raw rtnetlink (netlink.c) and ethtool ioctls; no libnl.  Every function
 * works in the caller's network namespace, returns 0 (or a documented
 * non-negative value) on success and -errno on failure, and logs nothing:
 * the caller decides what a failure means and logs it once.
 *
 * Addresses are raw network-order bytes: 4 for AF_INET, 16 for AF_INET6.
 */
#ifndef XDPSEC_NETDEV_H
#define XDPSEC_NETDEV_H

#include <stdbool.h>
#include <stdint.h>

enum { NETDEV_ADDR_MAX = 16, NETDEV_MAC_LEN = 6 };

struct netdev_route {
	int oif;			/* output interface index */
	uint8_t type;			/* RTN_UNICAST, RTN_LOCAL, ... */
	bool has_gateway;
	uint8_t gw_family;		/* AF_INET6 for an IPv4 route via IPv6 */
	uint8_t gateway[NETDEV_ADDR_MAX];
	bool has_prefsrc;
	uint8_t prefsrc[NETDEV_ADDR_MAX];	/* source the kernel would pick */
};

/* Links.  netdev_ifindex() returns the index (> 0); the getters return the
 * value; netdev_num_rx_queues() returns IFLA_NUM_RX_QUEUES. */
int netdev_ifindex(const char *ifname);
int netdev_get_mac(int ifindex, uint8_t mac[NETDEV_MAC_LEN]);
int netdev_get_mtu(int ifindex);
int netdev_set_mtu(int ifindex, int mtu);
int netdev_set_up(int ifindex, bool up);
int netdev_set_noarp(int ifindex, bool noarp);
int netdev_num_rx_queues(int ifindex);

/* A veth pair with @queues TX and RX queues on both ends (0: the kernel's
 * default); -EEXIST when either name is taken. */
int netdev_veth_create(const char *name, const char *peer, unsigned int queues);
int netdev_delete(const char *name);

/* TSO, GSO, GRO, scatter-gather and TX checksumming off, so the stack hands
 * the device whole, checksummed packets; every other *-segmentation, GRO
 * and checksum feature is cleared too where the device lets us.  A feature
 * the device cannot change is fine as long as it reads back off
 * (-EOPNOTSUPP otherwise). */
int netdev_disable_offloads(const char *ifname);

/* Write @value to @path, which must lie under /proc/sys/. */
int netdev_sysctl_write(const char *path, const char *value);

/* Main-table, RTPROT_STATIC, scope-link routes without a gateway; host bits
 * of @dst beyond @prefixlen are ignored.  Delete matches @oif when > 0. */
int netdev_route_replace(int family, const uint8_t *dst, int prefixlen, int oif_ifindex,
			 const uint8_t *prefsrc);
int netdev_route_delete(int family, const uint8_t *dst, int prefixlen, int oif_ifindex);

/* What `ip route get DST` says. */
int netdev_route_get(int family, const uint8_t *dst, struct netdev_route *out);

/* The MAC of @addr on @ifindex; -ENOENT unless the entry is usable
 * (REACHABLE, STALE, DELAY, PROBE, PERMANENT or NOARP) and has an address. */
int netdev_neigh_get(int family, const uint8_t *addr, int ifindex,
		     uint8_t mac[NETDEV_MAC_LEN]);

/* Route @dst, then find the MAC of its gateway (or of @dst when on-link),
 * making the kernel resolve it if needed and waiting up to @timeout_ms
 * (<= 0: start the resolution and return at once).  *oif gets the route's
 * device.  -EHOSTUNREACH on timeout and for local, broadcast or multicast
 * destinations; route errors as from netdev_route_get().  A STALE entry
 * counts as resolved: traffic sent by XDP never confirms it, so callers
 * refresh it themselves. */
int netdev_resolve_nexthop(int family, const uint8_t *dst, int *oif,
			   uint8_t mac[NETDEV_MAC_LEN], int timeout_ms);

/* First global-scope address of @family on @ifindex (IPv4: the local
 * address; link-local and host-scope ones are skipped); -ENOENT if none. */
int netdev_first_addr(int ifindex, int family, uint8_t addr[NETDEV_ADDR_MAX]);
/* A global address of ours, on any interface, inside @prefix/@prefixlen. */
int netdev_addr_in_prefix(int family, const uint8_t *prefix, int prefixlen,
			  uint8_t addr[NETDEV_ADDR_MAX]);

#endif /* XDPSEC_NETDEV_H */

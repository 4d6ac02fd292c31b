// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Links, offloads, sysctls, routes, neighbours and addresses for the daemon
 * (see netdev.h).  Each helper builds one rtnetlink request with netlink.c
 * and reads what it needs out of the reply.  Offloads go through SIOCETHTOOL:
 * a by-name ETHTOOL_SFEATURES sweep, then the legacy per-feature calls whose
 * read-back decides success.
 *
 * Next-hop resolution never speaks ARP or NDP itself: it sends one empty
 * UDP datagram towards the next hop, which makes the kernel resolve the
 * neighbour, and then polls the neighbour table.
 */
#include "netdev.h"
#include "netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/sockios.h>
#include <linux/veth.h>

enum {
	DISCARD_PORT = 9,		/* RFC 863: where the resolution kick goes */
	NEIGH_POLL_MS = 10,
	NEIGH_KICK_MS = 1000,		/* re-kick: a FAILED entry restarts on traffic */
};

#define NEIGH_USABLE (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | \
		      NUD_PERMANENT | NUD_NOARP)

static int addr_len(int family)
{
	if (family == AF_INET)
		return 4;
	if (family == AF_INET6)
		return 16;
	return -EAFNOSUPPORT;
}

static bool ifname_ok(const char *name)
{
	return name && name[0] && strlen(name) < IFNAMSIZ;
}

/* ---- links ---------------------------------------------------------- */

struct link_info {
	bool found;
	bool has_mac;
	uint8_t mac[NETDEV_MAC_LEN];
	uint32_t mtu;
	uint32_t num_rx_queues;
};

static int link_parse(const struct nlmsghdr *nh, void *arg)
{
	const struct rtattr *tb[IFLA_MAX + 1];
	struct link_info *li = arg;
	const struct rtattr *rta;
	int len;

	if (nh->nlmsg_type != RTM_NEWLINK)
		return 0;
	rta = nl_msg_attrs(nh, sizeof(struct ifinfomsg), &len);
	if (len < 0)
		return -EBADMSG;
	nl_parse_attrs(tb, IFLA_MAX, rta, len);
	li->found = true;
	li->has_mac = nl_attr_get(tb[IFLA_ADDRESS], li->mac, sizeof(li->mac));
	nl_attr_get(tb[IFLA_MTU], &li->mtu, sizeof(li->mtu));
	nl_attr_get(tb[IFLA_NUM_RX_QUEUES], &li->num_rx_queues, sizeof(li->num_rx_queues));
	return 0;
}

static int link_get(int ifindex, struct link_info *li)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nl_msg m;
	int ret;

	memset(li, 0, sizeof(*li));
	if (ifindex <= 0)
		return -ENODEV;
	nl_msg_init(&m, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	ret = nl_request(&m, link_parse, li);
	if (!ret && !li->found)
		ret = -ENODEV;
	return ret;
}

/* An RTM_NEWLINK that changes an existing link: the flags in @change take
 * their value from @flags, attributes follow. */
static void link_change_init(struct nl_msg *m, int ifindex, unsigned int flags,
			     unsigned int change)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = ifindex,
		.ifi_flags = flags,
		.ifi_change = change,
	};

	nl_msg_init(m, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
}

static int link_set_flag(int ifindex, unsigned int flag, bool on)
{
	struct nl_msg m;

	if (ifindex <= 0)
		return -ENODEV;
	link_change_init(&m, ifindex, on ? flag : 0, flag);
	return nl_request(&m, NULL, NULL);
}

int netdev_ifindex(const char *ifname)
{
	unsigned int idx;

	if (!ifname_ok(ifname))
		return -EINVAL;
	idx = if_nametoindex(ifname);
	if (!idx)
		return errno ? -errno : -ENODEV;
	return (int)idx;
}

int netdev_get_mac(int ifindex, uint8_t mac[NETDEV_MAC_LEN])
{
	struct link_info li;
	int ret;

	ret = link_get(ifindex, &li);
	if (ret)
		return ret;
	/* Tunnels and other non-Ethernet links have no (or a longer) address. */
	if (!li.has_mac)
		return -EADDRNOTAVAIL;
	memcpy(mac, li.mac, sizeof(li.mac));
	return 0;
}

int netdev_get_mtu(int ifindex)
{
	struct link_info li;
	int ret;

	ret = link_get(ifindex, &li);
	return ret ? ret : (int)li.mtu;
}

int netdev_num_rx_queues(int ifindex)
{
	struct link_info li;
	int ret;

	ret = link_get(ifindex, &li);
	return ret ? ret : (int)li.num_rx_queues;
}

int netdev_set_mtu(int ifindex, int mtu)
{
	struct nl_msg m;

	if (ifindex <= 0)
		return -ENODEV;
	if (mtu <= 0)
		return -EINVAL;
	link_change_init(&m, ifindex, 0, 0);
	nl_attr_put_u32(&m, IFLA_MTU, (uint32_t)mtu);
	return nl_request(&m, NULL, NULL);
}

int netdev_set_up(int ifindex, bool up)
{
	return link_set_flag(ifindex, IFF_UP, up);
}

int netdev_set_noarp(int ifindex, bool noarp)
{
	return link_set_flag(ifindex, IFF_NOARP, noarp);
}

static void link_put_name_queues(struct nl_msg *m, const char *name, unsigned int queues)
{
	nl_attr_put_str(m, IFLA_IFNAME, name);
	if (!queues)
		return;
	nl_attr_put_u32(m, IFLA_NUM_TX_QUEUES, queues);
	nl_attr_put_u32(m, IFLA_NUM_RX_QUEUES, queues);
}

int netdev_veth_create(const char *name, const char *peer, unsigned int queues)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtattr *linkinfo, *data, *peerinfo;
	struct nl_msg m;

	if (!ifname_ok(name) || !ifname_ok(peer))
		return -EINVAL;
	nl_msg_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	link_put_name_queues(&m, name, queues);
	linkinfo = nl_nest_begin(&m, IFLA_LINKINFO);
	nl_attr_put_str(&m, IFLA_INFO_KIND, "veth");
	data = nl_nest_begin(&m, IFLA_INFO_DATA);
	/* The peer is described by a whole ifinfomsg and its own attributes. */
	peerinfo = nl_nest_begin(&m, VETH_INFO_PEER);
	nl_put_raw(&m, &ifi, sizeof(ifi));
	link_put_name_queues(&m, peer, queues);
	nl_nest_end(&m, peerinfo);
	nl_nest_end(&m, data);
	nl_nest_end(&m, linkinfo);
	return nl_request(&m, NULL, NULL);
}

int netdev_delete(const char *name)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg m;

	if (!ifname_ok(name))
		return -EINVAL;
	nl_msg_init(&m, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	nl_attr_put_str(&m, IFLA_IFNAME, name);
	return nl_request(&m, NULL, NULL);
}

/* ---- offloads and sysctls ------------------------------------------- */

struct offload {
	uint32_t get, set;
};

/* Order matters little (turning SG off drops TSO and GSO with it), but
 * clearing the dependants first avoids transient fix-ups. */
static const struct offload offloads[] = {
	{ ETHTOOL_GTSO, ETHTOOL_STSO },
	{ ETHTOOL_GGSO, ETHTOOL_SGSO },
	{ ETHTOOL_GGRO, ETHTOOL_SGRO },
	{ ETHTOOL_GSG, ETHTOOL_SSG },
	{ ETHTOOL_GTXCSUM, ETHTOOL_STXCSUM },
};

static int ethtool_ioctl(int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	ifr.ifr_data = cmd;
	/* ETHTOOL_SFEATURES returns non-negative ETHTOOL_F_* hints. */
	return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

static int ethtool_value(int fd, const char *ifname, uint32_t cmd, uint32_t *value)
{
	struct ethtool_value ev = { .cmd = cmd, .data = *value };
	int ret;

	ret = ethtool_ioctl(fd, ifname, &ev);
	if (!ret)
		*value = ev.data;
	return ret;
}

/* Fixed features refuse to be set (-EOPNOTSUPP): judge by the read-back. */
static int offload_off(int fd, const char *ifname, const struct offload *o)
{
	uint32_t value = 0;
	int set_err, ret;

	set_err = ethtool_value(fd, ifname, o->set, &value);
	value = 0;
	ret = ethtool_value(fd, ifname, o->get, &value);
	if (ret)
		return ret;
	if (!value)
		return 0;
	return set_err ? set_err : -EOPNOTSUPP;
}

static int features_count(int fd, const char *ifname, unsigned int *count)
{
	uint64_t buf[(sizeof(struct ethtool_sset_info) + sizeof(uint32_t) + 7) / 8] = { 0 };
	struct ethtool_sset_info *info = (struct ethtool_sset_info *)buf;
	int ret;

	info->cmd = ETHTOOL_GSSET_INFO;
	info->sset_mask = 1ULL << ETH_SS_FEATURES;
	ret = ethtool_ioctl(fd, ifname, info);
	if (ret)
		return ret;
	if (!(info->sset_mask & (1ULL << ETH_SS_FEATURES)))
		return -EOPNOTSUPP;
	*count = info->data[0];
	return 0;
}

static bool feature_is_offload(const char *gstring)
{
	static const char *const prefixes[] = {
		"tx-checksum-", "tx-scatter-gather", "tx-gso-", "rx-gro", "rx-lro", "rx-udp-gro",
	};
	static const char suffix[] = "-segmentation";
	char name[ETH_GSTRING_LEN + 1] = "";
	size_t i, len;

	memcpy(name, gstring, ETH_GSTRING_LEN);	/* not NUL-terminated when full */
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	len = strlen(name);
	return !strncmp(name, "tx-", 3) && len > strlen(suffix) &&
	       !strcmp(name + len - strlen(suffix), suffix);
}

/*
 * Every segmentation, checksum, scatter-gather and GRO feature by name,
 * including those the legacy calls do not cover: on 6.18, ETHTOOL_STSO
 * leaves tx-tcp-accecn-segmentation on, and SCTP, UDP and fraglist GSO
 * have no legacy call at all.  Unchangeable bits are simply not applied.
 */
static int features_sweep(int fd, const char *ifname)
{
	struct ethtool_sfeatures *sf = NULL;
	struct ethtool_gstrings *names = NULL;
	unsigned int count, words, i;
	int ret;

	ret = features_count(fd, ifname, &count);
	if (ret)
		return ret;
	words = (count + 31) / 32;
	names = calloc(1, sizeof(*names) + (size_t)count * ETH_GSTRING_LEN);
	sf = calloc(1, sizeof(*sf) + words * sizeof(sf->features[0]));
	if (!names || !sf) {
		ret = -ENOMEM;
		goto free_bufs;
	}
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_FEATURES;
	names->len = count;
	ret = ethtool_ioctl(fd, ifname, names);
	if (ret)
		goto free_bufs;
	sf->cmd = ETHTOOL_SFEATURES;
	sf->size = words;
	/* valid and not requested: off */
	for (i = 0; i < names->len && i < count; i++)
		if (feature_is_offload((const char *)names->data + i * ETH_GSTRING_LEN))
			sf->features[i / 32].valid |= 1U << (i % 32);
	ret = ethtool_ioctl(fd, ifname, sf);
free_bufs:
	free(names);
	free(sf);
	return ret;
}

/* The sweep is best effort; the legacy calls and their read-back decide. */
int netdev_disable_offloads(const char *ifname)
{
	unsigned int i;
	int fd, ret = 0;

	if (!ifname_ok(ifname))
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	features_sweep(fd, ifname);
	for (i = 0; i < sizeof(offloads) / sizeof(offloads[0]) && !ret; i++)
		ret = offload_off(fd, ifname, &offloads[i]);
	close(fd);
	return ret;
}

static bool sysctl_path_ok(const char *path)
{
	size_t len;

	if (!path || strncmp(path, "/proc/sys/", strlen("/proc/sys/")))
		return false;
	len = strlen(path);
	return !strstr(path, "/../") && !(len >= 3 && !strcmp(path + len - 3, "/.."));
}

int netdev_sysctl_write(const char *path, const char *value)
{
	size_t len;
	ssize_t n;
	int fd, ret = 0;

	if (!sysctl_path_ok(path) || !value)
		return -EINVAL;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = strlen(value);
	n = write(fd, value, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	return ret;
}

/* ---- routes --------------------------------------------------------- */

/* Copy the first @prefixlen bits of @src, zeroing the rest of @alen bytes. */
static void prefix_copy(uint8_t *dst, const uint8_t *src, int prefixlen, int alen)
{
	int i;

	for (i = 0; i < alen; i++) {
		int bits = prefixlen - i * 8;

		if (bits >= 8)
			dst[i] = src[i];
		else if (bits > 0)
			dst[i] = src[i] & (uint8_t)(0xff << (8 - bits));
		else
			dst[i] = 0;
	}
}

static int route_msg_init(struct nl_msg *m, uint16_t type, uint16_t flags, uint8_t scope,
			  int family, const uint8_t *dst, int prefixlen, int oif)
{
	struct rtmsg rtm = {
		.rtm_family = (uint8_t)family,
		.rtm_dst_len = (uint8_t)prefixlen,
		.rtm_table = RT_TABLE_MAIN,
		.rtm_protocol = RTPROT_STATIC,
		.rtm_scope = scope,
		.rtm_type = RTN_UNICAST,
	};
	uint8_t key[NETDEV_ADDR_MAX];
	int alen = addr_len(family);

	if (alen < 0)
		return alen;
	if (!dst || prefixlen < 0 || prefixlen > alen * 8)
		return -EINVAL;
	/* IPv4 rejects a destination with host bits set; drop them here. */
	prefix_copy(key, dst, prefixlen, alen);
	nl_msg_init(m, type, flags, &rtm, sizeof(rtm));
	nl_attr_put(m, RTA_DST, key, alen);
	if (oif > 0)
		nl_attr_put_u32(m, RTA_OIF, (uint32_t)oif);
	return 0;
}

int netdev_route_replace(int family, const uint8_t *dst, int prefixlen, int oif_ifindex,
			 const uint8_t *prefsrc)
{
	struct nl_msg m;
	int ret;

	if (oif_ifindex <= 0)
		return -ENODEV;
	ret = route_msg_init(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, RT_SCOPE_LINK,
			     family, dst, prefixlen, oif_ifindex);
	if (ret)
		return ret;
	if (prefsrc)
		nl_attr_put(&m, RTA_PREFSRC, prefsrc, (size_t)addr_len(family));
	return nl_request(&m, NULL, NULL);
}

int netdev_route_delete(int family, const uint8_t *dst, int prefixlen, int oif_ifindex)
{
	struct nl_msg m;
	int ret;

	/* RT_SCOPE_NOWHERE matches any scope; RTPROT_STATIC only ours. */
	ret = route_msg_init(&m, RTM_DELROUTE, 0, RT_SCOPE_NOWHERE,
			     family, dst, prefixlen, oif_ifindex);
	return ret ? ret : nl_request(&m, NULL, NULL);
}

struct route_ctx {
	int family;
	bool found;
	struct netdev_route rt;
};

/* RTA_VIA: a gateway of another family (IPv4 routes via IPv6, RFC 5549). */
static bool route_parse_via(const struct rtattr *rta, struct netdev_route *rt)
{
	const struct rtvia *via;
	int alen;

	if (!rta || RTA_PAYLOAD(rta) < sizeof(*via))
		return false;
	via = RTA_DATA(rta);
	alen = addr_len(via->rtvia_family);
	if (alen < 0 || RTA_PAYLOAD(rta) != sizeof(*via) + (size_t)alen)
		return false;
	rt->gw_family = (uint8_t)via->rtvia_family;
	memcpy(rt->gateway, via->rtvia_addr, alen);
	return true;
}

static int route_parse(const struct nlmsghdr *nh, void *arg)
{
	const struct rtattr *tb[RTA_MAX + 1];
	struct route_ctx *ctx = arg;
	struct netdev_route *rt = &ctx->rt;
	int alen = addr_len(ctx->family);
	const struct rtattr *rta;
	uint32_t oif = 0;
	int len;

	if (nh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	rta = nl_msg_attrs(nh, sizeof(struct rtmsg), &len);
	if (len < 0)
		return -EBADMSG;
	nl_parse_attrs(tb, RTA_MAX, rta, len);
	memset(rt, 0, sizeof(*rt));
	rt->type = ((const struct rtmsg *)NLMSG_DATA(nh))->rtm_type;
	nl_attr_get(tb[RTA_OIF], &oif, sizeof(oif));
	rt->oif = (int)oif;
	rt->has_gateway = nl_attr_get(tb[RTA_GATEWAY], rt->gateway, alen);
	if (rt->has_gateway)
		rt->gw_family = (uint8_t)ctx->family;
	else
		rt->has_gateway = route_parse_via(tb[RTA_VIA], rt);
	rt->has_prefsrc = nl_attr_get(tb[RTA_PREFSRC], rt->prefsrc, alen);
	ctx->found = true;
	return 0;
}

int netdev_route_get(int family, const uint8_t *dst, struct netdev_route *out)
{
	struct route_ctx ctx = { .family = family };
	struct rtmsg rtm = { .rtm_family = (uint8_t)family };
	int alen = addr_len(family);
	struct nl_msg m;
	int ret;

	if (alen < 0)
		return alen;
	if (!dst || !out)
		return -EINVAL;
	rtm.rtm_dst_len = (uint8_t)(alen * 8);
	nl_msg_init(&m, RTM_GETROUTE, 0, &rtm, sizeof(rtm));
	nl_attr_put(&m, RTA_DST, dst, alen);
	ret = nl_request(&m, route_parse, &ctx);
	if (ret)
		return ret;
	if (!ctx.found)
		return -ENETUNREACH;
	*out = ctx.rt;
	return 0;
}

/* ---- neighbours ----------------------------------------------------- */

struct neigh_ctx {
	bool found;
	bool has_mac;
	uint16_t state;
	uint8_t mac[NETDEV_MAC_LEN];
};

static int neigh_parse(const struct nlmsghdr *nh, void *arg)
{
	const struct rtattr *tb[NDA_MAX + 1];
	struct neigh_ctx *ctx = arg;
	const struct rtattr *rta;
	int len;

	if (nh->nlmsg_type != RTM_NEWNEIGH)
		return 0;
	rta = nl_msg_attrs(nh, sizeof(struct ndmsg), &len);
	if (len < 0)
		return -EBADMSG;
	nl_parse_attrs(tb, NDA_MAX, rta, len);
	ctx->found = true;
	ctx->state = ((const struct ndmsg *)NLMSG_DATA(nh))->ndm_state;
	ctx->has_mac = nl_attr_get(tb[NDA_LLADDR], ctx->mac, sizeof(ctx->mac));
	return 0;
}

int netdev_neigh_get(int family, const uint8_t *addr, int ifindex,
		     uint8_t mac[NETDEV_MAC_LEN])
{
	struct ndmsg ndm = { .ndm_family = (uint8_t)family, .ndm_ifindex = ifindex };
	struct neigh_ctx ctx = { 0 };
	int alen = addr_len(family);
	struct nl_msg m;
	int ret;

	if (alen < 0)
		return alen;
	if (!addr)
		return -EINVAL;
	if (ifindex <= 0)
		return -ENODEV;
	nl_msg_init(&m, RTM_GETNEIGH, 0, &ndm, sizeof(ndm));
	nl_attr_put(&m, NDA_DST, addr, alen);
	ret = nl_request(&m, neigh_parse, &ctx);
	if (ret)
		return ret;
	if (!ctx.found || !(ctx.state & NEIGH_USABLE) || !ctx.has_mac)
		return -ENOENT;
	memcpy(mac, ctx.mac, sizeof(ctx.mac));
	return 0;
}

/* Traffic towards @addr out of @ifindex makes the kernel resolve it; an
 * empty datagram to the discard port is the least intrusive such traffic.
 * Errors are ignored: the caller polls the neighbour table anyway. */
static void neigh_kick(int family, const uint8_t *addr, int ifindex)
{
	struct sockaddr_storage to;
	struct sockaddr_in *sin = (struct sockaddr_in *)&to;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&to;
	socklen_t tolen;
	int fd;

	memset(&to, 0, sizeof(to));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(DISCARD_PORT);
		memcpy(&sin->sin_addr, addr, 4);
		tolen = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(DISCARD_PORT);
		memcpy(&sin6->sin6_addr, addr, 16);
		sin6->sin6_scope_id = (uint32_t)ifindex;	/* link-local gateways */
		tolen = sizeof(*sin6);
	}
	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	/* Leave through the routed device even when the next hop is only
	 * on-link by way of that route (the kernel then assumes on-link). */
	setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &ifindex, sizeof(ifindex));
	sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&to, tolen);
	close(fd);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Kick first, then poll: with @timeout_ms <= 0 this starts resolution and
 * returns at once, for callers that come back later. */
static int neigh_wait(int family, const uint8_t *addr, int ifindex,
		      uint8_t mac[NETDEV_MAC_LEN], int timeout_ms)
{
	const struct timespec poll = { .tv_nsec = NEIGH_POLL_MS * 1000000L };
	long long start = now_ms(), next_kick = 0, elapsed;
	int ret;

	for (;;) {
		ret = netdev_neigh_get(family, addr, ifindex, mac);
		if (ret != -ENOENT)
			return ret;
		elapsed = now_ms() - start;
		if (elapsed >= next_kick) {
			neigh_kick(family, addr, ifindex);
			next_kick += NEIGH_KICK_MS;
		}
		if (elapsed >= timeout_ms)
			return -EHOSTUNREACH;
		nanosleep(&poll, NULL);
	}
}

int netdev_resolve_nexthop(int family, const uint8_t *dst, int *oif,
			   uint8_t mac[NETDEV_MAC_LEN], int timeout_ms)
{
	struct netdev_route rt;
	int ret;

	ret = netdev_route_get(family, dst, &rt);
	if (ret)
		return ret;
	/* Local, broadcast and multicast destinations have no next hop. */
	if (rt.type != RTN_UNICAST || rt.oif <= 0)
		return -EHOSTUNREACH;
	if (rt.has_gateway)
		ret = neigh_wait(rt.gw_family, rt.gateway, rt.oif, mac, timeout_ms);
	else
		ret = neigh_wait(family, dst, rt.oif, mac, timeout_ms);
	if (!ret && oif)
		*oif = rt.oif;
	return ret;
}

/* ---- addresses ------------------------------------------------------ */

struct addr_ctx {
	int ifindex;			/* 0: any interface */
	int family;
	const uint8_t *prefix;		/* NULL: any address */
	int prefixlen;
	bool found;
	uint8_t addr[NETDEV_ADDR_MAX];
};

static bool in_prefix(const uint8_t *addr, const uint8_t *prefix, int prefixlen, int alen)
{
	uint8_t a[NETDEV_ADDR_MAX], p[NETDEV_ADDR_MAX];

	prefix_copy(a, addr, prefixlen, alen);
	prefix_copy(p, prefix, prefixlen, alen);
	return !memcmp(a, p, (size_t)alen);
}

static int addr_parse(const struct nlmsghdr *nh, void *arg)
{
	const struct rtattr *tb[IFA_MAX + 1];
	struct addr_ctx *ctx = arg;
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	const struct rtattr *rta;
	uint32_t flags;
	int len;

	if (ctx->found || nh->nlmsg_type != RTM_NEWADDR)
		return 0;
	rta = nl_msg_attrs(nh, sizeof(*ifa), &len);
	if (len < 0)
		return -EBADMSG;
	if ((ctx->ifindex && (int)ifa->ifa_index != ctx->ifindex) ||
	    ifa->ifa_family != ctx->family || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return 0;
	nl_parse_attrs(tb, IFA_MAX, rta, len);
	flags = ifa->ifa_flags;
	nl_attr_get(tb[IFA_FLAGS], &flags, sizeof(flags));	/* the full 32 bits */
	if (flags & IFA_F_DADFAILED)
		return 0;
	/* On point-to-point IPv4 links IFA_ADDRESS is the peer. */
	if (!nl_attr_get(tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS], ctx->addr,
			 (size_t)addr_len(ctx->family)))
		return 0;
	if (ctx->prefix && !in_prefix(ctx->addr, ctx->prefix, ctx->prefixlen, addr_len(ctx->family)))
		return 0;
	ctx->found = true;
	return 0;
}

static int addr_find(struct addr_ctx *ctx, uint8_t addr[NETDEV_ADDR_MAX])
{
	struct ifaddrmsg ifa = { .ifa_family = (uint8_t)ctx->family };
	struct nl_msg m;
	int ret;

	if (addr_len(ctx->family) < 0)
		return -EAFNOSUPPORT;
	nl_msg_init(&m, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa));
	ret = nl_request(&m, addr_parse, ctx);
	if (ret)
		return ret;
	if (!ctx->found)
		return -ENOENT;
	memcpy(addr, ctx->addr, NETDEV_ADDR_MAX);
	return 0;
}

int netdev_first_addr(int ifindex, int family, uint8_t addr[NETDEV_ADDR_MAX])
{
	struct addr_ctx ctx = { .ifindex = ifindex, .family = family };

	if (ifindex <= 0)
		return -ENODEV;
	return addr_find(&ctx, addr);
}

int netdev_addr_in_prefix(int family, const uint8_t *prefix, int prefixlen,
			  uint8_t addr[NETDEV_ADDR_MAX])
{
	struct addr_ctx ctx = { .family = family, .prefix = prefix, .prefixlen = prefixlen };

	return addr_find(&ctx, addr);
}

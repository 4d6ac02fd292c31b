// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Address and route changes from rtnetlink (RTM_NEWADDR, RTM_DELADDR,
 * RTM_NEWROUTE, RTM_DELROUTE, IPv4 and IPv6), for MOBIKE: the daemon
 * polls the socket, drains it, and after a short quiet spell asks the
 * engine to look at its SAs (ike_engine_addresses_changed).  Which source
 * address reaches a peer is the kernel's answer for a connected UDP
 * socket: the routing decision, without sending anything.
 */
#include "addr_watch.h"

#include <errno.h>
#include <limits.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int addr_watch_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE |
			     RTMGRP_IPV6_ROUTE,
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static bool relevant(uint16_t type)
{
	return type == RTM_NEWADDR || type == RTM_DELADDR || type == RTM_NEWROUTE ||
	       type == RTM_DELROUTE;
}

/*
 * The cursor is an int, as in libmnl: NLMSG_NEXT steps by the aligned
 * length, which can pass the end of a buffer whose length is not a multiple
 * of 4; a size_t would wrap and NLMSG_OK read on past the end.
 */
bool addr_watch_parse(const void *buf, size_t len)
{
	int left = len > INT_MAX ? INT_MAX : (int)len;
	const struct nlmsghdr *h;
	bool changed = false;

	for (h = buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left))
		changed |= relevant(h->nlmsg_type);
	return changed;
}

bool addr_watch_drain(int fd)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl from;
	socklen_t from_len = sizeof(from);
	bool changed = false;
	ssize_t n;

	while ((n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
			     &from_len)) > 0 || (n < 0 && errno == ENOBUFS)) {
		if (n < 0) {		/* overrun: something changed, look anyway */
			changed = true;
		} else if (from_len == sizeof(from) && from.nl_pid == 0) {
			changed |= addr_watch_parse(buf, (size_t)n);	/* the kernel's only */
		}
		from_len = sizeof(from);
	}
	return changed;
}

int addr_watch_source_for(const struct ike_endpoint *remote, struct ike_endpoint *src)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, err = 0;

	if (remote->family == XS_AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(remote->port ? remote->port : 500);
		memcpy(&sin->sin_addr, remote->addr, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(remote->port ? remote->port : 500);
		memcpy(&sin6->sin6_addr, remote->addr, 16);
		len = sizeof(*sin6);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len))
		err = -errno;
	close(fd);
	if (err)
		return err;
	memset(src, 0, sizeof(*src));
	src->family = remote->family;
	if (ss.ss_family == AF_INET)
		memcpy(src->addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(src->addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What MOBIKE needs from the host (ike_daemon.c, ike_mobike.c): a
 * NETLINK_ROUTE socket that says when addresses or routes change, and the
 * source address the kernel would use towards a peer now.
 */
#ifndef XDPSEC_ADDR_WATCH_H
#define XDPSEC_ADDR_WATCH_H

#include <stdbool.h>

#include "ike_engine.h"

/* A non-blocking socket subscribed to address and route changes; -errno. */
int addr_watch_open(void);
/* Reads what is pending; true if an address or a route was added or removed. */
bool addr_watch_drain(int fd);
/* The same for one datagram of rtnetlink messages (any bytes: bounds checked). */
bool addr_watch_parse(const void *buf, size_t len);
/* The source address for remote (a connected UDP socket, nothing sent); 0 or -errno. */
int addr_watch_source_for(const struct ike_endpoint *remote, struct ike_endpoint *src);

#endif /* XDPSEC_ADDR_WATCH_H */

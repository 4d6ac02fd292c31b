/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The IKE engine inside xdpsecd: UDP sockets on 500 and 4500 (IPv4 and
 * IPv6), the non-ESP marker, the clock, the operator commands, reload.
 */
#ifndef XDPSEC_IKE_DAEMON_H
#define XDPSEC_IKE_DAEMON_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "dataplane.h"
#include "strbuf.h"

struct ike_daemon;
struct ike_engine;

/*
 * Loads the connections of config_path; NULL with the reason in err when
 * the file is bad or a socket cannot be bound.  *none is set (and NULL
 * returned, err empty) when the file has no connections: nothing to run.
 */
struct ike_daemon *ike_daemon_new(const char *config_path, struct dataplane *dp, uint16_t port,
				  uint16_t natt_port, bool *none, char *err, size_t errlen);
void ike_daemon_free(struct ike_daemon *d);
/* The NAT-T keepalive interval (default 20 s, RFC 3948 4); 0 sends none. */
int ike_daemon_set_keepalive(struct ike_daemon *d, uint32_t ms);
/* RFC 7383: the IP datagram size of IKE fragments; 0: 576 (IPv4) / 1280 (IPv6). */
int ike_daemon_set_fragment_size(struct ike_daemon *d, uint32_t size);
/* The link IKE leaves by: with fragment size 0, its MTU caps IKE datagrams if smaller. */
int ike_daemon_set_uplink(struct ike_daemon *d, int ifindex);
/* With the kernel's ESP (XFRM backend): UDP_ENCAP_ESPINUDP on the 4500 sockets. */
int ike_daemon_espinudp(struct ike_daemon *d);

/* Adds the sockets to fds (at most max); returns how many. */
unsigned int ike_daemon_pollfds(const struct ike_daemon *d, struct pollfd *fds, unsigned int max);
/* Reads what is pending on the sockets, runs due timers. */
void ike_daemon_run(struct ike_daemon *d, const struct pollfd *fds, unsigned int n);
/* Milliseconds until the next timer (capped at cap_ms). */
int ike_daemon_timeout(const struct ike_daemon *d, int cap_ms);

/*
 * An IKE command from the control socket (list-sas, list-conns, initiate,
 * terminate, reload).  Returns the exit status, or -ENOENT if argv is not
 * an IKE command.
 */
int ike_daemon_command(struct ike_daemon *d, int argc, char **argv, struct strbuf *out);
/* Re-reads the file; on error the running configuration stays (err says why). */
int ike_daemon_reload(struct ike_daemon *d, char *err, size_t errlen);

/* The engine, for the metrics and export-keys (read-only use, this thread). */
const struct ike_engine *ike_daemon_engine(const struct ike_daemon *d);

extern const char ike_daemon_usage[];

#endif /* XDPSEC_IKE_DAEMON_H */

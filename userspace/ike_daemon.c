// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The IKE engine's transport and operator surface inside xdpsecd.
 *
 * Four sockets: IPv4 and IPv6, each on 500 and on 4500.  Packet info
 * (IP_PKTINFO / IPV6_RECVPKTINFO) tells which of our addresses a request
 * came to, and replies leave from that same address.  On 4500 every IKE
 * message carries the 4-byte non-ESP marker (RFC 3948 2.2); the uplink XDP
 * program already keeps ESP and NAT-T keepalives away from the socket, and
 * whatever else arrives without a marker is dropped here.  Keepalives we
 * send (behind a NAT) leave from 4500 too: one 0xFF byte, no marker.
 * The sockets are bound to the wildcard address, so a new address needs
 * none; an rtnetlink socket (addr_watch.c) tells the engine when addresses
 * or routes changed, for MOBIKE.
 */
#include "ike_daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <linux/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr_watch.h"
#include "ike_config.h"
#include "ike_engine.h"
#include "ike_wire.h"
#include "log.h"
#include "netdev.h"

/* MOBIKE: after an address or route change, this quiet spell, then the engine looks. */
enum { N_SOCKS = 4, MAX_LOCAL_ADDRS = 64, ADDR_SETTLE_MS = 100 };

struct ike_sock {
	int fd;
	uint8_t family;		/* XS_AF_INET / XS_AF_INET6 */
	uint16_t port;
};

struct ike_daemon {
	char *path;
	struct dataplane *dp;
	struct ike_cfg *cfg;
	struct ike_engine *engine;
	struct ike_sock socks[N_SOCKS];
	uint16_t port, natt_port;
	struct ike_engine_params params;
	int watch_fd;			/* rtnetlink address/route changes (addr_watch.c) */
	uint64_t addrs_due;		/* when to tell the engine; 0: nothing changed */
};

const char ike_daemon_usage[] =
	"IKE commands:\n"
	"  list-sas       IKE and Child SAs: state, peers, identities, algorithms, SPIs\n"
	"  list-conns     configured connections\n"
	"  initiate --child NAME\n"
	"                 start the Child SA NAME (and its IKE SA)\n"
	"  terminate --ike NAME\n"
	"                 delete the IKE SAs of connection NAME\n"
	"  rekey --child NAME | --ike NAME\n"
	"                 rekey the Child SAs NAME, or the IKE SAs of connection NAME, now\n"
	"  redirect --ike NAME | --peer ID --to GW\n"
	"                 send those peers to gateway GW (RFC 5685: address or FQDN)\n"
	"  reload         re-read the configuration file (the running one stays on error)\n";

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int sock_open(struct ike_sock *s, uint8_t family, uint16_t port)
{
	int af = family == XS_AF_INET ? AF_INET : AF_INET6, one = 1;
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd;

	s->fd = -1;
	s->family = family;
	s->port = port;
	fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		len = sizeof(*sin6);
	}
	if (bind(fd, (struct sockaddr *)&ss, len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	s->fd = fd;
	return 0;
}

static void sockaddr_to_endpoint(const struct sockaddr_storage *ss, struct ike_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		ep->family = XS_AF_INET;
		memcpy(ep->addr, &sin->sin_addr, 4);
		ep->port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		ep->family = XS_AF_INET6;
		memcpy(ep->addr, &sin6->sin6_addr, 16);
		ep->port = ntohs(sin6->sin6_port);
	}
}

static socklen_t endpoint_to_sockaddr(const struct ike_endpoint *ep, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ep->family == XS_AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(ep->port);
		memcpy(&sin->sin_addr, ep->addr, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(ep->port);
	memcpy(&sin6->sin6_addr, ep->addr, 16);
	return sizeof(*sin6);
}

/* Our address the datagram was sent to, from the packet-info ancillary data. */
static void local_from_cmsg(struct msghdr *mh, const struct ike_sock *s, struct ike_endpoint *l)
{
	memset(l, 0, sizeof(*l));
	l->family = s->family;
	l->port = s->port;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(l->addr, &pi.ipi_addr, 4);
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(l->addr, &pi.ipi6_addr, 16);
		}
	}
}

static const struct ike_sock *sock_for(const struct ike_daemon *d, uint8_t family, uint16_t port)
{
	for (int i = 0; i < N_SOCKS; i++)
		if (d->socks[i].fd >= 0 && d->socks[i].family == family && d->socks[i].port == port)
			return &d->socks[i];
	return NULL;
}

/* Sets the source address of an outgoing datagram. */
static size_t put_source(const struct ike_endpoint *local, char *cbuf, size_t cap)
{
	struct msghdr mh = { .msg_control = cbuf, .msg_controllen = cap };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	memset(cbuf, 0, cap);
	if (local->family == XS_AF_INET) {
		struct in_pktinfo pi = { 0 };

		memcpy(&pi.ipi_spec_dst, local->addr, 4);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	struct in6_pktinfo pi6 = { 0 };

	memcpy(&pi6.ipi6_addr, local->addr, 16);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi6));
	memcpy(CMSG_DATA(c), &pi6, sizeof(pi6));
	return CMSG_SPACE(sizeof(pi6));
}

/* One datagram from local (its socket, its address as the source) to remote. */
static int send_from(struct ike_daemon *d, const struct ike_endpoint *local,
		     const struct ike_endpoint *remote, struct iovec *iov, size_t iovlen)
{
	const struct ike_sock *s = sock_for(d, local->family, local->port);
	char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct sockaddr_storage to;
	struct msghdr mh = {
		.msg_name = &to,
		.msg_iov = iov,
		.msg_iovlen = iovlen,
		.msg_control = cbuf,
	};

	if (!s)
		return -EAFNOSUPPORT;
	mh.msg_namelen = endpoint_to_sockaddr(remote, &to);
	mh.msg_controllen = put_source(local, cbuf, sizeof(cbuf));
	return sendmsg(s->fd, &mh, 0) < 0 ? -errno : 0;
}

static int send_cb(void *ctx, const struct ike_endpoint *local, const struct ike_endpoint *remote,
		   const uint8_t *msg, size_t len)
{
	static const uint8_t marker[IKE_NON_ESP_MARKER_LEN];
	struct ike_daemon *d = ctx;
	bool natt = local->port != d->port;
	struct iovec iov[2] = { { (void *)marker, sizeof(marker) }, { (void *)msg, len } };

	return send_from(d, local, remote, natt ? iov : iov + 1, natt ? 2 : 1);
}

static int send_keepalive_cb(void *ctx, const struct ike_endpoint *local,
			     const struct ike_endpoint *remote)
{
	static const uint8_t keepalive = IKE_NATT_KEEPALIVE;
	struct iovec iov = { (void *)&keepalive, sizeof(keepalive) };

	return send_from(ctx, local, remote, &iov, 1);
}

static int local_addrs_cb(void *ctx, struct ike_endpoint *out, unsigned int max)
{
	struct ike_daemon *d = ctx;
	struct ifaddrs *ifa, *i;
	unsigned int n = 0;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i && n < max; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET &&
				     i->ifa_addr->sa_family != AF_INET6))
			continue;
		sockaddr_to_endpoint((const struct sockaddr_storage *)i->ifa_addr, &out[n]);
		out[n].port = d->port;
		n++;
	}
	freeifaddrs(ifa);
	return (int)n;
}

static int source_for_cb(void *ctx, const struct ike_endpoint *remote, struct ike_endpoint *src)
{
	(void)ctx;
	return addr_watch_source_for(remote, src);
}

static const struct ike_engine_ops engine_ops = {
	.send = send_cb,
	.local_addrs = local_addrs_cb,
	.send_keepalive = send_keepalive_cb,
	.source_for = source_for_cb,
};

/* One datagram from s; false when the socket has nothing more. */
static bool receive_one(struct ike_daemon *d, const struct ike_sock *s)
{
	static const uint8_t zero[IKE_NON_ESP_MARKER_LEN];
	uint8_t buf[IKE_MAX_MSG];
	char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
	struct sockaddr_storage from;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct ike_endpoint local, remote;
	ssize_t n = recvmsg(s->fd, &mh, MSG_DONTWAIT);
	const uint8_t *msg = buf;

	if (n < 0)
		return false;
	if (s->port != d->port) {
		/* keepalives (one 0xff byte) and anything without a marker */
		if (n < IKE_NON_ESP_MARKER_LEN || memcmp(buf, zero, sizeof(zero)))
			return true;
		msg += IKE_NON_ESP_MARKER_LEN;
		n -= IKE_NON_ESP_MARKER_LEN;
	}
	sockaddr_to_endpoint(&from, &remote);
	local_from_cmsg(&mh, s, &local);
	ike_engine_input(d->engine, &local, &remote, msg, (size_t)n, now_ms());
	return true;
}

static int load_cfg(const char *path, struct ike_cfg **cfg, char *err, size_t errlen)
{
	return ike_cfg_load(path, NULL, cfg, err, errlen);
}

static int open_sockets(struct ike_daemon *d, char *err, size_t errlen)
{
	static const uint8_t families[2] = { XS_AF_INET, XS_AF_INET6 };
	unsigned int opened = 0;

	for (int i = 0; i < N_SOCKS; i++) {
		uint8_t fam = families[i / 2];
		uint16_t port = i % 2 ? d->natt_port : d->port;
		int rc = sock_open(&d->socks[i], fam, port);

		if (rc && fam == XS_AF_INET) {
			snprintf(err, errlen, "cannot bind UDP port %u: %s", port, strerror(-rc));
			return rc;
		}
		if (rc)
			xs_warn("no IPv6 IKE socket on port %u: %s", port, strerror(-rc));
		else
			opened++;
	}
	return opened ? 0 : -EIO;
}

/* The engine floats to our NAT-T port and answers from our ports. */
static int set_ports(struct ike_daemon *d)
{
	ike_engine_params_default(&d->params);
	d->params.port = d->port;
	d->params.natt_port = d->natt_port;
	return ike_engine_set_params(d->engine, &d->params);
}

int ike_daemon_set_keepalive(struct ike_daemon *d, uint32_t ms)
{
	d->params.keepalive_ms = ms;
	return ike_engine_set_params(d->engine, &d->params);
}

int ike_daemon_set_fragment_size(struct ike_daemon *d, uint32_t size)
{
	d->params.fragment_size = size;
	return ike_engine_set_params(d->engine, &d->params);
}

int ike_daemon_set_uplink(struct ike_daemon *d, int ifindex)
{
	int mtu = netdev_get_mtu(ifindex);

	if (mtu <= 0)
		return mtu ? mtu : -EINVAL;
	d->params.link_mtu = (uint32_t)mtu;
	if (!d->params.fragment_size)
		xs_info("IKE datagrams within 576 (IPv4) / 1280 (IPv6) octets or the uplink's "
			"MTU %d, whichever is smaller", mtu);
	return ike_engine_set_params(d->engine, &d->params);
}

struct ike_daemon *ike_daemon_new(const char *config_path, struct dataplane *dp, uint16_t port,
				  uint16_t natt_port, bool *none, char *err, size_t errlen)
{
	struct ike_daemon *d = calloc(1, sizeof(*d));

	*none = false;
	err[0] = '\0';
	if (!d)
		return NULL;
	for (int i = 0; i < N_SOCKS; i++)
		d->socks[i].fd = -1;
	d->watch_fd = addr_watch_open();
	if (d->watch_fd < 0)
		xs_warn("no rtnetlink socket, MOBIKE will not see address changes: %s",
			strerror(-d->watch_fd));
	d->dp = dp;
	d->port = port;
	d->natt_port = natt_port;
	d->path = strdup(config_path);
	if (!d->path || load_cfg(config_path, &d->cfg, err, errlen))
		goto fail;
	if (!d->cfg->n_conns) {
		*none = true;
		goto fail;
	}
	if (open_sockets(d, err, errlen))
		goto fail;
	d->engine = ike_engine_new(d->cfg, dp, &engine_ops, d);
	if (!d->engine || set_ports(d)) {
		snprintf(err, errlen, "cannot start the IKE engine");
		goto fail;
	}
	xs_info("IKE: %u connection(s) from %s, listening on UDP %u and %u", d->cfg->n_conns,
		config_path, port, natt_port);
	return d;
fail:
	ike_daemon_free(d);
	return NULL;
}

void ike_daemon_free(struct ike_daemon *d)
{
	if (!d)
		return;
	ike_engine_free(d->engine);
	for (int i = 0; i < N_SOCKS; i++)
		if (d->socks[i].fd >= 0)
			close(d->socks[i].fd);
	if (d->watch_fd >= 0)
		close(d->watch_fd);
	ike_cfg_free(d->cfg);
	free(d->path);
	free(d);
}

int ike_daemon_espinudp(struct ike_daemon *d)
{
	int type = UDP_ENCAP_ESPINUDP;

	for (int i = 0; i < N_SOCKS; i++)
		if (d->socks[i].fd >= 0 && d->socks[i].port == d->natt_port &&
		    setsockopt(d->socks[i].fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type)))
			return -errno;
	return 0;
}

unsigned int ike_daemon_pollfds(const struct ike_daemon *d, struct pollfd *fds, unsigned int max)
{
	unsigned int n = 0;

	for (int i = 0; i < N_SOCKS && n < max; i++)
		if (d->socks[i].fd >= 0)
			fds[n++] = (struct pollfd){ .fd = d->socks[i].fd, .events = POLLIN };
	if (d->watch_fd >= 0 && n < max)
		fds[n++] = (struct pollfd){ .fd = d->watch_fd, .events = POLLIN };
	return n;
}

/* MOBIKE: the engine hears of address changes once they settled (a move is several events). */
static void watch_addresses(struct ike_daemon *d, bool readable)
{
	uint64_t now = now_ms();

	if (readable && addr_watch_drain(d->watch_fd))
		d->addrs_due = now + ADDR_SETTLE_MS;
	if (d->addrs_due && now >= d->addrs_due) {
		d->addrs_due = 0;
		ike_engine_addresses_changed(d->engine, now);
	}
}

void ike_daemon_run(struct ike_daemon *d, const struct pollfd *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (!(fds[i].revents & POLLIN))
			continue;
		for (int s = 0; s < N_SOCKS; s++)
			if (d->socks[s].fd == fds[i].fd)
				while (receive_one(d, &d->socks[s]))
					;
	}
	for (unsigned int i = 0; i < n; i++)
		if (fds[i].fd == d->watch_fd && d->watch_fd >= 0)
			watch_addresses(d, fds[i].revents & POLLIN);
	if (d->addrs_due)
		watch_addresses(d, false);
	ike_engine_tick(d->engine, now_ms());
}

int ike_daemon_timeout(const struct ike_daemon *d, int cap_ms)
{
	uint64_t next = ike_engine_next_timer(d->engine), now = now_ms();

	if (d->addrs_due && d->addrs_due < next)
		next = d->addrs_due;
	if (next <= now)
		return 0;
	return next - now < (uint64_t)cap_ms ? (int)(next - now) : cap_ms;
}

int ike_daemon_reload(struct ike_daemon *d, char *err, size_t errlen)
{
	struct ike_cfg *cfg;
	int rc = load_cfg(d->path, &cfg, err, errlen);

	if (rc)
		return rc;
	rc = ike_engine_reload(d->engine, cfg, now_ms());
	if (rc) {
		snprintf(err, errlen, "the engine refused the new configuration: %s", strerror(-rc));
		ike_cfg_free(cfg);
		return rc;
	}
	ike_cfg_free(d->cfg);
	d->cfg = cfg;
	xs_info("IKE: reloaded %s: %u connection(s)", d->path, cfg->n_conns);
	return 0;
}

static bool has_json_flag(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			return true;
	return false;
}

/* The value of --NAME in argv, or NULL. */
static const char *option(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

static int finish(struct strbuf *out, int rc, const char *err)
{
	if (rc) {
		strbuf_printf(out, "error: %s\n", err);
		return 1;
	}
	return 0;
}

int ike_daemon_command(struct ike_daemon *d, int argc, char **argv, struct strbuf *out)
{
	char err[256] = "";
	const char *name;
	int rc;

	if (argc < 1)
		return -ENOENT;
	if (!strcmp(argv[0], "list-sas"))
		return ike_engine_list_sas(d->engine, has_json_flag(argc, argv), now_ms(), out) ? 1 : 0;
	if (!strcmp(argv[0], "list-conns"))
		return ike_engine_list_conns(d->engine, has_json_flag(argc, argv), out) ? 1 : 0;
	if (!strcmp(argv[0], "reload")) {
		rc = ike_daemon_reload(d, err, sizeof(err));
		if (!rc)
			strbuf_puts(out, "configuration reloaded\n");
		return finish(out, rc, err);
	}
	if (!strcmp(argv[0], "initiate")) {
		name = option(argc, argv, "--child");
		if (!name)
			return finish(out, -EINVAL, "initiate needs --child NAME");
		rc = ike_engine_initiate(d->engine, name, now_ms(), err, sizeof(err));
		if (!rc)
			strbuf_printf(out, "initiating CHILD_SA %s\n", name);
		return finish(out, rc, err);
	}
	if (!strcmp(argv[0], "rekey")) {
		bool ike = (name = option(argc, argv, "--ike")) != NULL;

		if (!ike && !(name = option(argc, argv, "--child")))
			return finish(out, -EINVAL, "rekey needs --child NAME or --ike NAME");
		rc = ike_engine_rekey(d->engine, name, ike, now_ms(), err, sizeof(err));
		if (rc > 0)
			strbuf_printf(out, "rekeying %d %s_SA(s) %s\n", rc, ike ? "IKE" : "CHILD",
				      name);
		return finish(out, rc < 0 ? rc : 0, err);
	}
	if (!strcmp(argv[0], "redirect")) {
		const char *peer = option(argc, argv, "--peer"), *gw = option(argc, argv, "--to");

		name = option(argc, argv, "--ike");
		if ((!name && !peer) || !gw)
			return finish(out, -EINVAL, "redirect needs --ike NAME or --peer ID, and --to GW");
		rc = ike_engine_redirect(d->engine, name, peer, gw, now_ms(), err, sizeof(err));
		if (rc > 0)
			strbuf_printf(out, "redirecting %d IKE_SA(s) to %s\n", rc, gw);
		return finish(out, rc < 0 ? rc : 0, err);
	}
	if (!strcmp(argv[0], "terminate")) {
		name = option(argc, argv, "--ike");
		if (!name)
			return finish(out, -EINVAL, "terminate needs --ike NAME");
		rc = ike_engine_terminate(d->engine, name, now_ms(), err, sizeof(err));
		if (!rc)
			strbuf_printf(out, "terminating IKE_SAs of %s\n", name);
		return finish(out, rc, err);
	}
	return -ENOENT;
}

const struct ike_engine *ike_daemon_engine(const struct ike_daemon *d)
{
	return d->engine;
}

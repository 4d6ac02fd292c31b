// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpsecd: attaches the data plane to an uplink, runs the AF_XDP workers
 * and serves the control socket.
 *
 *   devices/peers                                   LAN
 *        |                                           |
 *   [uplink] XDP xs_uplink        kernel routing [lan]
 *        |  ESP -> AF_XDP             ^    |
 *   +----v---------+   plaintext      |    | routes to remote TS
 *   | worker q     |<-- xs-<inst>w <--+----+-- xs-<inst> (TC egress: policy)
 *   | (ESP crypto) |--> xs-<inst>w --> xs-<inst> (XDP: TS check, ACL) --> kernel
 *   +--------------+
 *
 * Start-up order: config, tunnel veth, BPF load and pin, workers (their
 * sockets fill the XSKMAPs), then attach, so that no packet is steered to
 * a socket that does not exist yet.  Shutdown runs it backwards and leaves
 * the interfaces as they were.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "commands.h"
#include "control.h"
#include "dp_bpf.h"
#include "dp_xfrm.h"
#include "events.h"
#include "export_keys.h"
#include "ike_config.h"
#include "ike_daemon.h"
#include "loader.h"
#include "log.h"
#include "metrics.h"
#include "netdev.h"
#include "sa_table.h"
#include "settings.h"
#include "strbuf.h"
#include "ike_wire.h"
#include "worker.h"

#define XDPSEC_VERSION "0.1.0"

enum { ERR_LEN = 512, REFRESH_MS = 1000, MAX_INSTANCE_LEN = IFNAMSIZ - 1 - 4 };

#define CTL_ROOT_ONLY ((gid_t)-1)

/* Who besides root may use the control socket. */
static gid_t control_gid(const struct xdpsec_settings *set)
{
	const struct group *g = set->control_group[0] ? getgrnam(set->control_group) : NULL;

	return g ? g->gr_gid : CTL_ROOT_ONLY;
}

/* Settings given on the command line: they win over the file, on reload too. */
enum cli_setting {
	CLI_UPLINK = 1 << 0, CLI_LAN = 1 << 1, CLI_INSTANCE = 1 << 2, CLI_WORKERS = 1 << 3,
	CLI_MAX_SAS = 1 << 4, CLI_MAX_DEVICES = 1 << 5, CLI_DATAPLANE = 1 << 6,
};

struct daemon {
	struct xdpsec_settings set;
	unsigned int cli_set;		/* enum cli_setting */
	bool force_generic, force_copy;
	char tun[IFNAMSIZ], tunw[IFNAMSIZ];
	int uplink_ifindex, tun_ifindex, tunw_ifindex;
	bool tun_created;
	struct xs_bpf bpf;
	struct sa_table sas;
	struct worker_epoch *epochs;
	struct worker **workers;
	unsigned int n_workers;
	struct dataplane *dp;
	bool xfrm;			/* the data plane chosen: kernel XFRM */
	struct ike_daemon *ike;
	struct metrics_server *metrics;	/* NULL: metrics_listen not set */
	const char *config_path;
	int ctl_fd, sig_fd;
	char pin_dir[PATH_MAX];
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xdpsecd [-c FILE] [--uplink IF] [--lan IF] [--instance NAME] [--workers N]\n"
		"               [--max-sas N] [--max-devices N] [--generic] [--copy] [-v]\n"
		"  -c, --config FILE   swanctl.conf-style file; its 'xdpsec' section is read\n"
		"  --uplink IF         interface facing the devices/peers (XDP attaches here)\n"
		"  --lan IF            interface facing the protected network (informational)\n"
		"  --instance NAME     instance name: pins under /sys/fs/bpf/xdpsec/NAME,\n"
		"                      control socket /run/xdpsec/NAME.sock (default 'default')\n"
		"  --workers N         AF_XDP worker threads, one per uplink queue (default 1)\n"
		"  --max-sas N         SA capacity of the maps (default %d)\n"
		"  --max-devices N     device capacity (default %d)\n"
		"  --generic           attach the uplink program in generic (skb) mode\n"
		"  --copy              AF_XDP copy mode even where zero-copy would work\n"
		"  --dataplane MODE    afxdp (default), xfrm (kernel ESP) or auto (xfrm when\n"
		"                      the kernel can do ESP)\n"
		"  --check-config      parse the configuration, report, and exit\n"
		"  -v, --verbose       debug logging\n",
		XS_DEFAULT_MAX_SAS, XS_DEFAULT_MAX_DEVICES);
}

static int parse_uint(const char *opt, const char *s, unsigned int lo, unsigned int hi,
		      unsigned int *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v < lo || v > hi) {
		fprintf(stderr, "xdpsecd: %s must be an integer %u..%u, not '%s'\n", opt, lo, hi, s);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

/* A new instance name moves the control socket with it, unless configured. */
static int set_instance(struct xdpsec_settings *set, const char *name)
{
	char old_default[SETTINGS_SOCKET_MAX];

	if (!settings_instance_valid(name)) {
		fprintf(stderr, "xdpsecd: invalid instance name '%s' (1-32 of A-Z a-z 0-9 _ . -)\n",
			name);
		return -1;
	}
	settings_socket_path(set->instance, old_default, sizeof(old_default));
	if (!strcmp(old_default, set->control_socket))
		settings_socket_path(name, set->control_socket, sizeof(set->control_socket));
	snprintf(set->instance, sizeof(set->instance), "%s", name);
	return 0;
}

/* Command line: -c is read first so that the other options override it. */
static int parse_args(struct daemon *d, int argc, char **argv, bool *check_only)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "uplink", required_argument, NULL, 'u' },
		{ "lan", required_argument, NULL, 'l' }, { "instance", required_argument, NULL, 'i' },
		{ "workers", required_argument, NULL, 'w' }, { "max-sas", required_argument, NULL, 's' },
		{ "max-devices", required_argument, NULL, 'd' }, { "generic", no_argument, NULL, 'g' },
		{ "copy", no_argument, NULL, 'C' },
		{ "dataplane", required_argument, NULL, 'D' }, { "check-config", no_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 },
	};
	char err[ERR_LEN];
	int c;

	xdpsec_settings_defaults(&d->set);
	for (int i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "-c") && strcmp(argv[i], "--config"))
			continue;
		d->config_path = argv[i + 1];
		if (xdpsec_conf_load(d->config_path, &d->set, err, sizeof(err))) {
			fprintf(stderr, "xdpsecd: %s\n", err);
			return -1;
		}
	}
	while ((c = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		d->cli_set |= c == 'u' ? CLI_UPLINK : c == 'l' ? CLI_LAN : c == 'i' ? CLI_INSTANCE
			    : c == 'w' ? CLI_WORKERS : c == 's' ? CLI_MAX_SAS
			    : c == 'd' ? CLI_MAX_DEVICES : c == 'D' ? CLI_DATAPLANE : 0;
		switch (c) {
		case 'c':
			break;
		case 'u':
			snprintf(d->set.uplink, sizeof(d->set.uplink), "%s", optarg);
			break;
		case 'l':
			snprintf(d->set.lan, sizeof(d->set.lan), "%s", optarg);
			break;
		case 'i':
			if (set_instance(&d->set, optarg))
				return -1;
			break;
		case 'w':
			if (parse_uint("--workers", optarg, 1, XS_MAX_WORKERS, &d->set.workers))
				return -1;
			break;
		case 's':
			if (parse_uint("--max-sas", optarg, 2, 1u << 22, &d->set.max_sas))
				return -1;
			break;
		case 'd':
			if (parse_uint("--max-devices", optarg, 2, 1u << 20, &d->set.max_devices))
				return -1;
			break;
		case 'g':
			d->force_generic = true;
			break;
		case 'C':
			d->force_copy = true;
			break;
		case 'D':
			if (settings_dataplane_parse(optarg, &d->set.dataplane)) {
				fprintf(stderr, "xdpsecd: --dataplane must be afxdp, xfrm or auto, "
					"not '%s'\n", optarg);
				return -1;
			}
			break;
		case 'k':
			*check_only = true;
			break;
		case 'v':
			log_set_level(LOG_LVL_DEBUG);
			break;
		case 'V':
			printf("xdpsecd %s\n", XDPSEC_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xdpsecd: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_msg(level == LIBBPF_WARN ? LOG_LVL_WARN : LOG_LVL_INFO, "libbpf: %s", line);
	return 0;
}

static int ensure_bpffs(void)
{
	struct statfs st;

	if (!statfs("/sys/fs/bpf", &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		xs_err("cannot mount bpffs on /sys/fs/bpf: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* A live daemon answers on the socket; a stale file from a crash does not. */
static bool instance_running(const char *sock_path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool up;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	up = fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	if (fd >= 0)
		close(fd);
	return up;
}

static int setup_tunnel(struct daemon *d, unsigned int mtu)
{
	char path[128];
	int rc;

	snprintf(d->tun, sizeof(d->tun), "xs-%.11s", d->set.instance);
	snprintf(d->tunw, sizeof(d->tunw), "xs-%.11sw", d->set.instance);
	netdev_delete(d->tun);	/* left over by a crashed run of this instance */
	rc = netdev_veth_create(d->tun, d->tunw, d->n_workers);
	if (rc) {
		xs_err("cannot create the tunnel veth %s/%s: %s", d->tun, d->tunw, strerror(-rc));
		return rc;
	}
	d->tun_created = true;
	d->tun_ifindex = netdev_ifindex(d->tun);
	d->tunw_ifindex = netdev_ifindex(d->tunw);
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", d->tunw);
	netdev_sysctl_write(path, "1");
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/addr_gen_mode", d->tun);
	netdev_sysctl_write(path, "1");	/* no link-local: nothing of ours to send */
	/* The workers' ICMP "too big" comes from our own uplink address. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/accept_local", d->tun);
	netdev_sysctl_write(path, "1");
	rc = netdev_disable_offloads(d->tun);
	if (!rc)
		rc = netdev_disable_offloads(d->tunw);
	if (!rc)
		rc = netdev_set_noarp(d->tun_ifindex, true);
	if (!rc)
		rc = netdev_set_mtu(d->tun_ifindex, (int)mtu);
	if (!rc)
		rc = netdev_set_mtu(d->tunw_ifindex, (int)mtu);
	if (!rc)
		rc = netdev_set_up(d->tunw_ifindex, true);
	if (!rc)
		rc = netdev_set_up(d->tun_ifindex, true);
	if (rc)
		xs_err("cannot configure the tunnel veth %s: %s", d->tun, strerror(-rc));
	return rc;
}

/*
 * The source of the workers' ICMP "too big": the uplink's address of that
 * family, else any global one of ours (an IPv6-only uplink still needs an
 * IPv4 source for IPv4 senders), else none, said once.
 */
static void icmp_source(struct daemon *d, int family, uint8_t addr[NETDEV_ADDR_MAX])
{
	static const uint8_t any[NETDEV_ADDR_MAX];

	if (!netdev_first_addr(d->uplink_ifindex, family, addr) ||
	    !netdev_addr_in_prefix(family, any, 0, addr))
		return;
	xs_warn("no %s address on this host: ICMP 'too big' for %s senders cannot be sent",
		family == AF_INET ? "IPv4" : "IPv6", family == AF_INET ? "IPv4" : "IPv6");
}

static int start_workers(struct daemon *d, const uint8_t uplink_mac[6])
{
	struct worker_config wc = {
		.uplink = d->set.uplink,
		.tun = d->tunw,
		.xsk_up_map_fd = d->bpf.fd_xsk_up,
		.xsk_tun_map_fd = d->bpf.fd_xsk_tun,
		.force_copy = d->force_copy,
		.umem_frames = d->set.umem_frames,
		.sas = &d->sas,
		.sa_stats = d->bpf.sa_stats,
	};
	char err[ERR_LEN];

	memcpy(wc.uplink_mac, uplink_mac, 6);
	netdev_get_mac(d->tun_ifindex, wc.tun_kernel_mac);
	uint8_t addr4[NETDEV_ADDR_MAX] = { 0 };

	icmp_source(d, AF_INET, addr4);
	memcpy(wc.icmp_src4, addr4, sizeof(wc.icmp_src4));
	icmp_source(d, AF_INET6, wc.icmp_src6);
	d->workers = calloc(d->n_workers, sizeof(*d->workers));
	if (!d->workers)
		return -ENOMEM;
	for (unsigned int i = 0; i < d->n_workers; i++) {
		wc.id = i;
		wc.reasons = &d->bpf.wreasons[i * XS_R_MAX];
		wc.epoch = &d->epochs[i];
		d->workers[i] = worker_start(&wc, err, sizeof(err));
		if (!d->workers[i]) {
			xs_err("%s", err);
			return -EIO;
		}
	}
	xs_info("%u worker(s) on %s and %s, AF_XDP %s mode", d->n_workers, d->set.uplink, d->tunw,
		worker_zerocopy(d->workers[0]) ? "zero-copy" : "copy");
	return 0;
}

static int choose_workers(struct daemon *d)
{
	int queues = netdev_num_rx_queues(d->uplink_ifindex);

	d->n_workers = d->set.workers;
	if (queues > 0 && (unsigned int)queues < d->n_workers) {
		xs_warn("%s has %d rx queue(s): using %d worker(s), not %u", d->set.uplink, queues,
			queues, d->set.workers);
		d->n_workers = (unsigned int)queues;
	}
	d->epochs = aligned_alloc(64, d->n_workers * sizeof(*d->epochs));
	if (!d->epochs)
		return -ENOMEM;
	memset(d->epochs, 0, d->n_workers * sizeof(*d->epochs));
	d->sas.epochs = d->epochs;
	d->sas.n_workers = d->n_workers;
	return 0;
}

static int load_and_pin(struct daemon *d)
{
	char err[ERR_LEN];

	if (xs_bpf_load_mode(&d->bpf, d->set.max_sas, d->set.max_devices, d->n_workers,
			     d->xfrm ? XS_MODE_XFRM : XS_MODE_AFXDP, err, sizeof(err)) ||
	    (snprintf(d->pin_dir, sizeof(d->pin_dir), "%s/%s", d->set.pin_path, d->set.instance),
	     xs_bpf_pin(&d->bpf, d->pin_dir, err, sizeof(err)))) {
		xs_err("%s", err);
		return -1;
	}
	return 0;
}

static int attach_all(struct daemon *d)
{
	char err[ERR_LEN];

	if (xs_bpf_attach_tunnel(&d->bpf, d->tun_ifindex, d->tunw_ifindex, err, sizeof(err)) ||
	    xs_bpf_attach_uplink(&d->bpf, d->uplink_ifindex, d->force_generic, err, sizeof(err))) {
		xs_err("%s: %s", d->set.uplink, err);
		return -1;
	}
	return 0;
}

static int make_dataplane(struct daemon *d, const uint8_t mac[6], int mtu)
{
	struct dp_bpf_config cfg = {
		.bpf = &d->bpf,
		.sas = &d->sas,
		.n_workers = d->n_workers,
		.tun_ifindex = d->tun_ifindex,
		.uplink_ifindex = d->uplink_ifindex,
		.uplink_mtu = (uint32_t)mtu,
	};

	memcpy(cfg.uplink_mac, mac, 6);
	d->dp = dp_bpf_new(&cfg);
	return d->dp ? 0 : -ENOMEM;
}

/* auto: XFRM when a dummy ESP state can be added (and is removed again). */
static void choose_dataplane(struct daemon *d)
{
	bool aut = d->set.dataplane == XDPSEC_DP_AUTO;

	d->xfrm = aut ? dp_xfrm_kernel_has_esp() : d->set.dataplane == XDPSEC_DP_XFRM;
	xs_info("data plane: %s%s", d->xfrm ? "xfrm (kernel ESP; XDP classifies, TC checks)"
					    : "afxdp (AF_XDP workers, userspace ESP)",
		aut ? (d->xfrm ? ", auto: the kernel has ESP" : ", auto: the kernel has no ESP")
		    : "");
}

/* XFRM mode: no tunnel veth, no workers; TC ingress checks decrypted traffic. */
static int setup_xfrm(struct daemon *d)
{
	struct dp_xfrm_config cfg = {
		.bpf = &d->bpf,
		.uplink_ifindex = d->uplink_ifindex,
		.offload = DP_XFRM_OFFLOAD_CRYPTO,
	};
	char err[ERR_LEN];

	if (load_and_pin(d))
		return -1;
	d->dp = dp_xfrm_new(&cfg);
	if (!d->dp)
		return -ENOMEM;
	if (xs_bpf_attach_xfrm_ingress(&d->bpf, d->uplink_ifindex, err, sizeof(err)) ||
	    xs_bpf_attach_uplink(&d->bpf, d->uplink_ifindex, d->force_generic, err, sizeof(err))) {
		xs_err("%s: %s", d->set.uplink, err);
		return -1;
	}
	return 0;
}

/* At start-up, or at a reload that brings the first connection. */
static int start_ike(struct daemon *d, char *err, size_t errlen)
{
	bool none;

	d->ike = ike_daemon_new(d->config_path, d->dp, IKE_PORT, IKE_NATT_PORT, &none, err,
				errlen);
	if (d->ike)
		ike_daemon_set_keepalive(d->ike, d->set.ike_keepalive * 1000u);
	if (d->ike)
		ike_daemon_set_fragment_size(d->ike, d->set.ike_fragment_size);
	if (d->ike)
		ike_daemon_set_uplink(d->ike, d->uplink_ifindex);
	/* The kernel decrypts ESP in UDP only on a socket that asks for it. */
	if (d->ike && d->xfrm && ike_daemon_espinudp(d->ike)) {
		snprintf(err, errlen, "cannot enable ESP-in-UDP decapsulation on port %u",
			 IKE_NATT_PORT);
		ike_daemon_free(d->ike);
		d->ike = NULL;
		return -1;
	}
	return d->ike || none ? 0 : -1;
}

static int render_metrics(void *arg, struct strbuf *out)
{
	struct daemon *d = arg;
	struct metrics_source src = {
		.dp = d->dp,
		.ike = d->ike ? ike_daemon_engine(d->ike) : NULL,
		.workers = d->workers,
		.n_workers = d->n_workers,
		.version = XDPSEC_VERSION,
	};

	return metrics_render(&src, out);
}

static int start_metrics(struct daemon *d)
{
	char err[ERR_LEN];

	d->metrics = metrics_server_start(d->set.metrics_listen, err, sizeof(err));
	if (!d->metrics) {
		xs_err("%s", err);
		return -1;
	}
	xs_info("metrics on http://%s/metrics", d->set.metrics_listen);
	return 0;
}

static int setup(struct daemon *d)
{
	char err[ERR_LEN];
	uint8_t mac[6];
	int mtu;

	d->uplink_ifindex = netdev_ifindex(d->set.uplink);
	if (d->uplink_ifindex <= 0) {
		xs_err("uplink interface '%s' does not exist", d->set.uplink);
		return -ENODEV;
	}
	if (d->set.lan[0] && netdev_ifindex(d->set.lan) <= 0) {
		xs_err("LAN interface '%s' does not exist", d->set.lan);
		return -ENODEV;
	}
	mtu = netdev_get_mtu(d->uplink_ifindex);
	if (mtu <= 0 || netdev_get_mac(d->uplink_ifindex, mac))
		return -EIO;
	if (ensure_bpffs())
		return -1;
	choose_dataplane(d);
	if (d->xfrm ? setup_xfrm(d)
		    : choose_workers(d) || sa_table_init(&d->sas, d->set.max_sas) ||
			      setup_tunnel(d, (unsigned int)mtu) || load_and_pin(d) ||
			      start_workers(d, mac) || make_dataplane(d, mac, mtu) || attach_all(d))
		return -1;
	if (d->config_path && start_ike(d, err, sizeof(err))) {
		xs_err("IKE: %s", err);
		return -1;
	}
	d->ctl_fd = ctl_listen(d->set.control_socket, control_gid(&d->set));
	if (d->ctl_fd < 0) {
		xs_err("control socket %s: %s", d->set.control_socket, strerror(-d->ctl_fd));
		return -1;
	}
	if (d->set.metrics_listen[0] && start_metrics(d))
		return -1;
	xs_info("instance '%s' up: uplink %s (ifindex %d, MTU %d), tunnel %s, maps in %s, "
		"control %s", d->set.instance, d->set.uplink, d->uplink_ifindex, mtu, d->tun,
		d->pin_dir, d->set.control_socket);
	/* libbpf's BTF parsing leaves megabytes free in the heap: give them back
	 * (it matters when a test bed runs hundreds of instances). */
	malloc_trim(0);
	return 0;
}

static void teardown(struct daemon *d)
{
	metrics_server_stop(d->metrics);	/* its thread waits on us: first */
	d->metrics = NULL;
	if (d->ctl_fd > 0) {
		close(d->ctl_fd);
		unlink(d->set.control_socket);
	}
	ike_daemon_free(d->ike);	/* deletes its Child SAs from the data plane */
	d->ike = NULL;
	/* Detach first: no packet may be steered to a socket being closed. */
	if (d->bpf.up)
		xs_bpf_detach(&d->bpf);
	for (unsigned int i = 0; d->workers && i < d->n_workers; i++)
		worker_stop(d->workers[i]);
	d->sas.n_workers = 0;
	if (d->dp)
		d->dp->ops->destroy(d->dp);
	xs_bpf_close(&d->bpf);
	if (d->tun_created)
		netdev_delete(d->tun);
	sa_table_fini(&d->sas);
	free(d->workers);
	free(d->epochs);
}

/* The command line still wins over the file. */
static void keep_cli_settings(const struct daemon *d, struct xdpsec_settings *next)
{
	const struct xdpsec_settings *run = &d->set;

	if (d->cli_set & CLI_UPLINK)
		memcpy(next->uplink, run->uplink, sizeof(next->uplink));
	if (d->cli_set & CLI_LAN)
		memcpy(next->lan, run->lan, sizeof(next->lan));
	if (d->cli_set & CLI_INSTANCE) {	/* the socket followed it, or was explicit */
		memcpy(next->instance, run->instance, sizeof(next->instance));
		memcpy(next->control_socket, run->control_socket, sizeof(next->control_socket));
	}
	if (d->cli_set & CLI_WORKERS)
		next->workers = run->workers;
	if (d->cli_set & CLI_MAX_SAS)
		next->max_sas = run->max_sas;
	if (d->cli_set & CLI_MAX_DEVICES)
		next->max_devices = run->max_devices;
	if (d->cli_set & CLI_DATAPLANE)
		next->dataplane = run->dataplane;
}

/* A new listener first: if it cannot start, the old one stays. */
static void reload_metrics(struct daemon *d, const char *listen, struct strbuf *out)
{
	struct metrics_server *old = d->metrics;
	char err[ERR_LEN];

	d->metrics = listen[0] ? metrics_server_start(listen, err, sizeof(err)) : NULL;
	if (listen[0] && !d->metrics) {
		d->metrics = old;
		xs_warn("reload: metrics_listen %s: %s; the running endpoint stays", listen, err);
		strbuf_printf(out, "warning: metrics_listen %s: %s; the running endpoint stays\n",
			      listen, err);
		return;
	}
	metrics_server_stop(old);
	snprintf(d->set.metrics_listen, sizeof(d->set.metrics_listen), "%s", listen);
	if (listen[0])
		xs_info("reload: metrics on http://%s/metrics", listen);
	else
		xs_info("reload: metrics endpoint off");
}

/* ike_keepalive and metrics_listen apply now; the rest waits for a restart. */
/* SA events: syslog unless 'log = stderr'; the normal log stays on stderr. */
static void apply_event_log(const struct xdpsec_settings *set)
{
	log_set_event_dest(set->events_stderr ? LOG_DEST_STDERR : LOG_DEST_SYSLOG);
	ike_events_set_json(set->events_json);
}

static void reload_settings(struct daemon *d, const struct xdpsec_settings *next,
			    struct strbuf *out)
{
	struct settings_change ch[16];
	unsigned int n = xdpsec_settings_diff(&d->set, next, ch, 16);

	for (unsigned int i = 0; i < n && i < 16; i++) {
		if (!strcmp(ch[i].key, "metrics_listen")) {
			reload_metrics(d, next->metrics_listen, out);
		} else if (!strcmp(ch[i].key, "log") || !strcmp(ch[i].key, "log_format")) {
			d->set.events_stderr = next->events_stderr;
			d->set.events_json = next->events_json;
			apply_event_log(&d->set);
			xs_info("reload: %s %s -> %s", ch[i].key, ch[i].from, ch[i].to);
		} else if (ch[i].live) {
			d->set.ike_keepalive = next->ike_keepalive;
			xs_info("reload: %s %s -> %s", ch[i].key, ch[i].from, ch[i].to);
		} else {
			xs_warn("reload: '%s' changed (%s -> %s): it needs a restart; %s stays "
				"until then", ch[i].key, ch[i].from, ch[i].to, ch[i].from);
			strbuf_printf(out, "warning: '%s' changed (%s -> %s): it needs a restart; "
				      "%s stays until then\n", ch[i].key, ch[i].from, ch[i].to,
				      ch[i].from);
		}
	}
	if (d->ike)
		ike_daemon_set_keepalive(d->ike, d->set.ike_keepalive * 1000u);
}

/*
 * SIGHUP and `xdpsecctl reload`: the whole file again, or nothing of it.  A
 * file that does not load (FILE:LINE: problem) changes nothing.  The IKE
 * connections are replaced: the engine keeps the IKE and Child SAs of every
 * connection that still exists (same SPIs, nothing renegotiated) and deletes
 * those of connections that are gone.  Then the xdpsec section.
 */
static int daemon_reload(struct daemon *d, struct strbuf *out)
{
	struct xdpsec_settings next;
	char err[ERR_LEN];
	int rc;

	if (!d->config_path) {
		snprintf(err, sizeof(err), "xdpsecd was started without -c FILE: nothing to reload");
		rc = -ENOENT;
	} else if (!(rc = xdpsec_conf_load(d->config_path, &next, err, sizeof(err)))) {
		rc = d->ike ? ike_daemon_reload(d->ike, err, sizeof(err))
			    : start_ike(d, err, sizeof(err));
	}
	if (rc) {
		xs_err("reload failed, the running configuration stays: %s", err);
		strbuf_printf(out, "error: %s (the running configuration stays)\n", err);
		return 1;
	}
	keep_cli_settings(d, &next);
	reload_settings(d, &next, out);
	xs_info("reloaded %s", d->config_path);
	strbuf_puts(out, "configuration reloaded\n");
	return 0;
}

static int handle_request(void *arg, int argc, char **argv, struct strbuf *out)
{
	struct daemon *d = arg;
	int rc;

	if (argc >= 1 && !strcmp(argv[0], "reload"))
		return daemon_reload(d, out);
	if (d->ike && (rc = ike_daemon_command(d->ike, argc, argv, out)) != -ENOENT)
		return rc;
	if (argc >= 1 && !strcmp(argv[0], "export-keys"))
		return export_keys_run(d->dp, d->ike ? ike_daemon_engine(d->ike) : NULL, argc,
				       argv, out);
	if (argc >= 1 && !strcmp(argv[0], "status") && !(argc >= 2 && !strcmp(argv[1], "-j")) &&
	    d->xfrm)
		strbuf_printf(out, "instance %s, uplink %s, dataplane xfrm (kernel ESP), maps %s\n",
			      d->set.instance, d->set.uplink, d->pin_dir);
	else if (argc >= 1 && !strcmp(argv[0], "status") && !(argc >= 2 && !strcmp(argv[1], "-j")))
		strbuf_printf(out, "instance %s, uplink %s, tunnel %s, %u worker(s), maps %s\n",
			      d->set.instance, d->set.uplink, d->tun, d->n_workers, d->pin_dir);
	return commands_run(d->dp, argc, argv, out);
}

static int open_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static void on_sighup(struct daemon *d)
{
	struct strbuf out = STRBUF_INIT;	/* the log has said it all */

	xs_info("SIGHUP: reloading %s", d->config_path ? d->config_path : "(no file)");
	daemon_reload(d, &out);
	strbuf_free(&out);
}

enum { FD_CTL, FD_SIG, FD_METRICS, FD_IKE, MAX_FDS = FD_IKE + 8 };

/* Refilled every round: a reload may start IKE or move the metrics endpoint. */
static unsigned int poll_set(const struct daemon *d, struct pollfd *fds)
{
	fds[FD_CTL] = (struct pollfd){ .fd = d->ctl_fd, .events = POLLIN };
	fds[FD_SIG] = (struct pollfd){ .fd = d->sig_fd, .events = POLLIN };
	fds[FD_METRICS] = (struct pollfd){ .fd = d->metrics ? metrics_server_fd(d->metrics) : -1,
					   .events = POLLIN };
	return d->ike ? ike_daemon_pollfds(d->ike, fds + FD_IKE, MAX_FDS - FD_IKE) : 0;
}

static void run(struct daemon *d)
{
	struct pollfd fds[MAX_FDS];
	struct signalfd_siginfo si;
	uint64_t last_refresh = 0;

	for (;;) {
		unsigned int n_ike = poll_set(d, fds);
		int timeout = d->ike ? ike_daemon_timeout(d->ike, REFRESH_MS) : REFRESH_MS;
		int n = poll(fds, FD_IKE + n_ike, timeout);
		uint64_t now = monotonic_ms();

		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && fds[FD_SIG].revents & POLLIN &&
		    read(d->sig_fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGHUP)
				break;
			on_sighup(d);
		}
		if (n > 0 && fds[FD_CTL].revents & POLLIN)
			ctl_serve_one(d->ctl_fd, control_gid(&d->set), handle_request, d);
		if (n > 0 && fds[FD_METRICS].revents & POLLIN && d->metrics &&
		    fds[FD_METRICS].fd == metrics_server_fd(d->metrics))
			metrics_server_serve(d->metrics, render_metrics, d);
		if (d->ike)
			ike_daemon_run(d->ike, fds + FD_IKE, n > 0 ? n_ike : 0);
		if (now - last_refresh >= REFRESH_MS) {
			if (!d->xfrm)
				dp_bpf_refresh_next_hops(d->dp);
			last_refresh = now;
		}
	}
	xs_info("shutting down instance '%s'", d->set.instance);
}

/* --check-config: both halves of the file, nothing started. */
static int check_config(const struct daemon *d)
{
	struct ike_cfg *cfg = NULL;
	char err[ERR_LEN];

	if (strlen(d->set.instance) > MAX_INSTANCE_LEN) {
		fprintf(stderr, "xdpsecd: instance name '%s' is longer than %d characters\n",
			d->set.instance, MAX_INSTANCE_LEN);
		return 1;
	}
	if (d->config_path && ike_cfg_load(d->config_path, NULL, &cfg, err, sizeof(err))) {
		fprintf(stderr, "xdpsecd: %s\n", err);
		return 1;
	}
	printf("configuration OK: instance %s, uplink %s, %u worker(s), %u IKE connection(s)\n",
	       d->set.instance, d->set.uplink[0] ? d->set.uplink : "(none)", d->set.workers,
	       cfg ? cfg->n_conns : 0);
	ike_cfg_free(cfg);
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d = { .ctl_fd = -1 };
	bool check_only = false;
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	int rc = 1;

	log_set_ident("xdpsecd");
	if (parse_args(&d, argc, argv, &check_only))
		return 1;
	if (check_only)
		return check_config(&d);
	if (!d.set.uplink[0]) {
		fprintf(stderr, "xdpsecd: no uplink: give --uplink IF or 'uplink' in the xdpsec "
				"section\n");
		return 1;
	}
	if (strlen(d.set.instance) > MAX_INSTANCE_LEN) {
		fprintf(stderr, "xdpsecd: instance name '%s' is longer than %d characters\n",
			d.set.instance, MAX_INSTANCE_LEN);
		return 1;
	}
	if (instance_running(d.set.control_socket)) {
		fprintf(stderr, "xdpsecd: instance '%s' is already running (%s answers)\n",
			d.set.instance, d.set.control_socket);
		return 1;
	}
	apply_event_log(&d.set);
	libbpf_set_print(libbpf_log);
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	d.sig_fd = open_signalfd();
	if (d.sig_fd >= 0 && !setup(&d)) {
		run(&d);
		rc = 0;
	}
	teardown(&d);
	return rc;
}

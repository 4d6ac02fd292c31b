/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xdpsecd's own settings: the 'xdpsec' section of the configuration file.
 *
 *	xdpsec {
 *		uplink = eth0
 *		lan = eth1
 *		instance = gw1
 *		workers = 2
 *		max_sas = 4096
 *		max_devices = 1024
 *		control_socket = /run/xdpsec/gw1.sock
 *		pin_path = /sys/fs/bpf/xdpsec
 *		metrics_listen = 127.0.0.1:9469
 *		dataplane = afxdp	# afxdp (default) | xfrm | auto
 *		ike_keepalive = 20s	# NAT-T keepalives when behind a NAT; 0: none
 *		ike_fragment_size = 0	# IKE fragments (RFC 7383): IP datagram size; 0: 576 / 1280
 *		control_group = xdpsec	# may use the control socket besides root
 *		umem_frames = 4096	# 4 KiB AF_XDP frames per worker (16 MiB)
 *		log = syslog		# SA events: syslog (default) | stderr
 *		log_format = text	# SA events: text (key=value) | json
 *	}
 *
 * Other sections (connections, secrets, authorities, pools) belong to the
 * IKE daemon and are ignored here.  uplink and lan have no default: the
 * daemon decides whether it needs them.
 */
#ifndef XDPSEC_SETTINGS_H
#define XDPSEC_SETTINGS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

enum {
	SETTINGS_INSTANCE_MAX = 32,	/* characters, without the NUL */
	SETTINGS_SOCKET_MAX = 108,	/* sizeof(sun_path) */
	SETTINGS_PATH_MAX = 256,
	SETTINGS_LISTEN_MAX = 64,	/* "[v6 address]:port" */
	SETTINGS_MAX_SAS_LIMIT = 1 << 20,
	SETTINGS_MAX_DEVICES_LIMIT = 1 << 16,
	SETTINGS_DEFAULT_KEEPALIVE = 20,	/* seconds, strongSwan's default */
	SETTINGS_GROUP_MAX = 33,
	SETTINGS_DEFAULT_UMEM_FRAMES = 4096,	/* 16 MiB of 4 KiB frames per worker */
	SETTINGS_MIN_UMEM_FRAMES = 256,
	SETTINGS_MAX_UMEM_FRAMES = 1 << 18,
	SETTINGS_MAX_KEEPALIVE = 3600,
};

#define SETTINGS_DEFAULT_INSTANCE "default"
#define SETTINGS_DEFAULT_PIN_PATH "/sys/fs/bpf/xdpsec"
#define SETTINGS_SOCKET_DIR "/run/xdpsec"

/* Who does ESP: AF_XDP workers, the kernel's XFRM, or XFRM if it can. */
enum xdpsec_dataplane { XDPSEC_DP_AFXDP, XDPSEC_DP_XFRM, XDPSEC_DP_AUTO };

struct xdpsec_settings {
	char uplink[IF_NAMESIZE];	/* "" if not configured */
	char lan[IF_NAMESIZE];
	char instance[SETTINGS_INSTANCE_MAX + 1];
	unsigned int workers;
	unsigned int max_sas;
	unsigned int max_devices;
	char control_socket[SETTINGS_SOCKET_MAX];
	char pin_path[SETTINGS_PATH_MAX];
	/* Prometheus endpoint, "" = off (the default); settings_parse_listen(). */
	char metrics_listen[SETTINGS_LISTEN_MAX];
	enum xdpsec_dataplane dataplane;	/* XDPSEC_DP_AFXDP by default */
	unsigned int ike_keepalive;	/* seconds between NAT-T keepalives; 0: none */
	/* RFC 7383: largest IP datagram of an IKE fragment; 0: 576 (IPv4) / 1280 (IPv6) */
	unsigned int ike_fragment_size;
	/* Besides root, members of this group may use the control socket
	 * ("" = root only); checked to exist when the file is read. */
	char control_group[SETTINGS_GROUP_MAX];
	unsigned int umem_frames;	/* AF_XDP frames per worker */
	/* SA events (events.h): to syslog (the default) or stderr, as
	 * key=value text (the default) or JSON lines. */
	bool events_stderr;
	bool events_json;
};

/* Defaults: instance "default", workers 1, max_sas 4096, max_devices 1024. */
void xdpsec_settings_defaults(struct xdpsec_settings *s);

/*
 * Reads path into *out (defaults for what is not set).  Unknown keys in the
 * xdpsec section are warned about with their file and line.  On error
 * returns -errno, writes "FILE:LINE: problem" to err and leaves *out as it
 * was.
 */
int xdpsec_conf_load(const char *path, struct xdpsec_settings *out, char *err, size_t errlen);

/*
 * Reload: what differs between the running settings and a new file's.
 * live: the daemon can apply it without a restart (ike_keepalive,
 * metrics_listen); the others (uplink, workers, instance, max_sas, ...)
 * shape what was attached and allocated at start-up, and keep their running
 * value until the daemon restarts.
 */
enum { SETTINGS_VALUE_MAX = SETTINGS_PATH_MAX };

struct settings_change {
	const char *key;
	bool live;
	char from[SETTINGS_VALUE_MAX], to[SETTINGS_VALUE_MAX];
};

/* Fills up to max changes, returns how many settings differ. */
unsigned int xdpsec_settings_diff(const struct xdpsec_settings *running,
				  const struct xdpsec_settings *next, struct settings_change *out,
				  unsigned int max);

/* "afxdp", "xfrm", "auto"; -EINVAL for anything else. */
int settings_dataplane_parse(const char *s, enum xdpsec_dataplane *out);
const char *settings_dataplane_name(enum xdpsec_dataplane dp);

/* Instance names: 1..32 of [A-Za-z0-9_.-], not starting with '.'. */
bool settings_instance_valid(const char *name);
/* "/run/xdpsec/NAME.sock"; -ENAMETOOLONG if it does not fit. */
int settings_socket_path(const char *instance, char *buf, size_t len);

/*
 * A listening address: "PORT" (127.0.0.1), "IPV4:PORT" or "[IPV6]:PORT",
 * port 1..65535, into *out (sockaddr_in or sockaddr_in6).  0 or -EINVAL.
 */
struct sockaddr_storage;
int settings_parse_listen(const char *s, struct sockaddr_storage *out);

#endif /* XDPSEC_SETTINGS_H */

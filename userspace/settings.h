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
	SETTINGS_MAX_SAS_LIMIT = 1 << 20,
	SETTINGS_MAX_DEVICES_LIMIT = 1 << 16,
};

#define SETTINGS_DEFAULT_INSTANCE "default"
#define SETTINGS_DEFAULT_PIN_PATH "/sys/fs/bpf/xdpsec"
#define SETTINGS_SOCKET_DIR "/run/xdpsec"

struct xdpsec_settings {
	char uplink[IF_NAMESIZE];	/* "" if not configured */
	char lan[IF_NAMESIZE];
	char instance[SETTINGS_INSTANCE_MAX + 1];
	unsigned int workers;
	unsigned int max_sas;
	unsigned int max_devices;
	char control_socket[SETTINGS_SOCKET_MAX];
	char pin_path[SETTINGS_PATH_MAX];
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

/* Instance names: 1..32 of [A-Za-z0-9_.-], not starting with '.'. */
bool settings_instance_valid(const char *name);
/* "/run/xdpsec/NAME.sock"; -ENAMETOOLONG if it does not fit. */
int settings_socket_path(const char *instance, char *buf, size_t len);

#endif /* XDPSEC_SETTINGS_H */

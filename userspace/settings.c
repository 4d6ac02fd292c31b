// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Loading the 'xdpsec' section into struct xdpsec_settings.  Everything is
 * read into a copy first, so a bad value leaves the caller's settings alone.
 */
#include "settings.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "ike_config.h"
#include "ike_engine.h"
#include "log.h"
#include "xdpsec_maps.h"

static const char *const known_keys[] = {
	"uplink", "lan", "instance", "workers", "max_sas", "max_devices",
	"control_socket", "pin_path", "metrics_listen", "dataplane", "ike_keepalive",
	"ike_fragment_size",
	"control_group", "umem_frames", "log", "log_format",
};

static const char *const dataplane_names[] = {
	[XDPSEC_DP_AFXDP] = "afxdp", [XDPSEC_DP_XFRM] = "xfrm", [XDPSEC_DP_AUTO] = "auto",
};

int settings_dataplane_parse(const char *s, enum xdpsec_dataplane *out)
{
	for (unsigned int i = 0; i < sizeof(dataplane_names) / sizeof(dataplane_names[0]); i++)
		if (!strcmp(s, dataplane_names[i])) {
			*out = (enum xdpsec_dataplane)i;
			return 0;
		}
	return -EINVAL;
}

const char *settings_dataplane_name(enum xdpsec_dataplane dp)
{
	return dp <= XDPSEC_DP_AUTO ? dataplane_names[dp] : "?";
}

void xdpsec_settings_defaults(struct xdpsec_settings *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->instance, sizeof(s->instance), "%s", SETTINGS_DEFAULT_INSTANCE);
	s->workers = 1;
	s->max_sas = XS_DEFAULT_MAX_SAS;
	s->max_devices = XS_DEFAULT_MAX_DEVICES;
	settings_socket_path(s->instance, s->control_socket, sizeof(s->control_socket));
	snprintf(s->pin_path, sizeof(s->pin_path), "%s", SETTINGS_DEFAULT_PIN_PATH);
	s->ike_keepalive = SETTINGS_DEFAULT_KEEPALIVE;
	s->umem_frames = SETTINGS_DEFAULT_UMEM_FRAMES;
}

bool settings_instance_valid(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > SETTINGS_INSTANCE_MAX || name[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

int settings_socket_path(const char *instance, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s.sock", SETTINGS_SOCKET_DIR, instance);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	v = strtoul(s, &end, 10);
	if (*end || v < 1 || v > 65535)
		return -EINVAL;
	*port = htons((uint16_t)v);
	return 0;
}

int settings_parse_listen(const char *s, struct sockaddr_storage *out)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
	struct sockaddr_in *sin = (struct sockaddr_in *)out;
	char addr[SETTINGS_LISTEN_MAX];
	const char *colon, *close;

	memset(out, 0, sizeof(*out));
	if (strlen(s) >= sizeof(addr))
		return -EINVAL;
	if (s[0] == '[') {
		close = strchr(s, ']');
		if (!close || close[1] != ':')
			return -EINVAL;
		snprintf(addr, sizeof(addr), "%.*s", (int)(close - s - 1), s + 1);
		sin6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1)
			return -EINVAL;
		return parse_port(close + 2, &sin6->sin6_port);
	}
	sin->sin_family = AF_INET;
	colon = strrchr(s, ':');
	if (!colon) {
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return parse_port(s, &sin->sin_port);
	}
	snprintf(addr, sizeof(addr), "%.*s", (int)(colon - s), s);
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
		return -EINVAL;
	return parse_port(colon + 1, &sin->sin_port);
}

/* One setting as text, for the reload comparison. */
struct setting_desc {
	const char *key;
	bool live;
	void (*show)(const struct xdpsec_settings *s, char *buf, size_t len);
};

#define SHOW_STR(field)                                                                   \
	static void show_##field(const struct xdpsec_settings *s, char *buf, size_t len)  \
	{                                                                                 \
		snprintf(buf, len, "%s", s->field[0] ? s->field : "(none)");              \
	}
#define SHOW_UINT(field)                                                                  \
	static void show_##field(const struct xdpsec_settings *s, char *buf, size_t len)  \
	{                                                                                 \
		snprintf(buf, len, "%u", s->field);                                       \
	}
SHOW_STR(uplink)
SHOW_STR(lan)
SHOW_STR(instance)
SHOW_UINT(workers)
SHOW_UINT(max_sas)
SHOW_UINT(max_devices)
SHOW_STR(control_socket)
SHOW_STR(pin_path)
SHOW_STR(metrics_listen)
SHOW_UINT(ike_keepalive)
SHOW_UINT(ike_fragment_size)
SHOW_UINT(umem_frames)
SHOW_STR(control_group)

static void show_log(const struct xdpsec_settings *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s", s->events_stderr ? "stderr" : "syslog");
}

static void show_log_format(const struct xdpsec_settings *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s", s->events_json ? "json" : "text");
}

static void show_dataplane(const struct xdpsec_settings *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s", settings_dataplane_name(s->dataplane));
}

static const struct setting_desc setting_descs[] = {
	{ "uplink", false, show_uplink },
	{ "lan", false, show_lan },
	{ "instance", false, show_instance },
	{ "workers", false, show_workers },
	{ "max_sas", false, show_max_sas },
	{ "max_devices", false, show_max_devices },
	{ "control_socket", false, show_control_socket },
	{ "pin_path", false, show_pin_path },
	{ "dataplane", false, show_dataplane },
	{ "metrics_listen", true, show_metrics_listen },
	{ "ike_keepalive", true, show_ike_keepalive },
	{ "ike_fragment_size", false, show_ike_fragment_size },
	{ "umem_frames", false, show_umem_frames },
	{ "control_group", false, show_control_group },
	{ "log", true, show_log },
	{ "log_format", true, show_log_format },
};

unsigned int xdpsec_settings_diff(const struct xdpsec_settings *running,
				  const struct xdpsec_settings *next, struct settings_change *out,
				  unsigned int max)
{
	char from[SETTINGS_VALUE_MAX], to[SETTINGS_VALUE_MAX];
	unsigned int n = 0;

	for (size_t i = 0; i < sizeof(setting_descs) / sizeof(setting_descs[0]); i++) {
		const struct setting_desc *d = &setting_descs[i];

		d->show(running, from, sizeof(from));
		d->show(next, to, sizeof(to));
		if (!strcmp(from, to))
			continue;
		if (n < max) {
			out[n].key = d->key;
			out[n].live = d->live;
			memcpy(out[n].from, from, sizeof(from));
			memcpy(out[n].to, to, sizeof(to));
		}
		n++;
	}
	return n;
}

static void warn_unknown(const struct conf_section *sec)
{
	const struct conf_setting *s;
	const struct conf_section *child;
	size_t i;

	for (s = sec->settings; s; s = s->next) {
		for (i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
			if (!strcmp(s->key, known_keys[i]))
				break;
		if (i == sizeof(known_keys) / sizeof(known_keys[0]))
			xs_warn("%s:%u: unknown key '%s' in section 'xdpsec', ignored", s->file,
				s->line, s->key);
	}
	for (child = sec->children; child; child = child->next)
		xs_warn("%s:%u: unknown section '%s' in section 'xdpsec', ignored", child->file,
			child->line, child->name);
}

/* Reads an unsigned key into *out if present. */
static int get_uint(const struct conf_section *sec, const char *key, unsigned long max,
		    unsigned int *out, char *err, size_t errlen)
{
	unsigned long v;
	int ret = conf_get_uint(sec, key, 1, max, &v, err, errlen);

	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	*out = (unsigned int)v;
	return 0;
}

/* ike_fragment_size: 0 (per address family) or an IP datagram size the engine takes. */
static int get_fragment_size(const struct conf_section *sec, unsigned int *out, char *err,
			     size_t errlen)
{
	const struct conf_setting *st = conf_get(sec, "ike_fragment_size");
	unsigned long v;
	int ret = conf_get_uint(sec, "ike_fragment_size", 0, IKE_FRAGMENT_SIZE_MAX, &v, err,
				errlen);

	if (ret == -ENOENT)
		return 0;
	if (!ret && v && v < IKE_FRAGMENT_SIZE_MIN) {
		snprintf(err, errlen, "%s:%u: 'ike_fragment_size' must be 0 or at least %d",
			 st->file, st->line, IKE_FRAGMENT_SIZE_MIN);
		ret = -EINVAL;
	}
	if (!ret)
		*out = (unsigned int)v;
	return ret;
}

/* control_group: a group that exists on this host. */
static int get_group(const struct conf_section *sec, char *out, size_t len, char *err,
		     size_t errlen)
{
	const struct conf_setting *st = conf_get(sec, "control_group");

	if (!st)
		return 0;
	if (!st->value[0] || strlen(st->value) >= len || !getgrnam(st->value)) {
		snprintf(err, errlen, "%s:%u: 'control_group' must name an existing group",
			 st->file, st->line);
		return -EINVAL;
	}
	snprintf(out, len, "%s", st->value);
	return 0;
}

/* A time ("20", "20s", "1m") in seconds, 0 allowed. */
static int get_seconds(const struct conf_section *sec, const char *key, uint64_t max,
		       unsigned int *out, char *err, size_t errlen)
{
	const struct conf_setting *st = conf_get(sec, key);
	uint64_t v;

	if (!st)
		return 0;
	if (ike_cfg_parse_time(st->value, &v) || v > max) {
		snprintf(err, errlen, "%s:%u: '%s' must be a time up to %llus: 20, 20s or 1m",
			 st->file, st->line, key, (unsigned long long)max);
		return -EINVAL;
	}
	*out = (unsigned int)v;
	return 0;
}

static int get_string(const struct conf_section *sec, const char *key, char *out, size_t len,
		      char *err, size_t errlen)
{
	int ret = conf_get_string(sec, key, out, len, err, errlen);

	return ret == -ENOENT ? 0 : ret;
}

/* An absolute path that fits; key names the setting for the message. */
static int get_path(const struct conf_section *sec, const char *key, char *out, size_t len,
		    char *err, size_t errlen)
{
	const struct conf_setting *s = conf_get(sec, key);
	int ret = get_string(sec, key, out, len, err, errlen);

	if (!ret && s && s->value[0] != '/') {
		snprintf(err, errlen, "%s:%u: '%s' must be an absolute path", s->file, s->line,
			 key);
		return -EINVAL;
	}
	return ret;
}

/* An address settings_parse_listen() takes. */
static int get_listen(const struct conf_section *sec, const char *key, char *out, size_t len,
		      char *err, size_t errlen)
{
	const struct conf_setting *s = conf_get(sec, key);
	struct sockaddr_storage ss;
	int ret = get_string(sec, key, out, len, err, errlen);

	if (!ret && s && settings_parse_listen(s->value, &ss)) {
		snprintf(err, errlen, "%s:%u: '%s' must be PORT, IPV4:PORT or [IPV6]:PORT "
			 "(port 1-65535), not '%s'", s->file, s->line, key, s->value);
		return -EINVAL;
	}
	return ret;
}

static int get_dataplane(const struct conf_section *sec, enum xdpsec_dataplane *out,
			 char *err, size_t errlen)
{
	const struct conf_setting *s = conf_get(sec, "dataplane");

	if (!s || !settings_dataplane_parse(s->value, out))
		return 0;
	snprintf(err, errlen, "%s:%u: 'dataplane' must be afxdp, xfrm or auto, not '%s'",
		 s->file, s->line, s->value);
	return -EINVAL;
}

/* key = no | yes for *out, where the words are the key's own. */
static int get_choice(const struct conf_section *sec, const char *key, const char *no,
		      const char *yes, bool *out, char *err, size_t errlen)
{
	const struct conf_setting *s = conf_get(sec, key);

	if (!s)
		return 0;
	if (strcmp(s->value, no) && strcmp(s->value, yes)) {
		snprintf(err, errlen, "%s:%u: '%s' must be %s or %s, not '%s'", s->file, s->line,
			 key, no, yes, s->value);
		return -EINVAL;
	}
	*out = !strcmp(s->value, yes);
	return 0;
}

static int check_names(const struct conf_section *sec, const struct xdpsec_settings *s,
		       char *err, size_t errlen)
{
	const struct conf_setting *bad = NULL;
	const char *what = "";

	if (!settings_instance_valid(s->instance)) {
		bad = conf_get(sec, "instance");
		what = "1..32 characters of A-Z a-z 0-9 _ . - (not starting with '.')";
	} else if (strchr(s->uplink, '/') || strchr(s->uplink, ' ')) {
		bad = conf_get(sec, "uplink");
		what = "an interface name";
	} else if (strchr(s->lan, '/') || strchr(s->lan, ' ')) {
		bad = conf_get(sec, "lan");
		what = "an interface name";
	}
	if (!bad)
		return 0;
	snprintf(err, errlen, "%s:%u: '%s' must be %s", bad->file, bad->line, bad->key, what);
	return -EINVAL;
}

static int read_section(const struct conf_section *sec, struct xdpsec_settings *s, char *err,
			size_t errlen)
{
	int ret;

	ret = get_string(sec, "uplink", s->uplink, sizeof(s->uplink), err, errlen);
	ret = ret ?: get_string(sec, "lan", s->lan, sizeof(s->lan), err, errlen);
	ret = ret ?: get_group(sec, s->control_group, sizeof(s->control_group), err, errlen);
	ret = ret ?: get_string(sec, "instance", s->instance, sizeof(s->instance), err, errlen);
	ret = ret ?: get_uint(sec, "workers", XS_MAX_WORKERS, &s->workers, err, errlen);
	ret = ret ?: get_uint(sec, "max_sas", SETTINGS_MAX_SAS_LIMIT, &s->max_sas, err, errlen);
	ret = ret ?: get_uint(sec, "umem_frames", SETTINGS_MAX_UMEM_FRAMES, &s->umem_frames, err,
			      errlen);
	if (!ret && s->umem_frames < SETTINGS_MIN_UMEM_FRAMES) {
		snprintf(err, errlen, "%s:%u: 'umem_frames' must be at least %d",
			 conf_get(sec, "umem_frames")->file, conf_get(sec, "umem_frames")->line,
			 SETTINGS_MIN_UMEM_FRAMES);
		ret = -EINVAL;
	}
	ret = ret ?: get_uint(sec, "max_devices", SETTINGS_MAX_DEVICES_LIMIT, &s->max_devices,
			      err, errlen);
	ret = ret ?: get_path(sec, "pin_path", s->pin_path, sizeof(s->pin_path), err, errlen);
	ret = ret ?: get_listen(sec, "metrics_listen", s->metrics_listen,
				sizeof(s->metrics_listen), err, errlen);
	ret = ret ?: get_dataplane(sec, &s->dataplane, err, errlen);
	ret = ret ?: get_seconds(sec, "ike_keepalive", SETTINGS_MAX_KEEPALIVE, &s->ike_keepalive,
				 err, errlen);
	ret = ret ?: get_fragment_size(sec, &s->ike_fragment_size, err, errlen);
	ret = ret ?: get_choice(sec, "log", "syslog", "stderr", &s->events_stderr, err, errlen);
	ret = ret ?: get_choice(sec, "log_format", "text", "json", &s->events_json, err, errlen);
	ret = ret ?: check_names(sec, s, err, errlen);
	if (ret)
		return ret;
	/* The socket follows the instance unless set explicitly (a valid
	 * instance name always fits). */
	if (!conf_get(sec, "control_socket"))
		settings_socket_path(s->instance, s->control_socket, sizeof(s->control_socket));
	return get_path(sec, "control_socket", s->control_socket, sizeof(s->control_socket), err,
			errlen);
}

int xdpsec_conf_load(const char *path, struct xdpsec_settings *out, char *err, size_t errlen)
{
	struct conf_section *root, *sec;
	struct xdpsec_settings s;
	int ret;

	ret = conf_parse_file(path, &root, err, errlen);
	if (ret)
		return ret;
	xdpsec_settings_defaults(&s);
	sec = conf_find_section(root, "xdpsec");
	if (sec) {
		warn_unknown(sec);
		ret = read_section(sec, &s, err, errlen);
	}
	if (!ret)
		*out = s;
	conf_free(root);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Loading the 'xdpsec' section into struct xdpsec_settings.  Everything is
 * read into a copy first, so a bad value leaves the caller's settings alone.
 */
#include "settings.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "xdpsec_maps.h"

static const char *const known_keys[] = {
	"uplink", "lan", "instance", "workers", "max_sas", "max_devices",
	"control_socket", "pin_path",
};

void xdpsec_settings_defaults(struct xdpsec_settings *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->instance, sizeof(s->instance), "%s", SETTINGS_DEFAULT_INSTANCE);
	s->workers = 1;
	s->max_sas = XS_DEFAULT_MAX_SAS;
	s->max_devices = XS_DEFAULT_MAX_DEVICES;
	settings_socket_path(s->instance, s->control_socket, sizeof(s->control_socket));
	snprintf(s->pin_path, sizeof(s->pin_path), "%s", SETTINGS_DEFAULT_PIN_PATH);
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
	ret = ret ?: get_string(sec, "instance", s->instance, sizeof(s->instance), err, errlen);
	ret = ret ?: get_uint(sec, "workers", XS_MAX_WORKERS, &s->workers, err, errlen);
	ret = ret ?: get_uint(sec, "max_sas", SETTINGS_MAX_SAS_LIMIT, &s->max_sas, err, errlen);
	ret = ret ?: get_uint(sec, "max_devices", SETTINGS_MAX_DEVICES_LIMIT, &s->max_devices,
			      err, errlen);
	ret = ret ?: get_path(sec, "pin_path", s->pin_path, sizeof(s->pin_path), err, errlen);
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

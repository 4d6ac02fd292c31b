// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The configuration tree: lookups and typed getters whose errors point at
 * the offending line, and freeing (values are wiped: 'secrets' holds keys).
 */
#include "conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

static void settings_free(struct conf_setting *s)
{
	struct conf_setting *next;

	for (; s; s = next) {
		next = s->next;
		free(s->key);
		OPENSSL_clear_free(s->value, strlen(s->value));
		free(s);
	}
}

static void section_free(struct conf_section *sec)
{
	struct conf_section *child, *next;

	for (child = sec->children; child; child = next) {
		next = child->next;
		section_free(child);
	}
	settings_free(sec->settings);
	free(sec->name);
	free(sec);
}

void conf_free(struct conf_section *root)
{
	char *file;

	if (!root)
		return;
	file = (char *)root->file;
	section_free(root);
	free(file);
}

struct conf_section *conf_find_section(const struct conf_section *sec, const char *name)
{
	struct conf_section *child;

	for (child = sec->children; child; child = child->next)
		if (!strcmp(child->name, name))
			return child;
	return NULL;
}

const struct conf_setting *conf_get(const struct conf_section *sec, const char *key)
{
	const struct conf_setting *s;

	for (s = sec->settings; s; s = s->next)
		if (!strcmp(s->key, key))
			return s;
	return NULL;
}

int conf_get_uint(const struct conf_section *sec, const char *key, unsigned long min,
		  unsigned long max, unsigned long *out, char *err, size_t errlen)
{
	const struct conf_setting *s = conf_get(sec, key);
	unsigned long v;
	char *end;

	if (!s)
		return -ENOENT;
	errno = 0;
	v = strtoul(s->value, &end, 10);
	if (s->value[0] < '0' || s->value[0] > '9' || *end || errno || v < min || v > max) {
		snprintf(err, errlen, "%s:%u: '%s' must be an integer %lu..%lu", s->file, s->line,
			 key, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int conf_get_bool(const struct conf_section *sec, const char *key, bool *out, char *err,
		  size_t errlen)
{
	static const char *const yes[] = { "yes", "true", "enabled", "1" };
	static const char *const no[] = { "no", "false", "disabled", "0" };
	const struct conf_setting *s = conf_get(sec, key);
	size_t i;

	if (!s)
		return -ENOENT;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s->value, yes[i]) || !strcasecmp(s->value, no[i])) {
			*out = !strcasecmp(s->value, yes[i]);
			return 0;
		}
	}
	snprintf(err, errlen, "%s:%u: '%s' must be yes or no", s->file, s->line, key);
	return -EINVAL;
}

int conf_get_string(const struct conf_section *sec, const char *key, char *out, size_t outlen,
		    char *err, size_t errlen)
{
	const struct conf_setting *s = conf_get(sec, key);
	size_t len;

	if (!s)
		return -ENOENT;
	len = strlen(s->value);
	if (len == 0 || len >= outlen) {
		snprintf(err, errlen, "%s:%u: '%s' must be 1..%zu characters", s->file, s->line,
			 key, outlen - 1);
		return -EINVAL;
	}
	memcpy(out, s->value, len + 1);
	return 0;
}

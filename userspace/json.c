// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * JSON output.  The writer keeps, per open container, whether it is an
 * object and whether it has members yet; that is all comma placement needs.
 */
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void json_init(struct json *j, struct strbuf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

/* Called before every value and key: writes the separating comma. */
static void json_separate(struct json *j, bool is_key)
{
	unsigned int d = j->depth;

	if (j->after_key) {
		if (is_key)
			j->err = -EINVAL;
		j->after_key = false;
		return;
	}
	if (d == 0)
		return;
	if (j->in_object[d - 1] != is_key)
		j->err = -EINVAL;	/* object member without key, or key in array */
	if (j->has_items[d - 1])
		strbuf_putc(j->out, ',');
	j->has_items[d - 1] = true;
}

static void json_open(struct json *j, bool object)
{
	json_separate(j, false);
	if (j->depth == JSON_MAX_DEPTH) {
		j->err = -EINVAL;
		return;
	}
	j->in_object[j->depth] = object;
	j->has_items[j->depth] = false;
	j->depth++;
	strbuf_putc(j->out, object ? '{' : '[');
}

static void json_close(struct json *j, bool object)
{
	if (j->depth == 0 || j->in_object[j->depth - 1] != object || j->after_key) {
		j->err = -EINVAL;
		return;
	}
	j->depth--;
	strbuf_putc(j->out, object ? '}' : ']');
}

void json_object_begin(struct json *j)
{
	json_open(j, true);
}

void json_object_end(struct json *j)
{
	json_close(j, true);
}

void json_array_begin(struct json *j)
{
	json_open(j, false);
}

void json_array_end(struct json *j)
{
	json_close(j, false);
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is not one. */
static size_t utf8_seq_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void json_escape_char(struct strbuf *out, unsigned char c)
{
	switch (c) {
	case '"':  strbuf_puts(out, "\\\""); break;
	case '\\': strbuf_puts(out, "\\\\"); break;
	case '\b': strbuf_puts(out, "\\b"); break;
	case '\f': strbuf_puts(out, "\\f"); break;
	case '\n': strbuf_puts(out, "\\n"); break;
	case '\r': strbuf_puts(out, "\\r"); break;
	case '\t': strbuf_puts(out, "\\t"); break;
	default:
		if (c < 0x20 || c == 0x7f)
			strbuf_printf(out, "\\u%04x", c);
		else
			strbuf_putc(out, (char)c);
	}
}

static void json_write_string(struct strbuf *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	strbuf_putc(out, '"');
	while (*s) {
		n = utf8_seq_len(s);
		if (n == 1) {
			json_escape_char(out, *s);
		} else if (n > 1) {
			strbuf_append(out, s, n);
		} else {
			strbuf_puts(out, "\\ufffd");
			n = 1;
		}
		s += n;
	}
	strbuf_putc(out, '"');
}

void json_key(struct json *j, const char *key)
{
	json_separate(j, true);
	json_write_string(j->out, key);
	strbuf_putc(j->out, ':');
	j->after_key = true;
}

void json_string(struct json *j, const char *s)
{
	json_separate(j, false);
	json_write_string(j->out, s);
}

void json_stringf(struct json *j, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_string(j, buf);
}

void json_u64(struct json *j, uint64_t v)
{
	json_separate(j, false);
	strbuf_printf(j->out, "%" PRIu64, v);
}

void json_bool(struct json *j, bool v)
{
	json_separate(j, false);
	strbuf_puts(j->out, v ? "true" : "false");
}

void json_null(struct json *j)
{
	json_separate(j, false);
	strbuf_puts(j->out, "null");
}

void json_kv_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	if (s)
		json_string(j, s);
	else
		json_null(j);
}

void json_kv_u64(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_u64(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

int json_error(const struct json *j)
{
	if (j->err)
		return j->err;
	if (j->depth || j->after_key)
		return -EINVAL;
	return strbuf_error(j->out);
}

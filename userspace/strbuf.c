// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * strbuf: append-only text with doubling growth.  The terminating NUL is
 * always in place, so strbuf_str() is a plain pointer read.  What a buffer
 * leaves behind (an old allocation when it grows, a cut tail, the memory it
 * frees) is wiped, so that a control reply may carry exported keys.
 */
#include "strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

enum { STRBUF_MIN_CAP = 256 };

void strbuf_init(struct strbuf *sb)
{
	*sb = (struct strbuf)STRBUF_INIT;
}

void strbuf_free(struct strbuf *sb)
{
	if (sb->buf)
		OPENSSL_clear_free(sb->buf, sb->cap);
	strbuf_init(sb);
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->oom = false;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void strbuf_truncate(struct strbuf *sb, size_t len)
{
	if (len < sb->len) {
		OPENSSL_cleanse(sb->buf + len, sb->len - len);
		sb->len = len;
		sb->buf[len] = '\0';
	}
}

/* Makes room for extra more bytes plus the NUL. */
static int strbuf_reserve(struct strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *p;

	if (sb->oom)
		return -ENOMEM;
	if (extra >= ((size_t)-1) / 2 - sb->len)
		goto out_of_memory;
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : STRBUF_MIN_CAP;
	while (cap < need)
		cap *= 2;
	p = malloc(cap);
	if (!p)
		goto out_of_memory;
	if (sb->buf) {
		memcpy(p, sb->buf, sb->len + 1);
		OPENSSL_clear_free(sb->buf, sb->cap);
	}
	sb->buf = p;
	sb->cap = cap;
	return 0;

out_of_memory:
	sb->oom = true;
	return -ENOMEM;
}

int strbuf_append(struct strbuf *sb, const void *data, size_t len)
{
	int ret = strbuf_reserve(sb, len);

	if (ret)
		return ret;
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_puts(struct strbuf *sb, const char *s)
{
	return strbuf_append(sb, s, strlen(s));
}

int strbuf_putc(struct strbuf *sb, char c)
{
	return strbuf_append(sb, &c, 1);
}

int strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list again;
	int n, ret;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0)
		return -EINVAL;
	ret = strbuf_reserve(sb, (size_t)n);
	if (ret)
		return ret;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = strbuf_vprintf(sb, fmt, ap);
	va_end(ap);
	return ret;
}

const char *strbuf_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

int strbuf_error(const struct strbuf *sb)
{
	return sb->oom ? -ENOMEM : 0;
}

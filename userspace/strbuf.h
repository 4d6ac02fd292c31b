/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A growable, always NUL-terminated output buffer.  Control replies and the
 * CLI's text and JSON output are built in one.  An allocation failure is
 * sticky: later appends are dropped and strbuf_error() reports -ENOMEM, so
 * a writer can check once at the end instead of after every append.
 * Whatever a strbuf leaves behind (the old buffer when it grows, a cut
 * tail, the buffer it frees) is wiped: `export-keys` sends keys in one.
 */
#ifndef XDPSEC_STRBUF_H
#define XDPSEC_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
	bool oom;
};

#define STRBUF_INIT { NULL, 0, 0, false }

void strbuf_init(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
/* Empties the buffer (keeps the allocation) and clears the error. */
void strbuf_reset(struct strbuf *sb);

/* Cuts the contents back to len bytes (no-op if already shorter). */
void strbuf_truncate(struct strbuf *sb, size_t len);

int strbuf_append(struct strbuf *sb, const void *data, size_t len);
int strbuf_puts(struct strbuf *sb, const char *s);
int strbuf_putc(struct strbuf *sb, char c);
int strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* The contents, NUL-terminated; "" for an empty buffer, never NULL. */
const char *strbuf_str(const struct strbuf *sb);
/* 0, or -ENOMEM if an append was dropped since the last reset. */
int strbuf_error(const struct strbuf *sb);

#endif /* XDPSEC_STRBUF_H */

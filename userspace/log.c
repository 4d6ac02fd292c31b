// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Line-oriented logging to stderr with a level filter and an identity prefix. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static enum log_level current_level = LOG_LVL_INFO;
static const char *ident = "xdpsec";

void log_set_level(enum log_level level)
{
	current_level = level;
}

void log_set_ident(const char *name)
{
	ident = name;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = { "error", "warning", "info", "debug" };
	char line[1024];
	va_list ap;

	if (level > current_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line so concurrent threads do not interleave. */
	fprintf(stderr, "%s[%s]: %s\n", ident, prefix[level], line);
}

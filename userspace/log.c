// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Line-oriented logging with a level filter and an identity prefix, to
 * stderr or syslog; and the SA event stream, which has its own destination.
 * syslog() to a host without a syslog daemon (no /dev/log) drops the line
 * quietly, so choosing syslog never stops the daemon.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

static enum log_level current_level = LOG_LVL_INFO;
static const char *ident = "xdpsec";
static bool log_to_syslog;
static enum log_dest event_dest = LOG_DEST_NONE;
static bool syslog_open;

void log_set_level(enum log_level level)
{
	current_level = level;
}

void log_set_ident(const char *name)
{
	ident = name;
}

static void open_syslog(void)
{
	if (syslog_open)
		return;
	openlog(ident, LOG_PID, LOG_DAEMON);
	syslog_open = true;
}

void log_set_syslog(bool on)
{
	if (on)
		open_syslog();
	log_to_syslog = on;
}

void log_set_event_dest(enum log_dest dest)
{
	if (dest == LOG_DEST_SYSLOG)
		open_syslog();
	event_dest = dest;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = { "error", "warning", "info", "debug" };
	static const int priority[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char line[1024];
	va_list ap;

	if (level > current_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_to_syslog) {
		syslog(priority[level], "%s", line);
		return;
	}
	/* One write per line so concurrent threads do not interleave. */
	fprintf(stderr, "%s[%s]: %s\n", ident, prefix[level], line);
}

void log_event_line(const char *line)
{
	if (event_dest == LOG_DEST_SYSLOG)
		syslog(LOG_NOTICE, "%s", line);
	else if (event_dest == LOG_DEST_STDERR)
		fprintf(stderr, "%s\n", line);
}

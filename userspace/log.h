/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Logging for the daemon and the CLI: one line per message, prefixed with
 * the level, to stderr (the journal captures it under systemd) or, after
 * log_set_syslog(true), to syslog.  Secrets are never passed here.
 * log_set_level() filters; xs_debug is off by default.
 *
 * SA events (events.h) are a second stream with their own destination:
 * none until the daemon chooses one (syslog by default, see the 'log' key
 * of the xdpsec section), so tests and tools that link the engine stay quiet.
 */
#ifndef XDPSEC_LOG_H
#define XDPSEC_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Where a stream of lines goes. */
enum log_dest { LOG_DEST_NONE, LOG_DEST_STDERR, LOG_DEST_SYSLOG };

void log_set_level(enum log_level level);
void log_set_ident(const char *ident);
/* The normal log to syslog (ident, LOG_PID, LOG_DAEMON) instead of stderr. */
void log_set_syslog(bool on);
void log_set_event_dest(enum log_dest dest);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One event line, as is, to the event destination (syslog: LOG_NOTICE). */
void log_event_line(const char *line);

#define xs_err(fmt, ...) log_msg(LOG_LVL_ERR, "%s: " fmt, __func__, ##__VA_ARGS__)
#define xs_warn(fmt, ...) log_msg(LOG_LVL_WARN, "%s: " fmt, __func__, ##__VA_ARGS__)
#define xs_info(fmt, ...) log_msg(LOG_LVL_INFO, fmt, ##__VA_ARGS__)
#define xs_debug(fmt, ...) log_msg(LOG_LVL_DEBUG, "%s: " fmt, __func__, ##__VA_ARGS__)

#endif /* XDPSEC_LOG_H */

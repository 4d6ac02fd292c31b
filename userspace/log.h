/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Logging for the daemon and the CLI: one line per message, prefixed with
 * the level, to stderr (the journal captures it under systemd).  Secrets are
 * never passed here.  log_set_level() filters; xs_debug is off by default.
 */
#ifndef XDPSEC_LOG_H
#define XDPSEC_LOG_H

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_set_level(enum log_level level);
void log_set_ident(const char *ident);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define xs_err(fmt, ...) log_msg(LOG_LVL_ERR, "%s: " fmt, __func__, ##__VA_ARGS__)
#define xs_warn(fmt, ...) log_msg(LOG_LVL_WARN, "%s: " fmt, __func__, ##__VA_ARGS__)
#define xs_info(fmt, ...) log_msg(LOG_LVL_INFO, fmt, ##__VA_ARGS__)
#define xs_debug(fmt, ...) log_msg(LOG_LVL_DEBUG, "%s: " fmt, __func__, ##__VA_ARGS__)

#endif /* XDPSEC_LOG_H */

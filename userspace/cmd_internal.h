/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the command files (cmd_sa.c, cmd_acl.c, cmd_stats.c) share with the
 * dispatcher in commands.c: the request context, error replies, a small
 * table-driven option parser and listing helpers.
 */
#ifndef XDPSEC_CMD_INTERNAL_H
#define XDPSEC_CMD_INTERNAL_H

#include <stdbool.h>

#include "dataplane.h"
#include "strbuf.h"

struct cmd_ctx {
	struct dataplane *dp;
	struct strbuf *out;
	bool json;
	const char *name;	/* "sa add", for messages */
	size_t start;		/* out->len when the command began */
};

/* Replaces this command's output with "error: ...\n"; returns 1, the exit status. */
int cmd_error(struct cmd_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct cmd_opt {
	const char *name;	/* "--spi" */
	bool has_value;
	bool repeat;		/* may be given more than once */
	/* Returns 0, or the result of cmd_error(). value is NULL for flags. */
	int (*parse)(struct cmd_ctx *c, void *req, const char *name, char *value);
};

/* Walks argv against a NULL-terminated table; 0 or 1 (error written). */
int cmd_parse_opts(struct cmd_ctx *c, const struct cmd_opt *opts, void *req, int argc,
		   char **argv);

/* Device names: 1..63 printable characters, no quotes or backslashes, not "none". */
bool cmd_device_name_valid(const char *name);
/* Finishes the reply: 0, or an error if output could not be built. */
int cmd_finish(struct cmd_ctx *c);

/* "in" / "out" */
const char *cmd_dir_name(enum xs_sa_dir dir);

/* All SAs / devices in a malloc'd array (*out, free it); count or -errno. */
int cmd_list_sas(struct dataplane *dp, struct dp_sa_info **out);
/* One SA by slot: the backend's get_sa, or a scan of list_sas. */
int cmd_get_sa(struct dataplane *dp, uint32_t slot, struct dp_sa_info *out);
int cmd_list_devices(struct dataplane *dp, struct dp_device_info **out);

int cmd_sa_add(struct cmd_ctx *c, int argc, char **argv);
int cmd_sa_del(struct cmd_ctx *c, int argc, char **argv);
int cmd_sa_list(struct cmd_ctx *c, int argc, char **argv);
int cmd_acl_set(struct cmd_ctx *c, int argc, char **argv);
int cmd_acl_show(struct cmd_ctx *c, int argc, char **argv);
int cmd_stats(struct cmd_ctx *c, int argc, char **argv);
int cmd_status(struct cmd_ctx *c, int argc, char **argv);

#endif /* XDPSEC_CMD_INTERNAL_H */

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Dispatch of control requests to the command files, and what they share:
 * the -j switch (accepted anywhere), error replies, the option parser.
 */
#include "commands.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_internal.h"

const char commands_usage[] =
	"Commands:\n"
	"  sa add --spi SPI --dir in|out --src ADDR[:PORT] --dst ADDR[:PORT]\n"
	"         --local-ts CIDR... --remote-ts CIDR... [--device NAME]\n"
	"         (--aead aes-gcm-128|aes-gcm-256|chacha20-poly1305 --key HEX |\n"
	"          --enc aes-cbc-128|aes-cbc-256 --enc-key HEX\n"
	"          --integ hmac-sha256-128 --integ-key HEX) [--esn]\n"
	"      Install an SA.  Ports on both --src and --dst select UDP\n"
	"      encapsulation; AEAD keys include the 4-byte salt.  An outbound SA\n"
	"      gets a policy for each --remote-ts.\n"
	"  sa del --spi SPI --dir in|out [--dst ADDR]\n"
	"      Remove an SA (and an outbound SA's policies).\n"
	"  sa list\n"
	"      SAs with their selectors and counters.\n"
	"  acl set DEVICE allow PREFIX [proto tcp|udp|icmp|icmpv6|sctp|N] [port N|LO-HI] ...\n"
	"  acl set DEVICE none\n"
	"      Replace (or remove) the allow list of a device.\n"
	"  acl show [DEVICE]\n"
	"      Devices and their allow lists.\n"
	"  stats\n"
	"      Verdict counters per reason, SA and device.\n"
	"  status\n"
	"      Data-plane backend and counts.\n"
	"Every command takes -j for JSON output.\n";

struct command {
	const char *word, *sub;	/* sub NULL: a one-word command */
	int (*run)(struct cmd_ctx *c, int argc, char **argv);
};

static const struct command commands[] = {
	{ "sa", "add", cmd_sa_add },
	{ "sa", "del", cmd_sa_del },
	{ "sa", "list", cmd_sa_list },
	{ "acl", "set", cmd_acl_set },
	{ "acl", "show", cmd_acl_show },
	{ "stats", NULL, cmd_stats },
	{ "status", NULL, cmd_status },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

int cmd_error(struct cmd_ctx *c, const char *fmt, ...)
{
	va_list ap;

	strbuf_truncate(c->out, c->start);
	strbuf_puts(c->out, "error: ");
	va_start(ap, fmt);
	strbuf_vprintf(c->out, fmt, ap);
	va_end(ap);
	strbuf_putc(c->out, '\n');
	return 1;
}

int cmd_finish(struct cmd_ctx *c)
{
	if (strbuf_error(c->out))
		return cmd_error(c, "%s: out of memory", c->name);
	return 0;
}

static const struct cmd_opt *opt_find(const struct cmd_opt *opts, const char *arg)
{
	for (; opts->name; opts++)
		if (!strcmp(opts->name, arg))
			return opts;
	return NULL;
}

int cmd_parse_opts(struct cmd_ctx *c, const struct cmd_opt *opts, void *req, int argc,
		   char **argv)
{
	unsigned long long seen = 0, bit;
	const struct cmd_opt *o;
	char *value;
	int i, ret;

	for (i = 0; i < argc; i++) {
		o = opt_find(opts, argv[i]);
		if (!o)
			return cmd_error(c, "%s '%s' for '%s'", argv[i][0] == '-' ?
					 "unknown option" : "unexpected argument", argv[i], c->name);
		bit = 1ull << (o - opts);
		if ((seen & bit) && !o->repeat)
			return cmd_error(c, "option '%s' given twice", o->name);
		seen |= bit;
		value = NULL;
		if (o->has_value && i + 1 >= argc)
			return cmd_error(c, "option '%s' needs a value", o->name);
		if (o->has_value)
			value = argv[++i];
		ret = o->parse(c, req, o->name, value);
		if (ret)
			return ret;
	}
	return 0;
}

bool cmd_device_name_valid(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len >= DP_NAME_MAX || !strcmp(name, "none"))
		return false;
	for (i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] >= 0x7f || name[i] == '"' || name[i] == '\\')
			return false;
	return true;
}

const char *cmd_dir_name(enum xs_sa_dir dir)
{
	return dir == XS_DIR_OUT ? "out" : "in";
}

int cmd_get_sa(struct dataplane *dp, uint32_t slot, struct dp_sa_info *out)
{
	struct dp_sa_info *sas;
	int n, ret = -ENOENT;

	if (dp->ops->get_sa)
		return dp->ops->get_sa(dp, slot, out);
	n = cmd_list_sas(dp, &sas);	/* backends without a direct lookup */
	for (int i = 0; i < n; i++)
		if (sas[i].slot == slot) {
			*out = sas[i];
			ret = 0;
		}
	if (n >= 0)
		free(sas);
	return n < 0 ? n : ret;
}

int cmd_list_sas(struct dataplane *dp, struct dp_sa_info **out)
{
	int n, again;

	/* Retry if SAs were added between counting and listing. */
	for (;;) {
		n = dp->ops->list_sas(dp, NULL, 0);
		if (n < 0)
			return n;
		*out = calloc((size_t)n + 1, sizeof(**out));
		if (!*out)
			return -ENOMEM;
		again = dp->ops->list_sas(dp, *out, (unsigned int)n);
		if (again <= n)
			return again;
		free(*out);
	}
}

int cmd_list_devices(struct dataplane *dp, struct dp_device_info **out)
{
	int n, again;

	for (;;) {
		n = dp->ops->list_devices(dp, NULL, 0);
		if (n < 0)
			return n;
		*out = calloc((size_t)n + 1, sizeof(**out));
		if (!*out)
			return -ENOMEM;
		again = dp->ops->list_devices(dp, *out, (unsigned int)n);
		if (again <= n)
			return again;
		free(*out);
	}
}

static bool is_json_flag(const char *arg)
{
	return !strcmp(arg, "-j") || !strcmp(arg, "--json");
}

/* Finds the command named by argv[0] (and argv[1]); *used says how many words. */
static const struct command *command_find(struct cmd_ctx *c, int argc, char **argv, int *used,
					  int *status)
{
	bool word_known = false;
	size_t i;

	for (i = 0; i < N_COMMANDS; i++) {
		if (strcmp(commands[i].word, argv[0]))
			continue;
		word_known = true;
		if (!commands[i].sub) {
			*used = 1;
			return &commands[i];
		}
		if (argc > 1 && !strcmp(commands[i].sub, argv[1])) {
			*used = 2;
			return &commands[i];
		}
	}
	if (word_known && argc == 1)
		*status = cmd_error(c, "'%s' needs a subcommand (try 'xdpsecctl --help')", argv[0]);
	else if (word_known)
		*status = cmd_error(c, "unknown command '%s %s'", argv[0], argv[1]);
	else
		*status = cmd_error(c, "unknown command '%s' (try 'xdpsecctl --help')", argv[0]);
	return NULL;
}

static int dispatch(struct cmd_ctx *c, int argc, char **argv)
{
	const struct command *cmd;
	char name[64];
	int used = 0, status = 1;

	if (argc == 0)
		return cmd_error(c, "no command given (try 'xdpsecctl --help')");
	if (!strcmp(argv[0], "help")) {
		strbuf_puts(c->out, commands_usage);
		return cmd_finish(c);
	}
	cmd = command_find(c, argc, argv, &used, &status);
	if (!cmd)
		return status;
	snprintf(name, sizeof(name), "%s%s%s", cmd->word, cmd->sub ? " " : "",
		 cmd->sub ? cmd->sub : "");
	c->name = name;
	status = cmd->run(c, argc - used, argv + used);
	return status ? status : cmd_finish(c);
}

int commands_run(struct dataplane *dp, int argc, char **argv, struct strbuf *out)
{
	struct cmd_ctx c = { .dp = dp, .out = out, .name = "", .start = out->len };
	char **args;
	int i, n = 0, status;

	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args)
		return cmd_error(&c, "out of memory");
	for (i = 0; i < argc; i++) {
		if (is_json_flag(argv[i]))
			c.json = true;
		else
			args[n++] = argv[i];
	}
	status = dispatch(&c, n, args);
	free(args);
	return status;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpsecctl, the operator's CLI.  It parses only its own options (which
 * daemon, JSON or not), forwards the rest of argv to xdpsecd over the
 * control socket and prints the reply: the commands themselves live in the
 * daemon (commands.c), so the CLI never holds state or keys for long.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "commands.h"
#include "ike_daemon.h"
#include "control.h"
#include "log.h"
#include "settings.h"
#include "strbuf.h"

#ifndef XDPSEC_VERSION
#define XDPSEC_VERSION "0.1.0-dev"
#endif

struct cli {
	const char *socket;
	const char *instance;
	bool json;
	char path[SETTINGS_SOCKET_MAX];
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xdpsecctl [-s PATH | -i NAME] [-j] COMMAND [ARGS...]\n"
		"\n"
		"Options:\n"
		"  -s, --socket PATH    the daemon's control socket\n"
		"  -i, --instance NAME  talk to instance NAME (socket %s/NAME.sock,\n"
		"                       default instance \"%s\")\n"
		"  -j, --json           JSON output\n"
		"  -h, --help           this help\n"
		"      --version        print the version\n"
		"\n%s%s%s", SETTINGS_SOCKET_DIR, SETTINGS_DEFAULT_INSTANCE, commands_usage,
		ike_daemon_usage, cli_usage);
}

/* Returns -1 to exit 0 (help, version), 1 on a usage error, 0 to go on. */
static int parse_options(int argc, char **argv, struct cli *cli)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "instance", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	/* '+': stop at the command, whose options belong to the daemon. */
	while ((c = getopt_long(argc, argv, "+s:i:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's': cli->socket = optarg; break;
		case 'i': cli->instance = optarg; break;
		case 'j': cli->json = true; break;
		case 'h': usage(stdout); return -1;
		case 'V': printf("xdpsecctl %s\n", XDPSEC_VERSION); return -1;
		default:
			fprintf(stderr, "Try 'xdpsecctl --help'.\n");
			return 1;
		}
	}
	return 0;
}

static int socket_path(struct cli *cli)
{
	const char *instance = cli->instance ? cli->instance : SETTINGS_DEFAULT_INSTANCE;

	if (cli->socket && cli->instance) {
		fprintf(stderr, "xdpsecctl: give --socket or --instance, not both\n");
		return 1;
	}
	if (cli->socket) {
		snprintf(cli->path, sizeof(cli->path), "%s", cli->socket);
		if (strlen(cli->socket) < sizeof(cli->path))
			return 0;
		fprintf(stderr, "xdpsecctl: socket path too long: %s\n", cli->socket);
		return 1;
	}
	if (!settings_instance_valid(instance) ||
	    settings_socket_path(instance, cli->path, sizeof(cli->path))) {
		fprintf(stderr, "xdpsecctl: invalid instance name '%s'\n", instance);
		return 1;
	}
	return 0;
}

static void report_failure(const char *path, int err)
{
	if (err == -ENOENT || err == -ECONNREFUSED)
		fprintf(stderr, "xdpsecctl: cannot reach xdpsecd at %s: %s (is it running?)\n",
			path, strerror(-err));
	else if (err == -EACCES || err == -EPERM)
		fprintf(stderr, "xdpsecctl: cannot reach xdpsecd at %s: %s\n", path,
			strerror(-err));
	else if (err == -E2BIG)
		fprintf(stderr, "xdpsecctl: request too long (at most %d bytes)\n",
			CTL_MAX_REQUEST);
	else
		fprintf(stderr, "xdpsecctl: request to xdpsecd at %s failed: %s\n", path,
			strerror(-err));
}

/* argv from the command on, plus "-j" if it was given before the command. */
static char **forward_args(int argc, char **argv, bool json, int *n)
{
	char **args = calloc((size_t)argc + 2, sizeof(*args));
	int i;

	if (!args)
		return NULL;
	for (i = 0; i < argc; i++)
		args[i] = argv[i];
	*n = argc;
	if (json)
		args[(*n)++] = "-j";
	return args;
}

int main(int argc, char **argv)
{
	struct strbuf out = STRBUF_INIT;
	struct cli cli = { 0 };
	char **args;
	int ret, n, status = 1;

	log_set_ident("xdpsecctl");
	ret = parse_options(argc, argv, &cli);
	if (ret)
		return ret < 0 ? 0 : 1;
	if (optind == argc) {
		usage(stderr);
		return 1;
	}
	if (socket_path(&cli))
		return 1;
	if (!strcmp(argv[optind], "monitor"))
		return cli_monitor(cli.path, argc - optind, argv + optind);
	if (!strcmp(argv[optind], "export-keys"))
		return cli_export_keys(cli.path, argc - optind, argv + optind);
	args = forward_args(argc - optind, argv + optind, cli.json, &n);
	if (!args)
		return 1;
	ret = ctl_request(cli.path, n, args, &out, &status);
	free(args);
	/* Keys were on the command line: do not leave them in /proc/PID/cmdline. */
	for (n = optind; n < argc; n++)
		OPENSSL_cleanse(argv[n], strlen(argv[n]));
	if (ret) {
		report_failure(cli.path, ret);
		status = 1;
	} else {
		fputs(strbuf_str(&out), status ? stderr : stdout);
	}
	strbuf_free(&out);
	return status < 0 || status > 255 ? 1 : status;
}

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xdpsecctl commands that run in the CLI itself, on top of daemon
 * commands: `monitor` (rates from two `stats -j` samples) and `export-keys
 * --wireshark DIR` (writes the daemon's `export-keys` reply into files).
 * argv starts at the command word; the return value is the exit status.
 */
#ifndef XDPSEC_CLI_H
#define XDPSEC_CLI_H

int cli_monitor(const char *socket_path, int argc, char **argv);
int cli_export_keys(const char *socket_path, int argc, char **argv);

extern const char cli_usage[];

#endif /* XDPSEC_CLI_H */

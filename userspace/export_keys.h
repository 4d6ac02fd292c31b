/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `export-keys`: the daemon's half of `xdpsecctl export-keys --wireshark
 * DIR`.  The reply holds two Wireshark UAT files, each after a line naming
 * it, for the CLI to write (mode 0600) into DIR:
 *
 *   [esp_sa]
 *   "IPv4","192.0.2.1","198.51.100.2","0x00001001","AES-GCM with 16 octet ICV [RFC4106]","0x...","NULL",""
 *   [ikev2_decryption_table]
 *   0123456789abcdef,fedcba9876543210,SK_ei,SK_er,"AES-GCM-128 with 16 octet ICV [RFC5282]",,,"NONE [RFC4306]"
 *
 * Lines starting with '#' are UAT comments (an SA Wireshark cannot decrypt
 * says so there).  These are secrets: only the root-only control socket
 * carries them, strbufs wipe them, nothing logs them.
 */
#ifndef XDPSEC_EXPORT_KEYS_H
#define XDPSEC_EXPORT_KEYS_H

#include "dataplane.h"
#include "strbuf.h"

struct ike_engine;

#define EXPORT_KEYS_ESP_FILE "esp_sa"
#define EXPORT_KEYS_IKE_FILE "ikev2_decryption_table"

/* The command (argv[0] "export-keys"); ike may be NULL.  Exit status. */
int export_keys_run(struct dataplane *dp, const struct ike_engine *ike, int argc, char **argv,
		    struct strbuf *out);

#endif /* XDPSEC_EXPORT_KEYS_H */

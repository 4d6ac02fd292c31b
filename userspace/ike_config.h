/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The IKE daemon's configuration: the 'connections', 'secrets' and
 * 'authorities' sections of a swanctl.conf-syntax file (strongSwan 5.9),
 * read from the tree conf.h builds into struct ike_cfg, and the lookups
 * the exchanges need: the connection for an IKE_SA_INIT (by addresses),
 * the one for an IKE_AUTH (by identities too), the PSK for a pair of
 * identities.
 *
 *	connections {
 *		gw {
 *			local_addrs = 192.0.2.1
 *			proposals = aes128gcm16-prfsha256-x25519
 *			local {
 *				auth = psk
 *				id = gw.example.com
 *			}
 *			remote {
 *				auth = psk
 *				id = *@devices.example.com
 *			}
 *			children {
 *				net {
 *					local_ts = 10.1.0.0/16
 *					esp_proposals = aes128gcm16
 *				}
 *			}
 *		}
 *	}
 *	secrets {
 *		ike-fleet {
 *			id = gw.example.com
 *			secret = 0sc2VjcmV0IQ==
 *		}
 *	}
 *
 * What xdpsec cannot do is said, never silently dropped: an unknown key is
 * a warning with FILE:LINE; a known key we do not implement is a warning
 * ("not supported, ignored") when ignoring it only loses a feature, and an
 * error when ignoring it would let in peers strongSwan would refuse
 * (groups, ca_id, cert_policy, pubkeys, a second authentication round,
 * strict revocation...) or change what goes on the wire (transport mode,
 * AH, sha256_96).  Errors read "FILE:LINE: problem"; nothing half-built is
 * returned.  Secrets live in their own allocations and are wiped on free.
 * The 'xdpsec' section belongs to settings.c and is skipped here.
 */
#ifndef XDPSEC_IKE_CONFIG_H
#define XDPSEC_IKE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "dataplane.h"
#include "ike_proposal.h"
#include "ike_ts.h"

enum {
	IKE_CFG_MAX_ADDRS = 16,		/* per local_addrs / remote_addrs */
	IKE_CFG_MAX_FILES = 16,		/* certs or cacerts per round */
	IKE_CFG_ID_STR_MAX = 256,	/* a formatted identity */
	IKE_CFG_DEFAULT_PORT = 500,
	IKE_CFG_IKE_REKEY_TIME = 4 * 3600,	/* strongSwan's defaults */
	IKE_CFG_CHILD_REKEY_TIME = 3600,
};

/* Identity match quality, as strongSwan ranks them. */
enum ike_cfg_id_match {
	IKE_CFG_ID_MATCH_NONE = 0,
	IKE_CFG_ID_MATCH_ANY = 1,	/* the pattern is %any */
	IKE_CFG_ID_MATCH_WILDCARD_MIN = 2,
	IKE_CFG_ID_MATCH_ONE_WILDCARD = 19,	/* each more '*' one less */
	IKE_CFG_ID_MATCH_PERFECT = 20,
};

/* An identity as on the wire (RFC 7296 3.5): what the codec hands over. */
struct ike_id {
	uint8_t type;		/* enum ike_id_type, or IKE_CFG_ID_ANY */
	size_t len;
	const uint8_t *data;
};

#define IKE_CFG_ID_ANY 0	/* %any: no identity configured / matches all */

/*
 * A configured identity.  Types are found as strongSwan does: "%any";
 * "fqdn:", "email:", "keyid:", "asn1dn:" ... prefixes; "@fqdn", "@@user"
 * and "@#hex"; a '=' makes a DN ("C=CH, O=strongSwan, CN=gw", encoded to
 * DER); a '@' an RFC 822 address; an IPv4 or IPv6 address; else an FQDN.
 * A leading '*' (FQDN, RFC 822) or an RDN value '*' (DN) makes a pattern.
 */
struct ike_cfg_id {
	char *str;		/* as written; "%any" when not configured */
	uint8_t type;
	bool wildcard;
	uint8_t *data;		/* the wire encoding: address bytes, text, DER */
	size_t len;
};

enum ike_cfg_addr_kind {
	IKE_CFG_ADDR_ANY,	/* %any (family 0), %any4, %any6 */
	IKE_CFG_ADDR_HOST,
	IKE_CFG_ADDR_PREFIX,
	IKE_CFG_ADDR_RANGE,
};

struct ike_cfg_addr {
	uint8_t kind;		/* enum ike_cfg_addr_kind */
	uint8_t family;		/* XS_AF_INET / XS_AF_INET6; 0 for plain %any */
	uint8_t prefixlen;	/* IKE_CFG_ADDR_PREFIX */
	uint8_t lo[16];		/* every kind but ANY: the inclusive range */
	uint8_t hi[16];
};

struct ike_cfg_file {
	char *name;		/* as written */
	char *path;		/* absolute: relative names go under the swanctl directory */
};

enum ike_cfg_auth_method {
	IKE_CFG_AUTH_PUBKEY,	/* pubkey, rsa, ecdsa and their constraint forms */
	IKE_CFG_AUTH_PSK,
};

/* One authentication round: the connection's local or remote section. */
struct ike_cfg_auth {
	enum ike_cfg_auth_method method;
	char *auth;		/* as written ("pubkey" when not set) */
	struct ike_cfg_id id;
	struct ike_cfg_file *certs;	/* local: ours to send; remote: the ones accepted */
	unsigned int n_certs;
	struct ike_cfg_file *cacerts;	/* remote only: CAs the peer must chain to */
	unsigned int n_cacerts;
	unsigned int line;	/* of the section; 0 when not configured */
};

enum ike_cfg_action {		/* start_action is a mask of TRAP and START */
	IKE_CFG_ACTION_NONE = 0,	/* none / clear */
	IKE_CFG_ACTION_TRAP = 1 << 0,	/* trap / route */
	IKE_CFG_ACTION_START = 1 << 1,	/* start / restart */
};

struct ike_cfg_child {
	char *name;
	unsigned int line;
	struct ike_ts_cfg local_ts[IKE_TS_MAX];		/* default: dynamic */
	unsigned int n_local_ts;
	struct ike_ts_cfg remote_ts[IKE_TS_MAX];
	unsigned int n_remote_ts;
	struct ike_prop_list esp_proposals;		/* default: "default" */
	unsigned int start_action;	/* enum ike_cfg_action mask */
	unsigned int dpd_action;
	unsigned int close_action;
	/* Lifetimes with strongSwan's defaults filled in: life = rekey + 10 %,
	 * rand = life - rekey; 0 disables. */
	uint64_t rekey_time, life_time, rand_time;	/* seconds */
	uint64_t rekey_bytes, life_bytes, rand_bytes;
	uint64_t rekey_packets, life_packets, rand_packets;
};

enum ike_cfg_unique { IKE_CFG_UNIQUE_NO, IKE_CFG_UNIQUE_NEVER, IKE_CFG_UNIQUE_KEEP,
		      IKE_CFG_UNIQUE_REPLACE };
enum ike_cfg_frag { IKE_CFG_FRAG_YES, IKE_CFG_FRAG_ACCEPT, IKE_CFG_FRAG_FORCE, IKE_CFG_FRAG_NO };
enum ike_cfg_send_cert { IKE_CFG_SEND_CERT_IFASKED, IKE_CFG_SEND_CERT_ALWAYS,
			 IKE_CFG_SEND_CERT_NEVER };
enum ike_cfg_childless { IKE_CFG_CHILDLESS_ALLOW, IKE_CFG_CHILDLESS_FORCE,
			 IKE_CFG_CHILDLESS_NEVER };

struct ike_cfg_conn {
	char *name;
	unsigned int line;
	unsigned int version;		/* 0 (both; IKEv2 for us) or 2 */
	struct ike_cfg_addr local_addrs[IKE_CFG_MAX_ADDRS];	/* default: %any */
	unsigned int n_local_addrs;
	struct ike_cfg_addr remote_addrs[IKE_CFG_MAX_ADDRS];
	unsigned int n_remote_addrs;
	uint16_t local_port, remote_port;	/* default 500 */
	struct ike_prop_list proposals;		/* default: "default" */
	bool encap, mobike, send_certreq;
	enum ike_cfg_send_cert send_cert;
	enum ike_cfg_frag fragmentation;
	enum ike_cfg_unique unique;
	enum ike_cfg_childless childless;
	unsigned int keyingtries;	/* 0 = forever */
	/* Seconds, strongSwan's defaults filled in: rekey 4h (0 if only
	 * reauth_time is set), over = 10 % of the longer, rand = over. */
	uint64_t reauth_time, rekey_time, over_time, rand_time;
	uint64_t dpd_delay, dpd_timeout;
	struct ike_cfg_auth local, remote;
	struct ike_cfg_child *children;
	unsigned int n_children;
	bool follow_redirect;		/* xdpsec: send REDIRECT_SUPPORTED, follow REDIRECT */
};

/* secrets.ike<suffix>: a pre-shared key and the identities it belongs to. */
struct ike_cfg_secret {
	char *name;
	unsigned int line;
	struct ike_cfg_id *ids;		/* none: any identity */
	unsigned int n_ids;
	uint8_t *key;			/* decoded (0x hex, 0s base64); wiped on free */
	size_t len;
};

enum ike_cfg_key_kind { IKE_CFG_KEY_PRIVATE, IKE_CFG_KEY_RSA, IKE_CFG_KEY_ECDSA,
			IKE_CFG_KEY_PKCS8 };

/* secrets.private|rsa|ecdsa|pkcs8<suffix>: a private key file. */
struct ike_cfg_key {
	char *name;
	unsigned int line;
	enum ike_cfg_key_kind kind;
	struct ike_cfg_file file;	/* relative names go under private/, rsa/, ... */
	uint8_t *passphrase;		/* NULL if none; wiped on free */
	size_t passphrase_len;
};

/* authorities.<name>: a CA certificate. */
struct ike_cfg_authority {
	char *name;
	unsigned int line;
	struct ike_cfg_file cacert;	/* relative names go under x509ca/ */
};

/*
 * redirects.<name> (xdpsec's section, RFC 5685; ike_redirect_cfg.c): peers
 * that announced REDIRECT_SUPPORTED and match are sent to gateway, at
 * IKE_SA_INIT by address when the rule has no remote_id, else at IKE_AUTH
 * once authenticated (remote_addrs, if set, must match too).
 */
struct ike_cfg_redirect {
	char *name;
	unsigned int line;
	char *gateway;			/* an address or an FQDN */
	struct xs_selector remote_addrs[IKE_CFG_MAX_ADDRS];
	unsigned int n_remote_addrs;	/* 0: any address */
	struct ike_cfg_id remote_id;	/* type IKE_CFG_ID_ANY: not set */
};

struct ike_cfg {
	char *file;		/* the file the lines refer to */
	char *dir;		/* the swanctl directory certs and keys are relative to */
	struct ike_cfg_conn *conns;
	unsigned int n_conns;
	struct ike_cfg_secret *secrets;
	unsigned int n_secrets;
	struct ike_cfg_key *keys;
	unsigned int n_keys;
	struct ike_cfg_authority *authorities;
	unsigned int n_authorities;
	struct ike_cfg_redirect *redirects;
	unsigned int n_redirects;
	unsigned int warnings;	/* how many were logged while loading */
};

struct ike_cfg_opts {
	/* Base of x509/, x509ca/, private/, rsa/, ecdsa/, pkcs8/ (swanctl's
	 * layout).  NULL: the directory of the configuration file. */
	const char *swanctl_dir;
};

/*
 * Reads path (see conf.h for the syntax).  Warns if the file holds secrets
 * and every user may read it.  0, or -errno with "FILE:LINE: problem" in
 * err and *out untouched.  opts may be NULL.
 */
int ike_cfg_load(const char *path, const struct ike_cfg_opts *opts, struct ike_cfg **out,
		 char *err, size_t errlen);
/* The same from an already parsed tree (the daemon parses the file once). */
int ike_cfg_from_conf(const struct conf_section *root, const struct ike_cfg_opts *opts,
		      struct ike_cfg **out, char *err, size_t errlen);
void ike_cfg_free(struct ike_cfg *cfg);

/*
 * A file holding keys must be a regular file owned by root or by us, with
 * no group or other permission bits (0600, 0400).  0, or -EPERM, -EINVAL
 * (not a regular file) or -errno from stat, with the reason in err.  Call
 * it before reading any key file (the loader calls it for the key files
 * 'secrets' names; the reader should check the opened file again).
 */
int ike_cfg_check_key_file_mode(const char *path, char *err, size_t errlen);

/*
 * The connection for an IKE_SA_INIT: local and remote must each match one
 * of the connection's addresses.  Best match wins, scored as strongSwan
 * does: per side an address 129, a prefix its length + 1 (a range: the
 * prefix covering it), %any 1; the remote side counts double.  Ties go to
 * the first in the file.  NULL if none.
 */
const struct ike_cfg_conn *ike_cfg_find_conn(const struct ike_cfg *cfg,
					     const struct dp_addr *local,
					     const struct dp_addr *remote);
/* 0 if a matches none of list[0..n), else the quality of the best match. */
unsigned int ike_cfg_addr_match(const struct ike_cfg_addr *list, unsigned int n,
				const struct dp_addr *a);

/*
 * The connection for an IKE_AUTH: addresses as above, then the peer's
 * identity against remote.id, and the identity the peer asked us to be
 * (IDr, may be NULL) against local.id.  Identity quality ranks first,
 * then addresses.  NULL if none.
 */
const struct ike_cfg_conn *ike_cfg_find_conn_by_id(const struct ike_cfg *cfg,
						   const struct dp_addr *local,
						   const struct dp_addr *remote,
						   const struct ike_id *peer_id,
						   const struct ike_id *our_id);

/*
 * The PSK for local and remote identities (either may be NULL: unknown),
 * as strongSwan picks it: a secret qualifies if one of its ids matches one
 * of the identities (a secret without ids matches any, at the lowest
 * quality); the highest sum of both sides' match quality wins, ties go to
 * the first.  NULL if none.
 */
const struct ike_cfg_secret *ike_cfg_find_psk(const struct ike_cfg *cfg,
					      const struct ike_id *local,
					      const struct ike_id *remote);

/* Parses an identity; 0 or -EINVAL / -ENOMEM with the reason in err. */
int ike_cfg_id_parse(const char *s, struct ike_cfg_id *out, char *err, size_t errlen);
void ike_cfg_id_free(struct ike_cfg_id *id);
/* The wire view of a configured identity (data borrowed from id). */
struct ike_id ike_cfg_id_wire(const struct ike_cfg_id *id);
/* How well id matches pattern: enum ike_cfg_id_match. */
unsigned int ike_cfg_id_match(const struct ike_cfg_id *pattern, const struct ike_id *id);
/* For logs: "192.0.2.1", "gw.example.com", "C=CH, O=strongSwan, CN=gw", "%any". */
const char *ike_id_format(const struct ike_id *id, char *buf, size_t len);

/* ike_redirect_cfg.c: the 'redirects' section; 0 or -errno with "FILE:LINE: problem". */
int ike_cfg_read_redirects(struct ike_cfg *cfg, const struct conf_section *sec, char *err,
			   size_t errlen);
void ike_cfg_free_redirects(struct ike_cfg *cfg);

/* "90", "90s", "30m", "4h", "1d" to seconds; 0 or -EINVAL. */
int ike_cfg_parse_time(const char *s, uint64_t *out);
/* "1000", "500k", "10M", "1g" (1024-based) to a count; 0 or -EINVAL. */
int ike_cfg_parse_volume(const char *s, uint64_t *out);

#endif /* XDPSEC_IKE_CONFIG_H */

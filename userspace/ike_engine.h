/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The IKEv2 engine: every IKE SA and its exchanges (RFC 7296), driven by
 * datagrams and a clock, installing Child SAs through the data-plane
 * interface.  It owns no socket and reads no clock: the daemon (ike_daemon.c)
 * feeds it received messages and the time, and gives it a send callback, so
 * two engines can talk to each other inside one test process.
 *
 *   daemon --ike_engine_input(msg, now)--> engine --ops->send(msg)--> daemon
 *   daemon --ike_engine_tick(now)--------> engine (retransmits, timeouts)
 *                                          engine --ops->send_keepalive()--> daemon
 *   engine --dp->ops->add_sa / add_policy / del_sa--> data plane
 */
#ifndef XDPSEC_IKE_ENGINE_H
#define XDPSEC_IKE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane.h"
#include "ike_config.h"
#include "strbuf.h"

/* An address and UDP port (host order) as seen on the wire. */
struct ike_endpoint {
	uint8_t family;		/* XS_AF_INET / XS_AF_INET6 */
	uint8_t addr[16];
	uint16_t port;
};

struct ike_engine_ops {
	/*
	 * Sends one IKE message (without the non-ESP marker: the transport adds
	 * it when either port is not 500) from local to remote.  0 or -errno.
	 */
	int (*send)(void *ctx, const struct ike_endpoint *local, const struct ike_endpoint *remote,
		    const uint8_t *msg, size_t len);
	/* The local addresses we may use (for %any and NAT detection); may be NULL. */
	int (*local_addrs)(void *ctx, struct ike_endpoint *out, unsigned int max);
	/*
	 * Sends one NAT-T keepalive (RFC 3948 2.3): a UDP datagram holding the
	 * single byte 0xFF and nothing else (no non-ESP marker), from local to
	 * remote, the NAT-T ports of an IKE SA we are behind a NAT for.  May
	 * be NULL: no keepalives are sent.  0 or -errno (the engine carries on).
	 */
	int (*send_keepalive)(void *ctx, const struct ike_endpoint *local,
			      const struct ike_endpoint *remote);
	/*
	 * MOBIKE (ike_mobike.c): into *src (port ignored) the address the
	 * host would send from to reach remote now.  May be NULL: the SAs we
	 * initiated never move.  0, or -errno when there is no route.
	 */
	int (*source_for)(void *ctx, const struct ike_endpoint *remote, struct ike_endpoint *src);
};

struct ike_engine;

/*
 * Tunables, defaults from ike_engine_params_default() (strongSwan's where it
 * has one).  Requests are sent retransmit_tries times at most, the n-th
 * retransmission retransmit_base_ms << (n - 1) after the one before; the
 * SA is deleted when the last one is not answered within its timeout.
 */
struct ike_engine_params {
	uint16_t port, natt_port;	/* ours: 500 and 4500 */
	uint32_t retransmit_base_ms;	/* 1000 */
	uint32_t retransmit_tries;	/* 5 */
	uint32_t half_open_timeout_ms;	/* 30000: a responder's wait for IKE_AUTH */
	/* RFC 7296 2.6: COOKIEs are demanded from this many half-open SAs on, in
	 * total or from one address; 0 always, UINT32_MAX never. */
	uint32_t cookie_threshold;	/* 30 */
	uint32_t cookie_threshold_ip;	/* 3 */
	/* Past these, IKE_SA_INIT requests are dropped, cookie or not. */
	uint32_t half_open_max;		/* 10000 */
	uint32_t half_open_max_ip;	/* 5 */
	uint32_t cookie_secret_ms;	/* 60000: lifetime of a cookie secret */
	/* RFC 3948 4: behind a NAT, a keepalive after this long without sending
	 * the peer anything; 0: never. */
	uint32_t keepalive_ms;		/* 20000 (strongSwan's keep_alive) */
	/* After a Child SA rekey we initiated, the old SA pair is deleted this
	 * much later, so that ESP still in flight on it is decrypted. */
	uint32_t rekey_delete_delay_ms;	/* 1000 */
	/* How often byte/packet lifetimes and DPD read the data-plane counters. */
	uint32_t dp_poll_ms;		/* 1000 */
	/* RFC 7383: the largest IP datagram an IKE fragment may fill; 0: 576
	 * for IPv4, 1280 for IPv6 (RFC 7383 2.5.1); else >= IKE_FRAGMENT_SIZE_MIN. */
	uint32_t fragment_size;		/* 0 */
	/* The MTU of the link IKE leaves by (the daemon's uplink), 0: unknown.
	 * With fragment_size 0 a smaller one caps the datagram too (not below
	 * IKE_FRAGMENT_SIZE_MIN). */
	uint32_t link_mtu;		/* 0 */
};

enum { IKE_FRAGMENT_SIZE_MIN = 400, IKE_FRAGMENT_SIZE_MAX = 65535 };

void ike_engine_params_default(struct ike_engine_params *p);

/* cfg must outlive the engine (or be replaced with ike_engine_reload). */
struct ike_engine *ike_engine_new(const struct ike_cfg *cfg, struct dataplane *dp,
				  const struct ike_engine_ops *ops, void *ctx);
/* Replaces the tunables (any time); -EINVAL if a value is unusable. */
int ike_engine_set_params(struct ike_engine *e, const struct ike_engine_params *p);
/* Deletes every SA (sending Delete notifications) and frees. */
void ike_engine_free(struct ike_engine *e);

/* A datagram for us (non-ESP marker already stripped). */
void ike_engine_input(struct ike_engine *e, const struct ike_endpoint *local,
		      const struct ike_endpoint *remote, const uint8_t *msg, size_t len,
		      uint64_t now_ms);
/* Runs timers due at now_ms (retransmits, half-open expiry, start actions, keepalives). */
void ike_engine_tick(struct ike_engine *e, uint64_t now_ms);
/* When ike_engine_tick next has work, in ms on the same clock; UINT64_MAX if never. */
uint64_t ike_engine_next_timer(const struct ike_engine *e);

/*
 * Operator commands (xdpsecctl), output as text or JSON into out.
 * initiate: the CHILD_SA config named child (on an IKE SA of its
 * connection, set up first if needed; 0 if already up).  terminate: every
 * IKE SA of the connection named conn, or, if no connection has that
 * name, every Child SA of that name (INFORMATIONAL { D(ESP) }).
 */
int ike_engine_initiate(struct ike_engine *e, const char *child, uint64_t now_ms, char *err,
			size_t errlen);
int ike_engine_terminate(struct ike_engine *e, const char *conn, uint64_t now_ms, char *err,
			 size_t errlen);
/*
 * ike_mobike.c: the host's addresses or routes changed.  Each IKE SA we
 * initiated with MOBIKE whose source address to the peer is now another
 * one moves there (INFORMATIONAL { N(UPDATE_SA_ADDRESSES) }, RFC 4555).
 */
void ike_engine_addresses_changed(struct ike_engine *e, uint64_t now_ms);
/*
 * ike_rekey_cmd.c: rekeys now every installed Child SA named name (ike
 * false) or every established IKE SA of connection name (ike true).  How
 * many were queued, or -ENOENT (err says why).
 */
int ike_engine_rekey(struct ike_engine *e, const char *name, bool ike, uint64_t now_ms,
		     char *err, size_t errlen);
/*
 * ike_redirect.c: sends every established IKE SA whose peer announced
 * REDIRECT_SUPPORTED, of connection ike or with a peer identity matching
 * peer (either may be NULL, not both), to gateway gw (an address or FQDN):
 * INFORMATIONAL { N(REDIRECT) } (RFC 5685 5).  How many, or -errno.
 */
int ike_engine_redirect(struct ike_engine *e, const char *ike, const char *peer, const char *gw,
			uint64_t now_ms, char *err, size_t errlen);
int ike_engine_list_sas(const struct ike_engine *e, bool json, uint64_t now_ms,
			struct strbuf *out);
int ike_engine_list_conns(const struct ike_engine *e, bool json, struct strbuf *out);
/* Swaps in a new configuration; SAs whose connection still exists stay. */
int ike_engine_reload(struct ike_engine *e, const struct ike_cfg *cfg, uint64_t now_ms);

/* Counters for status and metrics. */
struct ike_engine_stats {
	uint64_t ike_sas_established, ike_sas_half_open;
	uint64_t handshakes_ok, handshakes_failed, auth_failures;
	uint64_t child_sas_installed, child_sas_deleted;
	uint64_t messages_in, messages_out, retransmits, invalid_messages;
	/* Lifecycle (ike_lifetime.c, ike_x_rekey.c): rekeys completed, those
	 * that collided with the peer's (RFC 7296 2.8.1), Child SAs deleted at
	 * their hard lifetime, peers found dead. */
	uint64_t child_sas_rekeyed, ike_sas_rekeyed, rekey_collisions;
	uint64_t child_sas_expired, dpd_timeouts;
	/* Events (events.h) without a counter above: established IKE SAs
	 * deleted (ike_x_info.c), peers that moved (ike_natd.c). */
	uint64_t ike_sas_deleted, address_changes;
	/* IKE SAs ended by unanswered retransmissions or half-open expiry (ike_timeout.c). */
	uint64_t ike_sas_timed_out;
	/* Redirects sent (gateway) or followed (device), RFC 5685 (ike_redirect.c);
	 * IKE SAs replaced by a reauthentication (ike_reauth.c). */
	uint64_t redirects, ike_sas_reauthenticated;
};
void ike_engine_get_stats(const struct ike_engine *e, struct ike_engine_stats *out);

/*
 * ike_export.c.  For metrics: each configured connection, in configuration
 * order, with its established IKE SAs and installed Child SAs (a connection
 * with none is configured but down).  Fills up to max; returns n_conns.
 */
struct ike_conn_state {
	const char *name;		/* the configuration's: valid until reload */
	unsigned int ike_sas_established;
	unsigned int child_sas_installed;
};
unsigned int ike_engine_conn_states(const struct ike_engine *e, struct ike_conn_state *out,
				    unsigned int max);

/*
 * For `xdpsecctl export-keys` only (Wireshark's IKEv2 decryption table):
 * calls fn once per IKE SA that has keys, with SK_ei/er/ai/ar and the
 * transforms.  k points into the SA, valid only during fn; never log it.
 * Returns how many SAs were passed to fn.
 */
struct ike_sa_key_export {
	uint8_t spi_i[8], spi_r[8];
	uint16_t encr, key_bits, integ;	/* IANA IKEv2 transform IDs */
	const uint8_t *sk_ei, *sk_er, *sk_ai, *sk_ar;
	size_t enc_key_len, integ_key_len;	/* AEAD: salt included, integ 0 */
};
typedef void (*ike_key_export_fn)(void *arg, const struct ike_sa_key_export *k);
unsigned int ike_engine_export_keys(const struct ike_engine *e, ike_key_export_fn fn, void *arg);

#endif /* XDPSEC_IKE_ENGINE_H */

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The IKE engine's state, private to ike_engine.c, ike_sa.c, ike_msg_io.c,
 * ike_x_*.c, ike_child.c and friends: the engine, its IKE SAs, their Child
 * SA records and the tables that find an SA for a datagram.
 *
 * Lifecycle of an IKE SA (RFC 7296 1.2, 2.2):
 *
 *   initiator:  CONNECTING --IKE_SA_INIT resp--> AUTHENTICATING --IKE_AUTH resp--> ESTABLISHED
 *   responder:  (IKE_SA_INIT req) HALF_OPEN --IKE_AUTH req--> ESTABLISHED
 *   both:       ESTABLISHED --Delete sent--> DELETING --resp or give up--> DEAD
 *               any state --failure, Delete received, timeout--> DEAD
 *
 * DEAD SAs are unlinked from the lookup tables at once but freed only when
 * the current event (input, tick, command) returns (ike_sa_reap), so a
 * handler may kill the SA it is working on and return normally.
 *
 * Every key an SA holds (SK_*, the SK contexts, the DH private value, the
 * nonces) is wiped when it dies; a Child SA's KEYMAT never outlives its
 * installation (ike_child.c).
 */
#ifndef XDPSEC_IKE_SA_H
#define XDPSEC_IKE_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane.h"
#include "ike_config.h"
#include "ike_dh.h"
#include "ike_engine.h"
#include "ike_msg.h"
#include "ike_prf.h"
#include "ike_proposal.h"
#include "ike_sk.h"
#include "ike_ts.h"

enum {
	IKE_NONCE_LEN = 32,		/* what we send */
	IKE_SA_MAX_TASKS = 8,		/* queued requests per IKE SA */
	IKE_SA_NAME_MAX = 64,
	IKE_ALG_STR_MAX = 128,
	IKE_HASH_LEN = 32,		/* SHA-256 of a request, for the response cache */
	IKE_COOKIE_SECRET_LEN = 32,
	IKE_MAX_COOKIE_ROUNDS = 3,	/* COOKIE answers an initiator follows */
	IKE_MAX_KE_RETRIES = 2,		/* INVALID_KE_PAYLOAD answers it follows */
	IKE_SPI_MIN = 256,		/* ESP SPIs 1..255 are reserved (RFC 4303 2.1) */
	IKE_REDIRECT_MAX = 5,		/* redirects followed per IKE_REDIRECT_WINDOW_MS */
	IKE_REDIRECT_WINDOW_MS = 300000,	/* (strongSwan's loop protection) */
	IKE_REDIRECT_GW_MAX = 256,	/* a gateway's address or FQDN as text */
	IKE_COOKIE2_LEN = 16,		/* what we send (RFC 4555 3.8: 8 to 64) */
};

enum ike_sa_state {
	IKE_SA_CONNECTING,
	IKE_SA_AUTHENTICATING,
	IKE_SA_HALF_OPEN,
	IKE_SA_ESTABLISHED,
	IKE_SA_DELETING,
	IKE_SA_DEAD,
};

enum ike_child_state {
	IKE_CHILD_NEGOTIATING,	/* SPI chosen, exchange in flight */
	IKE_CHILD_INSTALLED,
	IKE_CHILD_DELETING,	/* our Delete sent */
	IKE_CHILD_REKEYED,	/* a newer child replaced it; inbound still accepted */
};

/* What a request we sent was for: how to read its response. */
enum ike_req_kind {
	IKE_REQ_NONE,
	IKE_REQ_INIT,
	IKE_REQ_AUTH,
	IKE_REQ_CHILD,		/* CREATE_CHILD_SA for req.child */
	IKE_REQ_DELETE_IKE,
	IKE_REQ_DELETE_CHILD,	/* INFORMATIONAL { D(ESP) } for req.child */
	IKE_REQ_DPD,		/* empty INFORMATIONAL */
	IKE_REQ_REKEY_IKE,	/* CREATE_CHILD_SA { SA(IKE) } for sa->rekey_new */
	IKE_REQ_REDIRECT,	/* INFORMATIONAL { N(REDIRECT) } (ike_redirect.c) */
	IKE_REQ_MOBIKE,		/* INFORMATIONAL { N(UPDATE_SA_ADDRESSES) } (ike_mobike.c) */
};

enum ike_task_kind {
	IKE_TASK_CHILD,		/* negotiate task.child with CREATE_CHILD_SA */
	IKE_TASK_DELETE,	/* delete the IKE SA */
	IKE_TASK_DELETE_CHILD,	/* delete task.c */
	IKE_TASK_DPD,
	IKE_TASK_REKEY_CHILD,	/* rekey task.c (CREATE_CHILD_SA with REKEY_SA) */
	IKE_TASK_REKEY_IKE,
	IKE_TASK_REDIRECT,	/* send the peer to sa->redirect_to (ike_redirect.c) */
	IKE_TASK_MOBIKE,	/* tell the peer our new address (ike_mobike.c) */
};

struct ike_child;
struct ike_frag_rx;

struct ike_task {
	enum ike_task_kind kind;
	const struct ike_cfg_child *child;
	struct ike_child *c;
};

struct ike_child {
	struct ike_child *next;
	char name[IKE_SA_NAME_MAX];
	unsigned int uid;
	enum ike_child_state state;
	const struct ike_cfg_child *cfg;	/* NULL once a reload dropped it */
	uint32_t spi_in, spi_out;		/* host order */
	int slot_in, slot_out;			/* data-plane slots, -1: none */
	struct xs_selector policy[XS_MAX_TS];	/* outbound routes into slot_out */
	bool policy_owned[XS_MAX_TS];		/* false: a newer child took it over */
	unsigned int n_policy;
	struct ike_ts local_ts[IKE_TS_MAX], remote_ts[IKE_TS_MAX];
	unsigned int n_local_ts, n_remote_ts;
	char alg[IKE_ALG_STR_MAX];		/* "AES_GCM_16_128" */
	bool encap;				/* ESP in UDP */
	bool was_installed;			/* counted and logged when it goes */
	uint64_t installed_ms;
	/* While we negotiate it with CREATE_CHILD_SA: */
	uint8_t nonce[IKE_NONCE_LEN];
	struct ike_dh *dh;			/* PFS */
	/* Lifetimes (ike_lifetime.c), engine clock; 0: none. */
	uint64_t rekey_ms, expire_ms;
	uint64_t rekey_bytes, rekey_packets;	/* soft limits less rand_bytes/packets jitter */
	uint64_t pkts_in, pkts_out, bytes_in, bytes_out;	/* data plane, as last polled */
	uint64_t last_rx_ms;			/* when pkts_in last moved */
	uint64_t esp_seen_changes;		/* the data plane's new ESP sources, as acted on */
	/* Rekeying (ike_x_rekey.c, RFC 7296 1.3.3, 2.8) */
	unsigned int replaces;			/* uid of the child this one rekeys; 0: none */
	unsigned int rekey_by;			/* uid of our child negotiating its successor */
	bool rekey_ours;			/* we initiated the exchange that made it */
	bool out_pending;			/* outbound SA in, policies still on the old one */
	uint64_t delete_ms;			/* REKEYED: when we delete it; 0: the peer does */
	uint8_t peer_nonce[IKE_NONCE_MAX];	/* the exchange's other nonce (collisions) */
	size_t peer_nonce_len;
	unsigned int rekey_retries;		/* TEMPORARY_FAILURE answers so far */
	bool hard_volume_hit;			/* rekeying after its hard volume limit */
};

/* Our outstanding request (window size 1), kept for retransmission. */
struct ike_req {
	enum ike_req_kind kind;
	struct ike_child *child;
	uint8_t *buf;
	size_t len;
	uint32_t msg_id;
	uint8_t exchange;
	unsigned int sent;		/* transmissions so far */
	uint64_t next_ms;		/* when to retransmit or give up */
	uint64_t first_ms;		/* first sent (dpd_timeout) */
};

/* Our last response, resent when its request comes again (RFC 7296 2.1). */
struct ike_resp {
	uint8_t *buf;
	size_t len;
	uint32_t msg_id;
	uint8_t req_hash[IKE_HASH_LEN];
};

struct ike_engine;

struct ike_sa {
	struct ike_sa *next, *prev;		/* engine list */
	struct ike_sa *hnext_spi;		/* our SPI */
	struct ike_sa *hnext_init;		/* responder: peer SPIi + address */
	struct ike_sa *ho_next, *ho_prev;	/* responder: half-open list */
	bool in_spi_tab, in_init_tab, in_ho_list;
	struct ike_engine *e;
	unsigned int uid;
	enum ike_sa_state state;
	bool initiator;				/* we sent this SA's IKE_SA_INIT or its IKE rekey */
	bool first_initiator;			/* we began the first IKE SA (kept by IKE rekeys) */
	const struct ike_cfg_conn *conn;
	uint8_t spi_i[IKE_SPI_LEN], spi_r[IKE_SPI_LEN];
	struct ike_endpoint local, remote;
	struct ike_endpoint init_remote;	/* where IKE_SA_INIT came from: the init table key */
	bool nat_local, nat_remote;		/* who is behind a NAT */
	bool natt;				/* on the NAT-T port, ESP in UDP */
	uint64_t created_ms, established_ms, last_in_ms, expire_ms;
	uint64_t last_out_ms;			/* our last message or keepalive to the peer */

	/* IKE_SA_INIT */
	struct ike_proposal prop;		/* chosen IKE proposal */
	struct ike_suite suite;
	uint16_t dh_group;
	struct ike_dh *dh;
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t ni_len, nr_len;
	uint8_t *init_ours, *init_peer;		/* the IKE_SA_INIT messages AUTH signs */
	size_t init_ours_len, init_peer_len;
	uint8_t cookie[IKE_COOKIE_MAX];
	size_t cookie_len;
	unsigned int cookie_rounds, ke_retries;
	char prop_str[IKE_ALG_STR_MAX];
	uint16_t peer_hash_algs[16];		/* its SIGNATURE_HASH_ALGORITHMS */
	unsigned int n_peer_hash_algs;
	bool peer_certreq;			/* it sent CERTREQ */
	/* RFC 7383 (ike_frag.c): who announced fragmentation, do we fragment */
	bool frag_ours, frag_peer, frag_send;
	struct ike_frag_rx *frag_rx;		/* fragments being reassembled */

	/* keys */
	struct ike_keys keys;
	bool have_keys;
	struct ike_sk sk_in, sk_out;

	/* identities, as on the wire and for logs */
	uint8_t peer_id_type, our_id_type;
	uint8_t *peer_id, *our_id;
	size_t peer_id_len, our_id_len;
	char peer_id_str[IKE_CFG_ID_STR_MAX], our_id_str[IKE_CFG_ID_STR_MAX];

	/* messages */
	uint32_t next_req_id;			/* of our next request */
	uint32_t peer_req_id;			/* the peer's request we expect next */
	struct ike_req req;
	struct ike_resp resp;
	struct ike_task tasks[IKE_SA_MAX_TASKS];
	unsigned int n_tasks;

	struct ike_child *children;
	const struct ike_cfg_child *auth_child_cfg;	/* initiator: the child of IKE_AUTH */
	struct ike_child *auth_child;

	/* Lifetime and rekeying (ike_lifetime.c, ike_x_rekey.c; RFC 7296 1.3.2, 2.18) */
	uint64_t rekey_ms, hard_ms;		/* soft (rekey) and hard (+ over_time); 0: none */
	uint64_t last_rx_ms;			/* ESP last seen on one of its children */
	struct ike_sa *rekey_new;		/* the SA our IKE rekey is making */
	struct ike_sa *rekey_old;		/* on that new SA: the one it replaces */
	uint8_t rekey_nonce[IKE_NONCE_LEN];	/* our nonce in it */
	bool rekeyed;				/* replaced by a newer IKE SA, waits for its Delete */
	uint64_t rekeyed_ms;
	uint32_t rekeyed_wait_ms;		/* how long it waits for that Delete; 0: 30 s */
	unsigned int rekey_retries;
	bool dpd_probe;				/* the outstanding request is a DPD probe */
	/* Redirect (ike_redirect.c, RFC 5685) and reauthentication (ike_reauth.c) */
	bool peer_redirect_ok;			/* responder: it sent REDIRECT_SUPPORTED */
	struct ike_endpoint redirected_from;	/* initiator: the gateway that sent us here */
	uint64_t redirect_ms[IKE_REDIRECT_MAX];	/* initiator: redirects followed, when */
	unsigned int n_redirects;
	char redirect_to[IKE_REDIRECT_GW_MAX];	/* responder: where our INFORMATIONAL sends it */
	uint64_t reauth_ms;			/* initiator: when to reauthenticate; 0: never */
	unsigned int reauth_of;			/* uid of the IKE SA this one replaces */
	unsigned int reauth_by;			/* uid of the IKE SA replacing this one */
	bool reauth_redirect;			/* ... because the peer redirected us */
	unsigned int reauth_peer_of;		/* responder: uid of the SA the peer reauthenticates */
	/* MOBIKE (ike_mobike.c, RFC 4555) */
	bool mobike;				/* both sides sent MOBIKE_SUPPORTED */
	bool mobike_mover;			/* we set up the first IKE SA: we move it */
	struct ike_endpoint mobike_sent;	/* the local endpoint our update describes */
	struct ike_endpoint mobike_from;	/* where we were before the move under way */
	bool mobike_moving;			/* a move not yet confirmed by the peer */
	uint8_t mobike_mapping[IKE_NATD_HASH_LEN];	/* behind a NAT: how the peer saw us last */
	bool mobike_mapped;			/* mobike_mapping holds one */
	uint8_t mobike_cookie2[IKE_COOKIE2_LEN];	/* in our update, echoed back */
	/* ESP from a new NAT mapping (ike_esp_follow.c) */
	struct ike_endpoint esp_probe_to;	/* where our last liveness check for it went */
	uint32_t esp_probe_msg_id;		/* that request's Message ID */
	uint64_t esp_probe_next_ms;		/* its next send there; 0: no longer probing */
	unsigned int esp_probe_sent;		/* sends there so far */
	uint64_t esp_recheck_ms;		/* unanswered: when to check there again; 0: not */
	unsigned int esp_rechecks;		/* checks repeated for that source so far */
	unsigned int esp_recheck_uid;		/* the Child SA whose ESP comes from there */
	uint64_t esp_recheck_pkts;		/* its inbound packets when the last check ended */
};

struct ike_cookie_state {
	uint8_t secret[2][IKE_COOKIE_SECRET_LEN];	/* [version & 1] */
	uint32_t version;
	uint64_t rotate_ms;
};

struct ike_creds;

struct ike_engine {
	const struct ike_cfg *cfg;
	struct ike_creds *creds;		/* certificates, keys, CAs (ike_creds.c) */
	struct dataplane *dp;
	struct ike_engine_ops ops;
	void *ctx;
	struct ike_engine_params params;
	struct ike_sa *sas;
	struct ike_sa *half_open;
	unsigned int n_sas, n_half_open;
	struct ike_sa **spi_tab, **init_tab;
	unsigned int tab_size;			/* buckets, a power of two */
	uint64_t hash_key;
	unsigned int next_ike_uid, next_child_uid;
	bool start_pending;
	struct ike_cookie_state cookie;
	struct ike_engine_stats stats;
	uint64_t now_ms;
	uint64_t dp_poll_ms;			/* next data-plane counter poll */
	/* ike_esp_follow.c: the data plane's seen_total as of the last poll
	 * that read it (snap: at the poll under way); a report left waiting */
	uint64_t esp_seen_total, esp_seen_snap;
	bool esp_follow_deferred;
	uint64_t rng;				/* xorshift state for lifetime jitter */
	/*
	 * Not to walk thousands of SAs per datagram (ike_engine.c): how many
	 * SAs ike_sa_kill marked DEAD since the last reap, and the earliest
	 * SA timer as of the last walk, lowered as events touch SAs;
	 * timers_stale when an event may have moved timers we did not follow.
	 */
	unsigned int n_dead;
	uint64_t timer_due;
	bool timers_stale;
	uint8_t buf[IKE_MAX_MSG];		/* messages being built */
	uint8_t rx[IKE_MAX_MSG];		/* received messages decrypted in place */
};

/* ---- ike_sa.c ---- */

struct ike_sa *ike_sa_new(struct ike_engine *e, const struct ike_cfg_conn *conn, bool initiator,
			  const struct ike_endpoint *local, const struct ike_endpoint *remote);
/* Our SPI into the table; the responder's half-open entry by the peer's SPIi too. */
void ike_sa_set_half_open(struct ike_sa *sa, bool on);
/* The SA a non-IKE_SA_INIT-request datagram belongs to (state not DEAD), or NULL. */
struct ike_sa *ike_sa_lookup(struct ike_engine *e, const struct ike_hdr *h);
/* The responder's half-open SA for a retransmitted IKE_SA_INIT. */
struct ike_sa *ike_sa_lookup_init(struct ike_engine *e, const uint8_t *spi_i,
				  const struct ike_endpoint *remote);
unsigned int ike_sa_half_open_from(const struct ike_engine *e, const struct ike_endpoint *remote);
/* Removes every child from the data plane, marks the SA DEAD, logs why (may be NULL). */
void ike_sa_kill(struct ike_sa *sa, const char *why);
/* Frees DEAD SAs. */
void ike_sa_reap(struct ike_engine *e);
void ike_sa_free(struct ike_sa *sa);
const char *ike_sa_state_name(enum ike_sa_state s);
/* "gw[3]" */
const char *ike_sa_name(const struct ike_sa *sa, char *buf, size_t len);
uint8_t *ike_sa_our_spi(struct ike_sa *sa);
/* Keeps a copy of an identity (type, data) for the SA. */
int ike_sa_set_id(struct ike_sa *sa, bool peer, uint8_t type, const uint8_t *data, size_t len);
int ike_sa_queue(struct ike_sa *sa, enum ike_task_kind kind, const struct ike_cfg_child *child);
int ike_sa_queue_child_delete(struct ike_sa *sa, struct ike_child *c);

struct ike_child *ike_child_new(struct ike_sa *sa, const struct ike_cfg_child *cfg);
/* Unlinks and frees the record (the data plane must be done with it). */
void ike_child_free(struct ike_sa *sa, struct ike_child *c);
struct ike_child *ike_child_by_spi_out(struct ike_sa *sa, uint32_t spi);
struct ike_child *ike_child_by_spi_in(struct ike_sa *sa, uint32_t spi);

/* Endpoint helpers. */
void ike_ep_to_dp(const struct ike_endpoint *ep, struct dp_addr *out);
bool ike_ep_equal(const struct ike_endpoint *a, const struct ike_endpoint *b);
bool ike_ep_addr_equal(const struct ike_endpoint *a, const struct ike_endpoint *b);
const char *ike_ep_format(const struct ike_endpoint *ep, char *buf, size_t len);
const char *ike_ep_addr_format(const struct ike_endpoint *ep, char *buf, size_t len);

/* Random bytes; 0 or -EIO. */
int ike_random(void *buf, size_t len);

#endif /* XDPSEC_IKE_SA_H */

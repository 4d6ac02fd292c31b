/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * How the IKE engine's files call each other (private to the engine):
 *
 *   ike_engine.c    public API, dispatch of datagrams, timers, commands
 *   ike_sa.c        IKE SA and Child SA records, lookup tables, lifecycle
 *   ike_msg_io.c    message IDs, SK protection, requests (retransmission),
 *                   responses (cache), the received message (struct ike_in)
 *   ike_x_init.c    IKE_SA_INIT initiator       ike_x_init_r.c  its responder
 *   ike_natd.c      NAT detection, the peer's   ike_cookie.c    COOKIEs
 *                   moves, NAT-T keepalives
 *   ike_x_auth.c    IKE_AUTH, both roles, the first Child SA
 *   ike_authn.c     AUTH by method (PSK)        ike_authn_pk.c  certificates,
 *   ike_creds.c     certificates, keys, CAs                     signatures
 *   ike_x_child.c   CREATE_CHILD_SA             ike_nego.c      Child SA offers,
 *   ike_x_info.c    INFORMATIONAL                               selection, checks
 *   ike_x_rekey.c   rekeying Child and IKE SAs, collisions (CREATE_CHILD_SA)
 *   ike_lifetime.c  soft/hard lifetimes with jitter, data-plane counters, DPD
 *   ike_child.c     Child SAs into and out of the data plane
 *   ike_x_common.c  payloads <-> proposals, selectors, identities
 *   ike_list.c      list-sas, list-conns
 *   ike_redirect.c  redirect (RFC 5685), device and gateway; rules in ike_redirect_cfg.c
 *   ike_reauth.c    a new IKE SA replacing an old one: reauthentication, redirects
 *   ike_esp_follow.c  ESP from a new NAT mapping: a liveness check there, then the move
 *
 * Each exchange file has a start (we send the request), a request handler
 * (we are its responder) and a response handler, as strongSwan's tasks
 * have build_i/process_r/build_r/process_i.
 */
#ifndef XDPSEC_IKE_XCHG_H
#define XDPSEC_IKE_XCHG_H

#include "ike_payload.h"
#include "ike_sa.h"

/* A received message, authenticated and decrypted (IKE_SA_INIT: in clear). */
struct ike_in {
	const struct ike_hdr *hdr;
	struct ike_endpoint local, remote;	/* as it arrived */
	const uint8_t *raw;			/* as received (IKE_SA_INIT: what AUTH signs) */
	size_t raw_len;
	struct ike_chain chain;			/* inner payloads; bodies point into e->rx */
};

/* ---- ike_msg_io.c ---- */

/*
 * Starts a message of sa in e->buf: the header (a response to in, or our
 * next request when in is NULL) and, except for IKE_SA_INIT, the SK
 * payload, so that what is built next is the protected inner chain.
 */
void ike_msg_begin(struct ike_sa *sa, struct ike_builder *b, uint8_t exchange,
		   const struct ike_in *in);
/* Sends what was built as our next request (window 1) and arms retransmission. */
int ike_request_send(struct ike_sa *sa, struct ike_builder *b, enum ike_req_kind kind,
		     struct ike_child *child);
/* Sends it as the response to in, to where in came from, and caches it. */
int ike_response_send(struct ike_sa *sa, struct ike_builder *b, const struct ike_in *in);
/* An encrypted response to in that only carries one notify. */
int ike_response_notify(struct ike_sa *sa, const struct ike_in *in, uint16_t type,
			const void *data, size_t len);
/* A message straight to the wire (no SA, or fire and forget). */
void ike_send_raw(struct ike_engine *e, const struct ike_endpoint *local,
		  const struct ike_endpoint *remote, const uint8_t *msg, size_t len);
/* A message of sa to the wire; notes the time (keepalives wait for a quiet interval). */
void ike_sa_send(struct ike_sa *sa, const struct ike_endpoint *local,
		 const struct ike_endpoint *remote, const uint8_t *msg, size_t len);
/* A datagram for sa: window and cache checks, decryption, then the exchange. */
void ike_sa_input(struct ike_sa *sa, const struct ike_endpoint *local,
		  const struct ike_endpoint *remote, const uint8_t *msg, size_t len,
		  const struct ike_hdr *h);
/* Retransmits or gives up; starts queued tasks.  When it next has work in *next. */
void ike_sa_timers(struct ike_sa *sa, uint64_t *next);
/* Starts the next queued task if no request is outstanding. */
void ike_sa_run_tasks(struct ike_sa *sa);
void ike_sha256(const uint8_t *data, size_t len, uint8_t out[IKE_HASH_LEN]);

/* Index of the first payload of type, or -1. */
int ike_in_find(const struct ike_in *in, uint8_t type);
/* The first notify of type; false if none (or malformed). */
bool ike_in_notify(const struct ike_in *in, uint16_t type, struct ike_pl_notify *n);
/* The first error notify's type (< 16384), 0 if none. */
uint16_t ike_in_error(const struct ike_in *in);

/* ---- ike_frag.c: IKE fragmentation (RFC 7383) ---- */

/* IKE_SA_INIT: N(IKEV2_FRAGMENTATION_SUPPORTED) if the connection allows it. */
int ike_frag_build_notify(struct ike_sa *sa, struct ike_builder *b);
/* Notes whether the peer's IKE_SA_INIT message announced it. */
void ike_frag_note(struct ike_sa *sa, const struct ike_in *in);
/*
 * The largest IP datagram an IKE message or fragment fills: fragment_size
 * if set, else 576 (IPv4) or 1280 (IPv6), or link_mtu if that is smaller
 * (but at least IKE_FRAGMENT_SIZE_MIN).
 */
size_t ike_frag_datagram_max(uint32_t fragment_size, uint32_t link_mtu, bool v6);
/* Would the protected message in e->buf (SK at sk_off) be sent as fragments? */
bool ike_frag_needed(const struct ike_sa *sa, size_t sk_off, size_t plain_len);
/* Replaces it with its SKF fragments, back to back in e->buf; *len: all of them. */
int ike_frag_encrypt(struct ike_sa *sa, size_t plain_len, size_t *len);
/* The length of the first message of a train of fragments (len if one message). */
size_t ike_frag_train_next(const uint8_t *msg, size_t len);
/* A datagram's Fragment Number if it carries SKF, else 0 (not authenticated). */
unsigned int ike_frag_number(const uint8_t *msg, size_t len);
/*
 * An SKF message m of sa (parsed from e->rx): -EBADMSG (drop, count),
 * -EINPROGRESS (kept or ignored, nothing to do), or as decrypt in
 * ike_msg_io.c once the message is whole: in's chain, 0 or 1 with *notify.
 */
int ike_frag_input(struct ike_sa *sa, struct ike_in *in, const struct ike_msg *m,
		   uint16_t *notify, uint8_t *crit);
/* Drops incomplete sets that waited too long. */
void ike_frag_expire(struct ike_sa *sa);
void ike_frag_free(struct ike_sa *sa);

/* ---- exchanges ---- */

int ike_init_start(struct ike_engine *e, const struct ike_cfg_conn *conn,
		   const struct ike_cfg_child *child);
/*
 * The same to remote (NULL: the configured address), announcing that
 * redirected_from sent us (NULL: nobody; ike_redirect.c); the SA into *out.
 */
int ike_init_start_to(struct ike_engine *e, const struct ike_cfg_conn *conn,
		      const struct ike_cfg_child *child, const struct ike_endpoint *remote,
		      const struct ike_endpoint *redirected_from, struct ike_sa **out);
void ike_init_request(struct ike_engine *e, const struct ike_endpoint *local,
		      const struct ike_endpoint *remote, const uint8_t *msg, size_t len,
		      const struct ike_hdr *h);
void ike_init_response(struct ike_sa *sa, const struct ike_in *in);
/* g^ir, SKEYSEED, SK_* and both SK contexts; the DH private value is freed. */
int ike_init_keys(struct ike_sa *sa, const struct ike_pl_ke *ke);
/* Replaces *dst with a copy of msg. */
int ike_init_save(uint8_t **dst, size_t *dst_len, const uint8_t *msg, size_t len);

int ike_auth_start(struct ike_sa *sa);
void ike_auth_request(struct ike_sa *sa, const struct ike_in *in);
void ike_auth_response(struct ike_sa *sa, const struct ike_in *in);
/* The IKE SA is up: counters, log, INITIAL_CONTACT, queued tasks. */
void ike_auth_established(struct ike_sa *sa);

int ike_xchild_start(struct ike_sa *sa, const struct ike_cfg_child *cfg);
void ike_xchild_request(struct ike_sa *sa, const struct ike_in *in);
void ike_xchild_response(struct ike_sa *sa, const struct ike_in *in, struct ike_child *c);

int ike_info_delete_start(struct ike_sa *sa);
int ike_info_delete_child_start(struct ike_sa *sa, struct ike_child *c);
int ike_info_dpd_start(struct ike_sa *sa);
/* INFORMATIONAL { D } sent once, not waited for (shutdown, reload). */
void ike_info_delete_now(struct ike_sa *sa);
/* INFORMATIONAL { N(AUTHENTICATION_FAILED) } sent once: we refused the peer's AUTH. */
void ike_info_auth_failed_now(struct ike_sa *sa);
void ike_info_request(struct ike_sa *sa, const struct ike_in *in);
void ike_info_response(struct ike_sa *sa, const struct ike_in *in, enum ike_req_kind kind,
		       struct ike_child *c);

/* ---- ike_x_rekey.c: rekeying (RFC 7296 1.3.2, 1.3.3, 2.8, 2.18, 2.25) ---- */

/* CREATE_CHILD_SA { N(REKEY_SA), SA, Ni, [KEi], TSi, TSr } for old (if still due). */
int ike_rekey_child_start(struct ike_sa *sa, struct ike_child *old);
/* The same after INVALID_KE_PAYLOAD, with the group asked for. */
int ike_rekey_child_retry_group(struct ike_sa *sa, unsigned int old_uid, uint16_t group);
/* Our rekey exchange for c failed with err (0: unacceptable answer): c goes, old retries. */
void ike_rekey_child_failed(struct ike_sa *sa, struct ike_child *c, uint16_t err);
/* Responder: the Child SA a REKEY_SA notify names, or the notify to answer. */
uint16_t ike_rekey_child_find(struct ike_sa *sa, const struct ike_pl_notify *n,
			      struct ike_child **old);
/* c (replaces set) is in the data plane: traffic moves, the old pair retires, collisions. */
void ike_rekey_child_done(struct ike_sa *sa, struct ike_child *c);
struct ike_child *ike_child_by_uid(struct ike_sa *sa, unsigned int uid);
int ike_rekey_ike_start(struct ike_sa *sa);
bool ike_rekey_is_ike(const struct ike_in *in);
void ike_rekey_ike_request(struct ike_sa *sa, const struct ike_in *in);
void ike_rekey_ike_response(struct ike_sa *sa, const struct ike_in *in);
/* sa dies: the half-made SA of its rekey too, and every link to it. */
void ike_rekey_sa_gone(struct ike_sa *sa);

/* ---- ike_lifetime.c: lifetimes, data-plane counters, DPD ---- */

/* Uniform in [0, rand_ms] from the xorshift state *rng. */
uint64_t ike_life_jitter_ms(uint64_t *rng, uint64_t rand_ms);
/* rekey - jitter(rand) (bytes, packets), at least 1; 0 if rekey is 0. */
uint64_t ike_life_soft_volume(uint64_t *rng, uint64_t rekey, uint64_t rand);
/* now + rekey - jitter(rand), in ms; 0 if rekey_s is 0. */
uint64_t ike_life_soft_ms(uint64_t *rng, uint64_t now_ms, uint64_t rekey_s, uint64_t rand_s);
void ike_life_child_installed(struct ike_sa *sa, struct ike_child *c);
void ike_life_sa_established(struct ike_sa *sa);
/* Rekeys and deletes that are due; the next deadline into *next. */
void ike_life_timers(struct ike_sa *sa, uint64_t *next);
void ike_life_next(const struct ike_sa *sa, uint64_t *next);
/* Reads the data-plane counters if a poll is due and anything needs them. */
void ike_life_poll(struct ike_engine *e);
uint64_t ike_life_poll_due(const struct ike_engine *e);
uint64_t ike_dpd_last_seen(const struct ike_sa *sa);
/* Our DPD probe went unanswered: counted, logged, dpd_action. */
void ike_dpd_timeout(struct ike_sa *sa);

/* ---- ike_timeout.c ---- */

/* sa gave up retransmitting or expired half-open: logged with why, deleted event, counted. */
void ike_sa_timed_out(struct ike_sa *sa, const char *why);

/* ---- ike_natd.c: NAT detection (RFC 7296 2.23) ---- */

/* N(NAT_DETECTION_SOURCE_IP) N(NAT_DETECTION_DESTINATION_IP) for sa's endpoints. */
int ike_natd_build(struct ike_sa *sa, struct ike_builder *b);
/* The same for a path other than sa's (a MOBIKE path check, RFC 4555 3.8). */
int ike_natd_build_eps(struct ike_sa *sa, struct ike_builder *b, const struct ike_endpoint *local,
		       const struct ike_endpoint *remote);
/* sa moved (from was_local - was_remote): counted, the address_changed event once. */
void ike_natd_moved_event(struct ike_sa *sa, const struct ike_endpoint *was_local,
			  const struct ike_endpoint *was_remote, const char *reason);
/*
 * Compares in's NAT detection hashes with the endpoints it travelled
 * between; sets sa->nat_local / nat_remote.  False if in carries none (the
 * peer does not do NAT-T).
 */
bool ike_natd_check(struct ike_sa *sa, const struct ike_in *in);
/* Moves sa to the NAT-T port pair if a NAT was seen or encap = yes. */
void ike_natd_float(struct ike_sa *sa);
/*
 * in (a request or response of sa's, authenticated) came from or to a new
 * address or port: follows it when RFC 7296 2.23 says so, Child SAs too.
 */
void ike_natd_track(struct ike_sa *sa, const struct ike_in *in);
/* When sa's next NAT-T keepalive is due; false if sa sends none. */
bool ike_natd_keepalive_due(const struct ike_sa *sa, uint64_t *due);
/* Sends sa's keepalive if due; when the next one is, into *next. */
void ike_natd_keepalive(struct ike_sa *sa, uint64_t *next);

/* ---- ike_cookie.c (RFC 7296 2.6) ---- */

void ike_cookie_rotate(struct ike_engine *e, bool force);
/* A cookie for this IKE_SA_INIT into out (IKE_COOKIE_MAX); its length. */
size_t ike_cookie_make(struct ike_engine *e, const uint8_t *ni, size_t ni_len,
		       const struct ike_endpoint *remote, const uint8_t *spi_i, uint8_t *out);
bool ike_cookie_valid(struct ike_engine *e, const uint8_t *cookie, size_t len,
		      const uint8_t *ni, size_t ni_len, const struct ike_endpoint *remote,
		      const uint8_t *spi_i);

/* ---- ike_authn.c: AUTH payloads by method ---- */

/* Our IKE_SA_INIT response's CERTREQ, if the connection wants certificates. */
int ike_authn_build_certreq(struct ike_sa *sa, const struct ike_cfg_conn *conn,
			    struct ike_builder *b);
/* [CERT] payloads before our AUTH. */
int ike_authn_build_certs(struct ike_sa *sa, struct ike_builder *b);
/* Our AUTH payload, for the ID payload body we send. */
int ike_authn_build(struct ike_sa *sa, struct ike_builder *b, const uint8_t *id_body,
		    size_t id_len);
/*
 * 0 if in's AUTH proves the peer's identity (its ID payload body given);
 * else -errno and the reason (never a secret) in why.
 */
int ike_authn_verify(struct ike_sa *sa, const struct ike_cfg_conn *conn, const struct ike_in *in,
		     const uint8_t *id_body, size_t id_len, char *why, size_t whylen);
/* Sets sa's identity for conn: configured, else the certificate's subject or our address. */
int ike_authn_our_id(struct ike_sa *sa, const struct ike_cfg_conn *conn);
/* Our (ours) or the peer's signed octets in one malloc'd buffer. */
int ike_authn_octets(struct ike_sa *sa, bool ours, const uint8_t *id_body, size_t id_len,
		     uint8_t **out, size_t *out_len);

/* ---- ike_authn_pk.c: certificates and signatures (ike_cert.h, ike_sig.h) ---- */

struct ike_pl_auth;
int ike_pk_build_auth(struct ike_sa *sa, struct ike_builder *b, const uint8_t *id_body,
		      size_t id_len);
int ike_pk_verify(struct ike_sa *sa, const struct ike_cfg_conn *conn, const struct ike_in *in,
		  const struct ike_pl_auth *auth, const uint8_t *id_body, size_t id_len, char *why,
		  size_t whylen);
int ike_pk_build_cert(struct ike_sa *sa, struct ike_builder *b);
int ike_pk_build_certreq(struct ike_sa *sa, const struct ike_cfg_conn *conn,
			 struct ike_builder *b);
int ike_pk_our_id(struct ike_sa *sa, const struct ike_cfg_conn *conn);
/* Notes the peer's SIGNATURE_HASH_ALGORITHMS and CERTREQ in a message of its. */
void ike_pk_note(struct ike_sa *sa, const struct ike_in *in);

/* ---- ike_creds.c: what pubkey connections need, loaded per configuration ---- */

struct ike_creds_conn;
/* Loads certificates, private keys and CAs for every pubkey connection of cfg. */
struct ike_creds *ike_creds_load(const struct ike_cfg *cfg);
void ike_creds_free(struct ike_creds *c);
const struct ike_creds_conn *ike_creds_for(const struct ike_creds *c,
					   const struct ike_cfg_conn *conn);

/* ---- ike_nego.c: a Child SA's proposals and selectors ---- */

struct ike_nego {
	const struct ike_cfg_child *cfg;
	struct ike_proposal esp;		/* chosen, the peer's SPI in it */
	uint32_t peer_spi;
	uint16_t dh_group;			/* PFS; 0: none */
	struct ike_ts tsi[IKE_TS_MAX], tsr[IKE_TS_MAX];
	unsigned int n_tsi, n_tsr;
};

/* SA payload offering cfg's ESP proposals with spi (DH stripped unless pfs). */
int ike_nego_build_sa(struct ike_sa *sa, struct ike_builder *b, const struct ike_cfg_child *cfg,
		      uint32_t spi, bool pfs);
/* TSi and TSr as the initiator of an exchange offers them. */
int ike_nego_build_ts(struct ike_sa *sa, struct ike_builder *b, const struct ike_cfg_child *cfg);
/*
 * Responder: picks the child config and ESP proposal for in's SA, TSi and
 * TSr.  0, or the notify to answer (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE,
 * INVALID_SYNTAX).  flags: IKE_PROP_SKIP_DH in IKE_AUTH.
 */
uint16_t ike_nego_select(struct ike_sa *sa, const struct ike_in *in, unsigned int flags,
			 struct ike_nego *out);
/* SA (the chosen proposal with our spi), and TSi, TSr: the responder's answer. */
int ike_nego_build_reply_sa(struct ike_builder *b, const struct ike_nego *n, uint32_t spi);
int ike_nego_build_reply_ts(struct ike_builder *b, const struct ike_nego *n);
/* Initiator: checks the response against what cfg offered.  0 or -EINVAL. */
int ike_nego_verify(struct ike_sa *sa, const struct ike_in *in, const struct ike_cfg_child *cfg,
		    unsigned int flags, struct ike_nego *out);
bool ike_notify_is_child_error(uint16_t type);

/* ---- ike_child.c: the data plane ---- */

/* A random inbound SPI >= 256 that no SA here or in the data plane uses. */
int ike_child_alloc_spi(struct ike_sa *sa, uint32_t *spi);
/*
 * A Child SA we offer in CREATE_CHILD_SA: its inbound SPI, our nonce and,
 * with group, a DH key whose public value goes into pub / *pub_len.  NULL
 * if a step failed (nothing is left behind).
 */
struct ike_child *ike_child_offer(struct ike_sa *sa, const struct ike_cfg_child *cfg,
				  uint16_t group, uint8_t *pub, size_t *pub_len);
/*
 * Derives c's keys (KEYMAT from SK_d and the exchange's nonces, gir for
 * PFS) and installs both directions and the outbound policies.
 * exch_initiator: we started the exchange (our outbound key is encr_i).
 */
int ike_child_install(struct ike_sa *sa, struct ike_child *c, const struct ike_nego *n,
		      const struct ike_kdf_input *kdf, bool exch_initiator);
/*
 * Points the outbound policies c was installed with (out_pending) at c's
 * outbound SA, replacing those another child of ours holds.
 */
void ike_child_claim_policies(struct ike_sa *sa, struct ike_child *c);
/* Removes c from the data plane, logs, frees the record. */
void ike_child_remove(struct ike_sa *sa, struct ike_child *c);
/*
 * c's outbound SA and policies leave the data plane (a policy to a child
 * waiting to take it over, if any); its inbound SA stays, for ESP still in
 * flight, until ike_child_remove.
 */
void ike_child_stop_sending(struct ike_sa *sa, struct ike_child *c);
/*
 * c is unusable (the peer's answer is unacceptable to us, or the peer lost
 * its half): c leaves the data plane (if it got in), is DELETING from here
 * on, and an INFORMATIONAL { D(ESP) } tells the peer.  why is logged.
 */
void ike_child_reject(struct ike_sa *sa, struct ike_child *c, const char *why);
/*
 * New outer addresses/ports for every child of sa (NAT mapping changed,
 * MOBIKE): sa's endpoints, ESP in UDP if and only if sa->natt.
 */
void ike_child_update_addrs(struct ike_sa *sa);

/* ---- ike_mobike.c: MOBIKE (RFC 4555) ---- */

/* IKE_AUTH, both roles: N(MOBIKE_SUPPORTED) N(NO_ADDITIONAL_ADDRESSES) if the connection wants it. */
int ike_mobike_build_auth(struct ike_sa *sa, struct ike_builder *b);
/* IKE_AUTH received, both roles: sa->mobike if both sides support it. */
void ike_mobike_note_auth(struct ike_sa *sa, const struct ike_in *in);
/* Initiator, no NAT: to the NAT-T ports all the same, for a NAT on a later path (RFC 4555 3.5). */
void ike_mobike_float(struct ike_sa *sa);
/* Responder: an INFORMATIONAL request with MOBIKE notifies, answered; false if not one. */
bool ike_mobike_request(struct ike_sa *sa, const struct ike_in *in);
/* Initiator: INFORMATIONAL { N(UPDATE_SA_ADDRESSES), NAT-D, N(COOKIE2) } from sa->local. */
int ike_mobike_update_start(struct ike_sa *sa);
void ike_mobike_update_response(struct ike_sa *sa, const struct ike_in *in);
/* Initiator behind a NAT: NAT-D in our liveness checks; a changed mapping in the answer updates. */
int ike_mobike_build_dpd(struct ike_sa *sa, struct ike_builder *b);
void ike_mobike_dpd_response(struct ike_sa *sa, const struct ike_in *in);

/* ---- ike_x_common.c ---- */

/* A peer's SA payload as proposals; how many. */
unsigned int ike_conv_proposals(const struct ike_pl_sa *pl, struct ike_proposal *out,
				unsigned int max);
/* Builds an SA payload with l's proposals (or one), SPI spi (spi_len 0, 4 or 8). */
int ike_conv_build_sa(struct ike_builder *b, const struct ike_proposal *v, unsigned int n,
		      bool renumber, const uint8_t *spi, size_t spi_len, bool skip_dh);
unsigned int ike_conv_ts(const struct ike_pl_ts *pl, struct ike_ts *out, unsigned int max);
int ike_conv_build_ts(struct ike_builder *b, uint8_t type, const struct ike_ts *ts,
		      unsigned int n);
void ike_conv_suite(const struct ike_proposal *p, struct ike_suite *s);
int ike_read_ike_sa_reply(const struct ike_cfg_conn *conn, struct ike_sa *sa,
			  const struct ike_in *in, bool rekey_spi, struct ike_pl_ke *ke);
/* type | 3 reserved | data: the ID payload body AUTH covers; its length. */
size_t ike_conv_id_body(uint8_t type, const uint8_t *data, size_t len, uint8_t *out,
			size_t cap);
/* "NO_PROPOSAL_CHOSEN", or the number. */
const char *ike_notify_name(uint16_t type);
/* Our identity for conn (its local id; the address when %any) into sa. */
int ike_conv_our_id(struct ike_sa *sa, const struct ike_cfg_conn *conn);
/* A configured identity as a concrete one to send or look a PSK up by; false if a pattern. */
bool ike_conv_cfg_id(const struct ike_cfg_id *id, struct ike_id *out);

/* ---- ike_redirect.c: redirect (RFC 5685), device and gateway ---- */

/* Initiator: N(REDIRECT_SUPPORTED), or N(REDIRECTED_FROM) after a redirect. */
int ike_redirect_build_init(struct ike_sa *sa, struct ike_builder *b);
/*
 * Initiator: an IKE_SA_INIT response with an N(REDIRECT) to drop (counted):
 * not our Ni in its nonce data, a malformed GW, or one we did not announce?
 */
bool ike_redirect_init_foreign(struct ike_sa *sa, const struct ike_in *in);
/* Initiator: an IKE_SA_INIT response with a valid N(REDIRECT) was followed (sa is gone). */
bool ike_redirect_init_response(struct ike_sa *sa, const struct ike_in *in);
/* Initiator: IKE_AUTH answered with N(REDIRECT): sa (established, c refused) goes. */
bool ike_redirect_auth_response(struct ike_sa *sa, const struct ike_in *in, struct ike_child *c);
/* Initiator: an answered INFORMATIONAL request of the gateway's with N(REDIRECT). */
void ike_redirect_info_request(struct ike_sa *sa, const struct ike_in *in);
/* Responder: answers an IKE_SA_INIT request with N(REDIRECT) if a rule says so. */
bool ike_redirect_init_request(struct ike_engine *e, const struct ike_in *in, const uint8_t *ni,
			       size_t ni_len);
/* Responder: notes REDIRECT_SUPPORTED (and logs REDIRECTED_FROM) of the request. */
void ike_redirect_note_init(struct ike_sa *sa, const struct ike_in *in);
/* Responder: the rule that redirects this authenticated peer at IKE_AUTH, or NULL. */
const struct ike_cfg_redirect *ike_redirect_auth_rule(const struct ike_sa *sa);
/* Responder: N(REDIRECT) into our IKE_AUTH response, then the SA lingers briefly. */
int ike_redirect_build_auth(struct ike_sa *sa, struct ike_builder *b,
			    const struct ike_cfg_redirect *rule);
void ike_redirect_auth_sent(struct ike_sa *sa, const struct ike_cfg_redirect *rule);
/* Responder: INFORMATIONAL { N(REDIRECT, sa->redirect_to) } (RFC 5685 5). */
int ike_redirect_info_start(struct ike_sa *sa);

/* ---- ike_reauth.c: a new IKE SA for an old one's connection, then the old goes ---- */

/*
 * Make before break: a new IKE SA of old's connection to remote (NULL:
 * old's peer) re-creates old's Child SAs (the first in IKE_AUTH, the others
 * with CREATE_CHILD_SA), each taking over its predecessor's outbound
 * policies; once all are up, old is deleted.  redirected_from as for
 * ike_init_start_to.  0 or -errno.
 */
int ike_reauth_start(struct ike_sa *old, const struct ike_endpoint *remote,
		     const struct ike_endpoint *redirected_from);
/* Is a new IKE SA replacing sa under way (alive)? */
bool ike_reauth_pending(struct ike_sa *sa);
/* The new SA of a reauthentication finished an exchange: is it time to retire the old? */
void ike_reauth_progress(struct ike_sa *sa);
/* Initiator: arms reauth_time (with rand_time jitter) when sa is established. */
void ike_reauth_schedule(struct ike_sa *sa);
/* Starts a due reauthentication; the next deadline into *next. */
void ike_reauth_timers(struct ike_sa *sa, uint64_t *next);
void ike_reauth_next(const struct ike_sa *sa, uint64_t *next);
/*
 * Responder, IKE_AUTH authenticated: without INITIAL_CONTACT, from a peer
 * identity with another IKE SA of the connection here, sa replaces that one.
 */
void ike_reauth_note_peer(struct ike_sa *sa, bool initial_contact);
/* Do the Child SAs the peer makes on sa wait before taking our traffic (out_pending)? */
bool ike_reauth_defers(const struct ike_sa *sa);
/* c waits so; ESP from the peer arrived on it: our traffic moves to it. */
bool ike_reauth_child_waits(const struct ike_child *c);
void ike_reauth_child_rx(struct ike_sa *sa, struct ike_child *c);

/* ---- ike_esp_follow.c: ESP from a new NAT mapping (sa_seen.h in the data plane) ---- */

/* Is sa one that follows its peer (established, the peer behind a NAT, we not)? */
bool ike_esp_follow_wanted(const struct ike_sa *sa);
/*
 * Before a poll: did the data plane note a new source since the last poll
 * (or does a report wait)?  After it read list_sas: ike_esp_follow_polled.
 */
bool ike_esp_follow_news(struct ike_engine *e);
void ike_esp_follow_polled(struct ike_engine *e);
/* The counter poll: c's inbound SA (in, NULL if none) may report ESP from a new source. */
void ike_esp_follow_poll(struct ike_sa *sa, struct ike_child *c, const struct dp_sa_info *in);
/* Is in (authenticated) the answer to our liveness check, from where it went? */
bool ike_esp_follow_answered(const struct ike_sa *sa, const struct ike_in *in);
/*
 * Resends the check to the new endpoint, or hands it back to the
 * retransmission to sa->remote; repeats an unanswered one later, with
 * back-off, while ESP keeps coming from there.
 */
void ike_esp_follow_timers(struct ike_sa *sa, uint64_t *next);
void ike_esp_follow_next(const struct ike_sa *sa, uint64_t *next);

/* ---- ike_list.c ---- */
int ike_list_sas(const struct ike_engine *e, bool json, uint64_t now_ms, struct strbuf *out);
int ike_list_conns(const struct ike_engine *e, bool json, struct strbuf *out);

#endif /* XDPSEC_IKE_XCHG_H */

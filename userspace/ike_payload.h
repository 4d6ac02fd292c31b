/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IKEv2 payload bodies (RFC 7296 3.3 - 3.15): one plain struct per payload
 * type, a decoder that validates every field against the body's length,
 * and an encoder that appends the payload to an ike_builder.
 *
 * Decoders take the body of a payload found by ike_msg_parse or
 * ike_chain_parse (struct ike_payload .body/.len) and return IKE_PARSE_OK or
 * IKE_PARSE_SYNTAX.  Variable-length data is not copied: pointers in the
 * decoded structs point into the body, which must outlive them.  Encoders
 * read the same structs (pointers to the caller's data) and return 0 or
 * the builder's sticky error; ike_build_id and ike_build_ts take the
 * payload type because IDi/IDr and TSi/TSr share a format.
 *
 * Lists have fixed limits.  Well-formed entries past a limit are not stored
 * and counted in n_skipped, which is what a responder may do with offers it
 * does not take: a proposal or selector it never saw is one it did not
 * accept.  An initiator reading a response should refuse one with
 * n_skipped != 0.
 *
 * Files: ike_payload.c (KE, Nonce, ID, AUTH, Notify, Delete, CERT, CERTREQ,
 * Vendor ID, NAT detection), ike_payload_sa.c (SA), ike_payload_ts.c (TS, CP).
 */
#ifndef XDPSEC_IKE_PAYLOAD_H
#define XDPSEC_IKE_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_msg.h"

enum {
	IKE_PL_MAX_PROPOSALS = 16,
	IKE_PL_MAX_TRANSFORMS = 32,	/* per proposal */
	IKE_PL_MAX_SPI_LEN = 8,
	IKE_PL_MAX_TS = 16,		/* per TS payload */
	IKE_PL_MAX_CP_ATTRS = 16,
	IKE_PL_MAX_HASH_ALGS = 16,
};

/* SPI sizes a proposal, notify or delete may carry: 0, 4 (ESP, AH), 8 (IKE). */
bool ike_pl_spi_len_ok(size_t len);

/* ---- SA (3.3) ---- */

struct ike_pl_transform {
	uint8_t type;			/* enum ike_transform_type */
	uint16_t id;
	uint16_t key_len;		/* bits, from the Key Length attribute; 0: none */
	/*
	 * Carried an attribute we do not understand (another type, TLV form, a
	 * second Key Length).  RFC 7296 3.3.6: such a transform is unacceptable,
	 * but its type still counts as offered: a proposal whose only DH
	 * transform is unacceptable must not be read as one without DH.
	 * The encoder writes only the Key Length attribute.
	 */
	bool unacceptable;
};

/*
 * Proposal numbers must be non-zero and increase (RFC 7296 3.3.1 wants 1,
 * 2, 3 ... in an offer; a response carries the single number chosen, so
 * only the order is checked).  SPI sizes 0, 4 and 8 are accepted whatever
 * the protocol: which one fits the exchange is the exchange's to check.
 */
struct ike_pl_proposal {
	uint8_t num;
	uint8_t proto;			/* enum ike_protocol_id */
	uint8_t spi_len;
	uint8_t spi[IKE_PL_MAX_SPI_LEN];
	unsigned int n_trans;
	struct ike_pl_transform trans[IKE_PL_MAX_TRANSFORMS];
};

struct ike_pl_sa {
	unsigned int n_prop;
	unsigned int n_skipped;		/* past IKE_PL_MAX_PROPOSALS, or too many transforms */
	struct ike_pl_proposal prop[IKE_PL_MAX_PROPOSALS];
};

enum ike_parse_result ike_pl_sa_decode(const uint8_t *body, size_t len, struct ike_pl_sa *sa);
int ike_build_sa(struct ike_builder *b, const struct ike_pl_sa *sa);

/* ---- KE (3.4), Nonce (3.9) ---- */

struct ike_pl_ke {
	uint16_t group;			/* enum ike_dh_id */
	const uint8_t *data;		/* at least one octet; its size is the group's to check */
	size_t len;
};

enum ike_parse_result ike_pl_ke_decode(const uint8_t *body, size_t len, struct ike_pl_ke *ke);
int ike_build_ke(struct ike_builder *b, const struct ike_pl_ke *ke);

/* A nonce is the whole body, IKE_NONCE_MIN .. IKE_NONCE_MAX octets. */
enum ike_parse_result ike_pl_nonce_check(size_t len);
int ike_build_nonce(struct ike_builder *b, const uint8_t *nonce, size_t len);

/* ---- ID (3.5), AUTH (3.8), CERT (3.6), CERTREQ (3.7) ---- */

/* IPv4 and IPv6 address IDs must be 4 and 16 octets; others are opaque. */
struct ike_pl_id {
	uint8_t type;			/* enum ike_id_type */
	const uint8_t *data;
	size_t len;
};

enum ike_parse_result ike_pl_id_decode(const uint8_t *body, size_t len, struct ike_pl_id *id);
int ike_build_id(struct ike_builder *b, uint8_t pl_type, const struct ike_pl_id *id);

struct ike_pl_auth {
	uint8_t method;			/* enum ike_auth_method */
	const uint8_t *data;
	size_t len;
};

enum ike_parse_result ike_pl_auth_decode(const uint8_t *body, size_t len,
					 struct ike_pl_auth *auth);
int ike_build_auth(struct ike_builder *b, const struct ike_pl_auth *auth);

/*
 * CERT data must not be empty.  CERTREQ data may be (some peers send an
 * empty request); with encoding X509_SIG it is a list of 20-octet hashes.
 */
struct ike_pl_cert {
	uint8_t encoding;		/* enum ike_cert_encoding */
	const uint8_t *data;
	size_t len;
};

enum ike_parse_result ike_pl_cert_decode(const uint8_t *body, size_t len,
					 struct ike_pl_cert *cert);
enum ike_parse_result ike_pl_certreq_decode(const uint8_t *body, size_t len,
					    struct ike_pl_cert *req);
int ike_build_cert(struct ike_builder *b, const struct ike_pl_cert *cert);
int ike_build_certreq(struct ike_builder *b, const struct ike_pl_cert *req);

/* ---- Notify (3.10), Delete (3.11), Vendor ID (3.12) ---- */

/*
 * The decoder checks the data length of the types whose data has a fixed
 * shape: NAT_DETECTION_*_IP (20), COOKIE (1..64), INVALID_KE_PAYLOAD (2),
 * UNSUPPORTED_CRITICAL_PAYLOAD (1), ADDITIONAL_IP4/IP6_ADDRESS (4/16),
 * SIGNATURE_HASH_ALGORITHMS (even).  SPI sizes 0, 4 and 8 are accepted.
 */
struct ike_pl_notify {
	uint8_t proto;			/* enum ike_protocol_id, or 0 */
	uint8_t spi_len;
	uint8_t spi[IKE_PL_MAX_SPI_LEN];
	uint16_t type;			/* enum ike_notify_type */
	const uint8_t *data;
	size_t len;
};

enum ike_parse_result ike_pl_notify_decode(const uint8_t *body, size_t len,
					   struct ike_pl_notify *n);
int ike_build_notify(struct ike_builder *b, const struct ike_pl_notify *n);

/* A notify without SPI: ike_build_notify with proto 0, spi_len 0. */
int ike_build_notify_simple(struct ike_builder *b, uint16_t type, const void *data, size_t len);

/* The 16-bit hash algorithm numbers of SIGNATURE_HASH_ALGORITHMS, up to max. */
enum ike_parse_result ike_notify_hash_algs(const struct ike_pl_notify *n, uint16_t *algs,
					   unsigned int max, unsigned int *count);
int ike_build_notify_hash_algs(struct ike_builder *b, const uint16_t *algs, unsigned int count);

/*
 * NAT_DETECTION_SOURCE_IP / _DESTINATION_IP data (RFC 7296 2.23):
 * SHA-1(SPIi | SPIr | IP address | port), port in host order here.  family
 * is AF_INET (addr: 4 octets) or AF_INET6 (16).  0, or -1 (bad family,
 * OpenSSL failure).
 */
int ike_natd_hash(const uint8_t *spi_i, const uint8_t *spi_r, int family, const void *addr,
		  uint16_t port, uint8_t *out);

/* n_spi SPIs of spi_len octets each, back to back at spis (IKE: 0 and 0). */
struct ike_pl_delete {
	uint8_t proto;
	uint8_t spi_len;
	uint16_t n_spi;
	const uint8_t *spis;
};

enum ike_parse_result ike_pl_delete_decode(const uint8_t *body, size_t len,
					   struct ike_pl_delete *d);
int ike_build_delete(struct ike_builder *b, const struct ike_pl_delete *d);

/* A Vendor ID body is opaque: the payload's body as parsed. */
int ike_build_vendor(struct ike_builder *b, const void *vid, size_t len);

/* ---- TS (3.13) ---- */

/*
 * One IPv4 or IPv6 address range.  Ports and addresses are taken as sent:
 * start > end is legal on the wire (OPAQUE ports are 65535 .. 0).
 * Selectors of other types (e.g. RFC 4595, RFC 9478) are skipped.
 */
struct ike_pl_ts_entry {
	uint8_t type;			/* IKE_TS_IPV4_ADDR_RANGE or IKE_TS_IPV6_ADDR_RANGE */
	uint8_t ip_proto;		/* 0: any */
	uint16_t start_port;
	uint16_t end_port;
	uint8_t start[16];		/* IPv4 in the first 4 octets */
	uint8_t end[16];
};

struct ike_pl_ts {
	unsigned int n;
	unsigned int n_skipped;		/* past IKE_PL_MAX_TS, or of another type */
	struct ike_pl_ts_entry ts[IKE_PL_MAX_TS];
};

enum ike_parse_result ike_pl_ts_decode(const uint8_t *body, size_t len, struct ike_pl_ts *ts);
int ike_build_ts(struct ike_builder *b, uint8_t pl_type, const struct ike_pl_ts *ts);

/* ---- CP (3.15) ---- */

/*
 * Attributes are opaque values; those of RFC 7296 3.15.1 with a fixed size
 * are checked (e.g. INTERNAL_IP4_ADDRESS: 0 or 4 octets).
 */
struct ike_pl_cp_attr {
	uint16_t type;			/* enum ike_cp_attr, reserved bit cleared */
	const uint8_t *value;
	uint16_t len;
};

struct ike_pl_cp {
	uint8_t type;			/* enum ike_cp_type */
	unsigned int n;
	unsigned int n_skipped;		/* past IKE_PL_MAX_CP_ATTRS */
	struct ike_pl_cp_attr attr[IKE_PL_MAX_CP_ATTRS];
};

enum ike_parse_result ike_pl_cp_decode(const uint8_t *body, size_t len, struct ike_pl_cp *cp);
int ike_build_cp(struct ike_builder *b, const struct ike_pl_cp *cp);

#endif /* XDPSEC_IKE_PAYLOAD_H */

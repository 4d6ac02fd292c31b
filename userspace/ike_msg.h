/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IKEv2 message codec, message level (RFC 7296 3.1, 3.2, 3.14; RFC 7383
 * 2.5): the fixed header, the chain of generic payload headers, the
 * Encrypted (SK) and Encrypted Fragment (SKF) payloads as opaque bytes, and
 * a bounded builder that writes a message into a caller's buffer.
 *
 * Parsing never copies: a parsed message or chain points into the buffer it
 * was parsed from, which must outlive it.  Payload bodies are decoded by
 * ike_payload.h.  No cryptography here: the SK payload is located, split
 * (IV, ciphertext, ICV) and, once someone decrypted it, unpadded; the
 * crypto layer does the rest in place (see struct ike_sk_layout).
 */
#ifndef XDPSEC_IKE_MSG_H
#define XDPSEC_IKE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_wire.h"

enum {
	IKE_MAX_PAYLOADS = 32,		/* per chain; more is INVALID_SYNTAX */
};

/*
 * What a parser found.  Each error maps to the notification the exchange
 * layer sends back (if it answers at all):
 *   IKE_PARSE_SYNTAX                -> INVALID_SYNTAX
 *   IKE_PARSE_BAD_VERSION           -> INVALID_MAJOR_VERSION (hdr is filled in:
 *                                      a lower major version gets no answer)
 *   IKE_PARSE_UNSUPPORTED_CRITICAL  -> UNSUPPORTED_CRITICAL_PAYLOAD, whose data
 *                                      is the one-octet type reported in *crit_type
 * The first problem met wins; later payloads are not looked at.
 */
enum ike_parse_result {
	IKE_PARSE_OK = 0,
	IKE_PARSE_SYNTAX = -1,
	IKE_PARSE_BAD_VERSION = -2,
	IKE_PARSE_UNSUPPORTED_CRITICAL = -3,
};

/* The IKE header with its integers in host order. */
struct ike_hdr {
	uint8_t spi_i[IKE_SPI_LEN];
	uint8_t spi_r[IKE_SPI_LEN];
	uint8_t next_payload;
	uint8_t version;		/* major << 4 | minor, IKE_VERSION_2 */
	uint8_t exchange;		/* enum ike_exchange */
	uint8_t flags;			/* enum ike_hdr_flags */
	uint32_t msg_id;
	uint32_t length;
};

/* One payload of a chain, in the order it came. */
struct ike_payload {
	uint8_t type;			/* enum ike_payload_type, or one we do not know */
	uint8_t next;			/* its Next Payload (SK: the first inner payload) */
	bool critical;
	bool known;			/* false: unknown and not critical, to be ignored */
	size_t off;			/* of its generic header in the parsed buffer */
	const uint8_t *body;		/* after the generic header */
	size_t len;			/* of the body */
};

struct ike_chain {
	unsigned int n;
	struct ike_payload pl[IKE_MAX_PAYLOADS];
};

struct ike_msg {
	struct ike_hdr hdr;
	const uint8_t *buf;		/* the datagram parsed (non-ESP marker removed) */
	size_t len;
	struct ike_chain chain;		/* every payload in clear, SK or SKF last */
	bool has_sk;
	struct ike_payload sk;		/* copy of the last entry when has_sk */
	uint16_t frag_num;		/* SKF only: 1 .. frag_total */
	uint16_t frag_total;
};

/*
 * Where the parts of an SK or SKF payload lie, as offsets from the start of
 * the message (buf[0] is the first byte of the IKE header):
 *
 *   0           aad_len   iv_off+iv_len = pt_off        icv_off     total
 *   | IKE header | SK hdr |      IV      | inner payloads|pad|padlen| ICV |
 *   |<------- AAD ------->|              |<------- pt_len ------->|
 *                         ^ iv_off        |<- inner_len ->|
 *
 * AAD is the IKE header through the SK generic header (for SKF through the
 * Fragment Number and Total Fragments fields too).  The encrypted range is
 * [pt_off, pt_off + pt_len): inner payloads, padding, the pad length octet.
 * AEAD (RFC 5282, RFC 7634): nonce = salt | IV, AAD as above, tag = ICV.
 * Encrypt-then-MAC (CBC + HMAC): the ICV covers [0, icv_off), i.e. the AAD,
 * the IV and the ciphertext.  Every length field in the message (header
 * length, SK payload length, pad length) is final before the crypto layer
 * runs, so it encrypts and authenticates in place without moving a byte.
 */
struct ike_sk_layout {
	size_t aad_len;
	size_t iv_off;
	size_t iv_len;
	size_t pt_off;
	size_t pt_len;
	size_t inner_len;		/* pt_len - padding - 1; unknown (0) until unpadded */
	size_t icv_off;
	size_t icv_len;
	size_t total;			/* icv_off + icv_len: the message length */
};

/*
 * A bounded writer over a caller's buffer.  Errors are sticky: the first
 * one (-ENOSPC: the buffer is too small; -EMSGSIZE: a payload would exceed
 * 65535 octets; -EINVAL: misuse, e.g. a payload after the SK payload) stops
 * all later writes and is what every later call returns.  Nothing is ever
 * written outside [buf, buf + cap).  Fields are private to ike_msg.c and
 * the per-payload encoders.
 */
struct ike_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	size_t np_off;			/* Next Payload octet the next payload patches */
	size_t sk_off;			/* generic header of the open SK payload */
	size_t sk_iv_len;
	int state;
	int err;
};

/* ---- big-endian access, shared with the payload codecs ---- */

static inline uint16_t ike_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t ike_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void ike_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void ike_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- parsing ---- */

/*
 * Decodes and checks the fixed header: at least IKE_HDR_LEN octets, major
 * version 2 (else IKE_PARSE_BAD_VERSION, with *h filled in), Length field
 * equal to len.  The minor version, reserved flag bits and exchange type
 * are not judged here.
 */
enum ike_parse_result ike_hdr_parse(const uint8_t *buf, size_t len, struct ike_hdr *h);

/* Writes h (its length field as given) as the 28-octet wire header. */
void ike_hdr_write(uint8_t *out, const struct ike_hdr *h);

/*
 * Parses a whole IKE message: header, then the payload chain, which must
 * end exactly at the end of the message.  An SK (46) or SKF (53) payload
 * ends the walk and must extend to the end of the message; its Next
 * Payload field is the type of the first inner payload.  An SKF body must
 * hold its two fragment fields with 1 <= frag_num <= frag_total.
 * crit_type may be NULL.  On an error m is only partly filled in.
 */
enum ike_parse_result ike_msg_parse(const uint8_t *buf, size_t len, struct ike_msg *m,
				    uint8_t *crit_type);

/*
 * Parses a chain that starts with a payload of type first and fills len
 * exactly: the decrypted content of an SK payload.  An SK or SKF payload
 * inside it is a syntax error.
 */
enum ike_parse_result ike_chain_parse(uint8_t first, const uint8_t *buf, size_t len,
				      struct ike_chain *c, uint8_t *crit_type);

/* Index of the first payload of type at or after index from, or -1. */
int ike_chain_find(const struct ike_chain *c, uint8_t type, unsigned int from);

/*
 * Lays out a parsed message's SK or SKF payload for an algorithm with the
 * given IV and ICV lengths.  IKE_PARSE_SYNTAX if the message has none or it
 * cannot hold IV, ICV and at least the pad length octet.
 */
enum ike_parse_result ike_sk_split(const struct ike_msg *m, size_t iv_len, size_t icv_len,
				   struct ike_sk_layout *l);

/*
 * After decryption in place, reads the pad length octet at the end of the
 * plaintext (msg + l->pt_off) and sets l->inner_len.  The padding octets'
 * values are not checked (RFC 7296 3.14: any value).
 */
enum ike_parse_result ike_sk_unpad(const uint8_t *msg, struct ike_sk_layout *l);

/* ---- building ---- */

/* Starts a message: writes hdr (its next_payload and length are computed). */
void ike_build_begin(struct ike_builder *b, uint8_t *buf, size_t cap, const struct ike_hdr *hdr);

/* 0 or the sticky error. */
int ike_build_error(const struct ike_builder *b);

/* Makes err (negative errno) the sticky error unless one is set; returns it. */
int ike_build_fail(struct ike_builder *b, int err);

/*
 * A payload's generic header: patches the previous payload's (or the IKE
 * header's, or the SK payload's) Next Payload octet with type, writes its
 * own as NONE.  Returns the header's offset, to hand to ike_build_payload_end,
 * which patches its Payload Length.
 */
size_t ike_build_payload_begin(struct ike_builder *b, uint8_t type, bool critical);
void ike_build_payload_end(struct ike_builder *b, size_t hdr_off);

/* Body writers for the payload encoders. */
void ike_build_put(struct ike_builder *b, const void *data, size_t len);
void ike_build_u8(struct ike_builder *b, uint8_t v);
void ike_build_u16(struct ike_builder *b, uint16_t v);
void ike_build_u32(struct ike_builder *b, uint32_t v);
void ike_build_zero(struct ike_builder *b, size_t len);
/* Writes (current length - start) as 16 bits at off: a substructure length. */
void ike_build_len16(struct ike_builder *b, size_t off, size_t start);

/* A payload whose body is opaque to the codec (Vendor ID, EAP, tests). */
int ike_build_raw(struct ike_builder *b, uint8_t type, bool critical, const void *body,
		  size_t len);

/*
 * Opens the SK payload: its generic header, then iv_len zeroed octets for
 * the IV.  The payloads built until ike_build_sk_end are the inner chain
 * (the first one patches the SK payload's Next Payload).
 */
int ike_build_sk_begin(struct ike_builder *b, size_t iv_len);

/*
 * Closes it: pads the plaintext (zero octets, then the pad length octet) to
 * a multiple of block (1 for AEAD ciphers, which need no padding; 16 for
 * AES-CBC), reserves icv_len zeroed octets, patches the SK payload length
 * and the header length, and describes the result in *l.  No payload may
 * follow; ike_build_finish may still be called and reports the length.
 */
int ike_build_sk_end(struct ike_builder *b, size_t block, size_t icv_len,
		     struct ike_sk_layout *l);

/*
 * The other way to close the SK payload, for a crypto layer that pads,
 * writes the IV and ICV and patches the lengths itself (ike_sk_encrypt in
 * ike_sk.h): leaves the SK payload as it is (header, IV room, inner
 * payloads; the SK header's Next Payload already names the first inner
 * payload) and reports the offset of its generic header and the number of
 * plaintext octets after the IV.  No payload may follow, and
 * ike_build_finish must not be called: the crypto layer owns the lengths.
 */
int ike_build_sk_detach(struct ike_builder *b, size_t *sk_off, size_t *plain_len);

/* Patches the header length; *len (may be NULL) is the message length. */
int ike_build_finish(struct ike_builder *b, size_t *len);

#endif /* XDPSEC_IKE_MSG_H */

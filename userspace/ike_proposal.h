/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IKEv2 proposals (RFC 7296 3.3): strongSwan's keyword syntax to transform
 * lists and back, and the choice a responder makes among a peer's
 * proposals (RFC 7296 2.7).
 *
 *	proposals = aes128gcm16-aes256gcm16-prfsha256-x25519-ecp256, aes256-sha256-modp3072
 *	esp_proposals = aes128gcm16-x25519, aes128-sha256-esn-noesn
 *
 * Dashes join the algorithms of one proposal (several of a type are
 * alternatives), commas separate proposals, "default" stands for
 * IKE_PROP_DEFAULT_IKE / IKE_PROP_DEFAULT_ESP.  Only algorithms xdpsec
 * implements are known; anything else (3des, sha1, modp1024, ccm...) is an
 * error naming the keyword, never silently dropped.  As in strongSwan, a
 * non-AEAD IKE proposal without a PRF gets the PRFs of its integrity
 * algorithms, an ESP proposal without esn/noesn means noesn, PRFs in an ESP
 * proposal are dropped, and AEAD and non-AEAD ciphers may not share a
 * proposal.  Stricter than strongSwan: an AEAD proposal with an integrity
 * algorithm is an error (strongSwan strips it), and so is a non-AEAD ESP
 * proposal without one or with one the data plane lacks (only sha256).
 *
 * Our configured proposals and the peer's share one structure; a peer's
 * is copied field by field from the codec's struct ike_pl_proposal.
 * Selection walks OUR proposals in order and, for each, the peer's in
 * order: the first pair that agrees on every transform type wins, and
 * within a type our order decides.  The result holds exactly one
 * transform per negotiated type.
 */
#ifndef XDPSEC_IKE_PROPOSAL_H
#define XDPSEC_IKE_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp.h"
#include "ike_wire.h"

enum {
	IKE_PROP_MAX_TRANSFORMS = 64,	/* per proposal, ours or a peer's */
	IKE_PROP_MAX_PROPOSALS = 32,	/* per configured list */
	IKE_PROP_SPI_MAX = 8,		/* IKE SPI; ESP's is 4 */
	IKE_PROP_STR_MAX = 1024,	/* a formatted proposal fits */
};

#define IKE_PROP_DEFAULT_IKE \
	"aes128gcm16-aes256gcm16-chacha20poly1305-prfsha256-prfsha384-prfsha512-" \
	"x25519-ecp256-ecp384-ecp521-modp3072, " \
	"aes128-aes256-sha256-sha384-sha512-x25519-ecp256-ecp384-ecp521-modp3072"
#define IKE_PROP_DEFAULT_ESP "aes128gcm16-aes256gcm16-chacha20poly1305, aes128-aes256-sha256"

struct ike_transform {
	uint8_t type;		/* enum ike_transform_type */
	uint16_t id;
	uint16_t keylen;	/* bits; 0 = no Key Length attribute */
	/* A peer's transform with an attribute we do not understand (the
	 * codec's ike_pl_transform.unacceptable): never chosen, but its type
	 * counts as offered (RFC 7296 3.3.6). */
	bool unacceptable;
};

/*
 * One proposal.  Configured ones have num = position + 1 and no SPI; a
 * peer's is a field-by-field copy of the codec's struct ike_pl_proposal
 * (num, proto, SPI, and every transform in wire order with its type, id,
 * key length and unacceptable flag, types we do not know included, so that
 * selection can refuse the proposal as RFC 7296 3.3.6 asks).
 */
struct ike_proposal {
	uint8_t num;
	uint8_t protocol;	/* IKE_PROTO_IKE or IKE_PROTO_ESP */
	uint8_t spi_size;
	uint8_t spi[IKE_PROP_SPI_MAX];
	unsigned int n;
	struct ike_transform t[IKE_PROP_MAX_TRANSFORMS];
};

struct ike_prop_list {
	uint8_t protocol;
	unsigned int n;
	struct ike_proposal *v;
};

/*
 * Parses a proposal string for protocol (IKE_PROTO_IKE or IKE_PROTO_ESP)
 * into out (free with ike_prop_list_free).  0, or -EINVAL / -ENOMEM with
 * the reason in err ("'modp1024' is not supported: weak or unknown
 * algorithm"); out is untouched on error.
 */
int ike_prop_parse(const char *text, uint8_t protocol, struct ike_prop_list *out, char *err,
		   size_t errlen);
void ike_prop_list_free(struct ike_prop_list *l);
/* A deep copy; 0 or -ENOMEM. */
int ike_prop_list_copy(const struct ike_prop_list *src, struct ike_prop_list *dst);

enum ike_prop_select_flags {
	/* IKE_AUTH's Child SA: its keys come from the IKE SA, so DH
	 * transforms are ignored on both sides and none is chosen. */
	IKE_PROP_SKIP_DH = 1 << 0,
};

struct ike_prop_chosen {
	struct ike_proposal prop;	/* num and SPI are the peer's */
	unsigned int ours;		/* index into our list */
	unsigned int peer;		/* index into the peer's proposals */
};

/*
 * RFC 7296 2.7: the first of our proposals, in order, that one of the
 * peer's proposals can satisfy.  A peer proposal of another protocol, or
 * with a transform type that does not belong to its protocol (types 6 and
 * up included), is skipped.  Key lengths must match exactly.  ESN: what
 * we configured (noesn unless told), first match in our order; a peer ESP
 * proposal without an ESN transform counts as offering "no".  INTEG and
 * DH NONE are accepted where optional and never appear in the result.
 * 0, or -ENOENT when nothing matches (NO_PROPOSAL_CHOSEN).
 */
int ike_prop_select(const struct ike_prop_list *ours, const struct ike_proposal *peer,
		    unsigned int n_peer, unsigned int flags, struct ike_prop_chosen *out);

/*
 * The initiator's check of a response: reply must carry one proposal with
 * at most one transform per type, all of them from one of ours.  0 with
 * *out filled, or -EINVAL.
 */
int ike_prop_verify_reply(const struct ike_prop_list *ours, const struct ike_proposal *reply,
			  unsigned int flags, struct ike_prop_chosen *out);

/*
 * The peer's KE payload used group; may we keep it?  True if both our
 * matched proposal and the peer's chosen one contain it, and then the
 * chosen DH becomes group.  False: answer INVALID_KE_PAYLOAD with
 * ike_prop_retry_group().
 */
bool ike_prop_accept_ke(const struct ike_prop_list *ours, const struct ike_proposal *peer,
			unsigned int n_peer, struct ike_prop_chosen *c, uint16_t group);
/* The group for INVALID_KE_PAYLOAD: the chosen one (ours first, that the peer offered). */
uint16_t ike_prop_retry_group(const struct ike_prop_chosen *c);
/* The group an initiator's first KE uses: our first proposal's first DH; 0 if none. */
uint16_t ike_prop_first_dh(const struct ike_prop_list *l);
/* Does any of our proposals contain this group (an INVALID_KE_PAYLOAD we can follow)? */
bool ike_prop_list_has(const struct ike_prop_list *l, uint8_t type, uint16_t id);

/* The first transform of type in p; false if none. */
bool ike_prop_get(const struct ike_proposal *p, uint8_t type, struct ike_transform *out);
bool ike_prop_encr_is_aead(uint16_t encr_id);

/*
 * The data-plane algorithm of a chosen ESP proposal (AES-GCM-16 128/256,
 * ChaCha20-Poly1305, AES-CBC 128/256 with HMAC-SHA2-256-128) and its ESN
 * setting.  0 or -EOPNOTSUPP.
 */
int ike_prop_esp_alg(const struct ike_proposal *chosen, enum esp_alg *alg, bool *esn);

enum ike_prop_style {
	IKE_PROP_NAMES,		/* "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519" */
	IKE_PROP_KEYWORDS,	/* "aes128gcm16-prfsha256-x25519" */
};

/*
 * Formats p, transforms in strongSwan's order (ENCR, INTEG, PRF, DH, ESN).
 * Keywords omit NONE transforms and the implicit noesn, so parsing the
 * result gives p back.  Truncates to fit; returns buf.
 */
const char *ike_prop_format(const struct ike_proposal *p, enum ike_prop_style style, char *buf,
			    size_t len);
/* All of l: "IKE:AES_GCM_16_128/..., IKE:..." for names, "a-b, c-d" for keywords. */
const char *ike_prop_list_format(const struct ike_prop_list *l, enum ike_prop_style style,
				 char *buf, size_t len);

#endif /* XDPSEC_IKE_PROPOSAL_H */

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Proposal keywords <-> transform lists, the responder's selection and the
 * initiator's check of the answer.  One keyword table serves parsing and
 * the keyword style of formatting; a separate name table (wider: it also
 * names what peers offer and we refuse) serves strongSwan's log style.
 */
#include "ike_proposal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct keyword {
	const char *name;
	uint8_t type;
	uint16_t id;
	uint16_t keylen;
};

/* The first name of an algorithm is the one formatting uses. */
static const struct keyword keywords[] = {
	{ "aes128gcm16", IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 128 },
	{ "aes128gcm128", IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 128 },
	{ "aes128gcm", IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 128 },
	{ "aes256gcm16", IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256 },
	{ "aes256gcm128", IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256 },
	{ "aes256gcm", IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256 },
	{ "chacha20poly1305", IKE_TRANS_ENCR, IKE_ENCR_CHACHA20_POLY1305, 0 },
	{ "aes128", IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 128 },
	{ "aes", IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 128 },
	{ "aes256", IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 256 },
	{ "sha256", IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0 },
	{ "sha2_256", IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0 },
	{ "sha384", IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0 },
	{ "sha2_384", IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0 },
	{ "sha512", IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0 },
	{ "sha2_512", IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0 },
	{ "prfsha256", IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_256, 0 },
	{ "prfsha384", IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_384, 0 },
	{ "prfsha512", IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_512, 0 },
	{ "x25519", IKE_TRANS_DH, IKE_DH_CURVE25519, 0 },
	{ "curve25519", IKE_TRANS_DH, IKE_DH_CURVE25519, 0 },
	{ "ecp256", IKE_TRANS_DH, IKE_DH_ECP_256, 0 },
	{ "ecp384", IKE_TRANS_DH, IKE_DH_ECP_384, 0 },
	{ "ecp521", IKE_TRANS_DH, IKE_DH_ECP_521, 0 },
	{ "modp2048", IKE_TRANS_DH, IKE_DH_MODP_2048, 0 },
	{ "modp3072", IKE_TRANS_DH, IKE_DH_MODP_3072, 0 },
	{ "esn", IKE_TRANS_ESN, IKE_ESN_YES, 0 },
	{ "noesn", IKE_TRANS_ESN, IKE_ESN_NO, 0 },
};

struct alg_name {
	uint8_t type;
	uint16_t id;
	const char *name;
};

/* strongSwan's names; a key length is appended as "_128". */
static const struct alg_name names[] = {
	{ IKE_TRANS_ENCR, 3, "3DES_CBC" },
	{ IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, "AES_CBC" },
	{ IKE_TRANS_ENCR, 13, "AES_CTR" },
	{ IKE_TRANS_ENCR, 14, "AES_CCM_8" },
	{ IKE_TRANS_ENCR, 16, "AES_CCM_16" },
	{ IKE_TRANS_ENCR, 18, "AES_GCM_8" },
	{ IKE_TRANS_ENCR, 19, "AES_GCM_12" },
	{ IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, "AES_GCM_16" },
	{ IKE_TRANS_ENCR, IKE_ENCR_CHACHA20_POLY1305, "CHACHA20_POLY1305" },
	{ IKE_TRANS_INTEG, IKE_INTEG_NONE, "NONE" },
	{ IKE_TRANS_INTEG, 1, "HMAC_MD5_96" },
	{ IKE_TRANS_INTEG, 2, "HMAC_SHA1_96" },
	{ IKE_TRANS_INTEG, 5, "AES_XCBC_96" },
	{ IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_256_128, "HMAC_SHA2_256_128" },
	{ IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_384_192, "HMAC_SHA2_384_192" },
	{ IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_512_256, "HMAC_SHA2_512_256" },
	{ IKE_TRANS_PRF, 1, "PRF_HMAC_MD5" },
	{ IKE_TRANS_PRF, 2, "PRF_HMAC_SHA1" },
	{ IKE_TRANS_PRF, 4, "PRF_AES128_XCBC" },
	{ IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_256, "PRF_HMAC_SHA2_256" },
	{ IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_384, "PRF_HMAC_SHA2_384" },
	{ IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_512, "PRF_HMAC_SHA2_512" },
	{ IKE_TRANS_DH, IKE_DH_NONE, "MODP_NONE" },
	{ IKE_TRANS_DH, 1, "MODP_768" },
	{ IKE_TRANS_DH, 2, "MODP_1024" },
	{ IKE_TRANS_DH, 5, "MODP_1536" },
	{ IKE_TRANS_DH, IKE_DH_MODP_2048, "MODP_2048" },
	{ IKE_TRANS_DH, IKE_DH_MODP_3072, "MODP_3072" },
	{ IKE_TRANS_DH, 16, "MODP_4096" },
	{ IKE_TRANS_DH, 17, "MODP_6144" },
	{ IKE_TRANS_DH, 18, "MODP_8192" },
	{ IKE_TRANS_DH, IKE_DH_ECP_256, "ECP_256" },
	{ IKE_TRANS_DH, IKE_DH_ECP_384, "ECP_384" },
	{ IKE_TRANS_DH, IKE_DH_ECP_521, "ECP_521" },
	{ IKE_TRANS_DH, IKE_DH_CURVE25519, "CURVE_25519" },
	{ IKE_TRANS_DH, 32, "CURVE_448" },
	{ IKE_TRANS_ESN, IKE_ESN_NO, "NO_EXT_SEQ" },
	{ IKE_TRANS_ESN, IKE_ESN_YES, "EXT_SEQ" },
};

/* strongSwan's order of transform types in proposals and output. */
static const uint8_t type_order[] = {
	IKE_TRANS_ENCR, IKE_TRANS_INTEG, IKE_TRANS_PRF, IKE_TRANS_DH, IKE_TRANS_ESN,
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const struct keyword *keyword_find(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keywords); i++)
		if (strlen(keywords[i].name) == len && !strncasecmp(keywords[i].name, s, len))
			return &keywords[i];
	return NULL;
}

static const struct keyword *keyword_of(const struct ike_transform *t)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keywords); i++)
		if (keywords[i].type == t->type && keywords[i].id == t->id &&
		    keywords[i].keylen == t->keylen)
			return &keywords[i];
	return NULL;
}

bool ike_prop_encr_is_aead(uint16_t encr_id)
{
	return encr_id == IKE_ENCR_AES_GCM_16 || encr_id == IKE_ENCR_CHACHA20_POLY1305 ||
	       (encr_id >= 14 && encr_id <= 19);	/* CCM and the short GCMs */
}

static bool has_type(const struct ike_proposal *p, uint8_t type)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (p->t[i].type == type)
			return true;
	return false;
}

/* Counts acceptable transforms only; has_type() counts every one. */
static bool offers(const struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (p->t[i].type == type && p->t[i].id == id && p->t[i].keylen == keylen &&
		    !p->t[i].unacceptable)
			return true;
	return false;
}

bool ike_prop_get(const struct ike_proposal *p, uint8_t type, struct ike_transform *out)
{
	unsigned int i;

	for (i = 0; i < p->n; i++) {
		if (p->t[i].type == type) {
			*out = p->t[i];
			return true;
		}
	}
	return false;
}

static int add_transform(struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	if (offers(p, type, id, keylen))
		return 0;
	if (p->n == IKE_PROP_MAX_TRANSFORMS)
		return -E2BIG;
	p->t[p->n++] = (struct ike_transform){ .type = type, .id = id, .keylen = keylen };
	return 0;
}

static unsigned int type_rank(uint8_t type)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(type_order); i++)
		if (type_order[i] == type)
			return i;
	return ARRAY_SIZE(type_order);
}

/* Stable: algorithms of one type keep the order they were written in. */
static void sort_by_type(struct ike_proposal *p)
{
	struct ike_transform t;
	unsigned int i, j;

	for (i = 1; i < p->n; i++) {
		t = p->t[i];
		for (j = i; j > 0 && type_rank(p->t[j - 1].type) > type_rank(t.type); j--)
			p->t[j] = p->t[j - 1];
		p->t[j] = t;
	}
}

/* ---- parsing ------------------------------------------------------------ */

static const char *first_keyword(const struct ike_proposal *p, uint8_t type)
{
	struct ike_transform t;
	const struct keyword *kw;

	if (!ike_prop_get(p, type, &t))
		return "?";
	kw = keyword_of(&t);
	return kw ? kw->name : "?";
}

/* Classic (non-AEAD) and AEAD ciphers never share a proposal. */
static int check_encr(const struct ike_proposal *p, const char *text, bool *aead, char *err,
		      size_t errlen)
{
	unsigned int i, n_aead = 0, n_classic = 0;

	for (i = 0; i < p->n; i++) {
		if (p->t[i].type != IKE_TRANS_ENCR)
			continue;
		if (ike_prop_encr_is_aead(p->t[i].id))
			n_aead++;
		else
			n_classic++;
	}
	if (!n_aead && !n_classic) {
		seterr(err, errlen, "'%s': an encryption algorithm is required", text);
		return -EINVAL;
	}
	if (n_aead && n_classic) {
		seterr(err, errlen, "'%s': AEAD and non-AEAD encryption algorithms cannot share a "
		       "proposal (separate them with a comma)", text);
		return -EINVAL;
	}
	*aead = n_aead > 0;
	return 0;
}

static int check_integ(const struct ike_proposal *p, const char *text, bool aead, char *err,
		       size_t errlen)
{
	unsigned int i;

	if (aead && has_type(p, IKE_TRANS_INTEG)) {
		seterr(err, errlen, "'%s': AEAD algorithm '%s' takes no integrity algorithm "
		       "(remove '%s')", text, first_keyword(p, IKE_TRANS_ENCR),
		       first_keyword(p, IKE_TRANS_INTEG));
		return -EINVAL;
	}
	if (!aead && !has_type(p, IKE_TRANS_INTEG)) {
		seterr(err, errlen, "'%s': '%s' needs an integrity algorithm (e.g. sha256)", text,
		       first_keyword(p, IKE_TRANS_ENCR));
		return -EINVAL;
	}
	for (i = 0; p->protocol == IKE_PROTO_ESP && i < p->n; i++) {
		if (p->t[i].type == IKE_TRANS_INTEG && p->t[i].id != IKE_INTEG_HMAC_SHA2_256_128) {
			seterr(err, errlen, "'%s' is not supported in ESP proposals: the data "
			       "plane does HMAC-SHA2-256-128 (sha256) only",
			       keyword_of(&p->t[i])->name);
			return -EINVAL;
		}
	}
	return 0;
}

/* strongSwan: without a PRF, a non-AEAD IKE proposal uses its integrity algorithms' PRFs. */
static int derive_prf(struct ike_proposal *p, bool aead, const char *text, char *err,
		      size_t errlen)
{
	static const uint16_t prf_of[][2] = {
		{ IKE_INTEG_HMAC_SHA2_256_128, IKE_PRF_HMAC_SHA2_256 },
		{ IKE_INTEG_HMAC_SHA2_384_192, IKE_PRF_HMAC_SHA2_384 },
		{ IKE_INTEG_HMAC_SHA2_512_256, IKE_PRF_HMAC_SHA2_512 },
	};
	unsigned int i, n = p->n;
	size_t j;

	if (has_type(p, IKE_TRANS_PRF))
		return 0;
	if (aead) {
		seterr(err, errlen, "'%s': AEAD IKE proposals need a PRF (e.g. prfsha256)", text);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < ARRAY_SIZE(prf_of); j++) {
			if (p->t[i].type == IKE_TRANS_INTEG && p->t[i].id == prf_of[j][0] &&
			    add_transform(p, IKE_TRANS_PRF, prf_of[j][1], 0))
				return -E2BIG;
		}
	}
	return 0;
}

static int check_proposal(struct ike_proposal *p, const char *text, char *err, size_t errlen)
{
	bool aead;
	int ret;

	ret = check_encr(p, text, &aead, err, errlen);
	ret = ret ?: check_integ(p, text, aead, err, errlen);
	if (ret)
		return ret;
	if (p->protocol == IKE_PROTO_ESP && has_type(p, IKE_TRANS_ESN))
		return 0;
	if (p->protocol == IKE_PROTO_ESP)	/* strongSwan: noesn unless told */
		return add_transform(p, IKE_TRANS_ESN, IKE_ESN_NO, 0);
	ret = derive_prf(p, aead, text, err, errlen);
	if (ret)
		return ret;
	if (!has_type(p, IKE_TRANS_DH)) {
		seterr(err, errlen, "'%s': IKE proposals need a DH group (e.g. x25519)", text);
		return -EINVAL;
	}
	return 0;
}

static int add_keyword(struct ike_proposal *p, const char *tok, size_t len, const char *text,
		       char *err, size_t errlen)
{
	const struct keyword *kw = keyword_find(tok, len);

	if (!len) {
		seterr(err, errlen, "'%s': empty algorithm name", text);
		return -EINVAL;
	}
	if (!kw) {
		seterr(err, errlen, "'%.*s' is not supported: weak or unknown algorithm", (int)len,
		       tok);
		return -EINVAL;
	}
	if (kw->type == IKE_TRANS_ESN && p->protocol != IKE_PROTO_ESP) {
		seterr(err, errlen, "'%s' is only valid in ESP proposals", kw->name);
		return -EINVAL;
	}
	if (kw->type == IKE_TRANS_PRF && p->protocol == IKE_PROTO_ESP)
		return 0;	/* as strongSwan: ESP has no PRF, drop it */
	if (add_transform(p, kw->type, kw->id, kw->keylen)) {
		seterr(err, errlen, "'%s': too many algorithms", text);
		return -EINVAL;
	}
	return 0;
}

/* One proposal: keywords joined by '-'. */
static int parse_one(const char *text, uint8_t protocol, struct ike_proposal *p, char *err,
		     size_t errlen)
{
	const char *tok = text, *dash;
	int ret;

	memset(p, 0, sizeof(*p));
	p->protocol = protocol;
	for (;;) {
		dash = strchr(tok, '-');
		ret = add_keyword(p, tok, dash ? (size_t)(dash - tok) : strlen(tok), text, err,
				  errlen);
		if (ret)
			return ret;
		if (!dash)
			break;
		tok = dash + 1;
	}
	ret = check_proposal(p, text, err, errlen);
	if (ret)
		return ret;
	sort_by_type(p);
	return 0;
}

/* Copies s[0..len) without surrounding blanks into buf. */
static int trim_copy(const char *s, size_t len, char *buf, size_t buflen)
{
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= buflen)
		return -E2BIG;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

static int parse_into(const char *text, uint8_t protocol, struct ike_proposal *v,
		      unsigned int *n, bool allow_default, char *err, size_t errlen);

/* One comma-separated element: a proposal or "default". */
static int parse_element(const char *one, uint8_t protocol, struct ike_proposal *v,
			 unsigned int *n, bool allow_default, char *err, size_t errlen)
{
	const char *def = protocol == IKE_PROTO_IKE ? IKE_PROP_DEFAULT_IKE : IKE_PROP_DEFAULT_ESP;

	if (!*one) {
		seterr(err, errlen, "empty proposal");
		return -EINVAL;
	}
	if (allow_default && !strcasecmp(one, "default"))
		return parse_into(def, protocol, v, n, false, err, errlen);
	if (*n == IKE_PROP_MAX_PROPOSALS) {
		seterr(err, errlen, "more than %d proposals", IKE_PROP_MAX_PROPOSALS);
		return -EINVAL;
	}
	if (parse_one(one, protocol, &v[*n], err, errlen))
		return -EINVAL;
	v[*n].num = (uint8_t)(*n + 1);
	(*n)++;
	return 0;
}

static int parse_into(const char *text, uint8_t protocol, struct ike_proposal *v,
		      unsigned int *n, bool allow_default, char *err, size_t errlen)
{
	char one[IKE_PROP_STR_MAX];
	const char *s = text, *comma;
	size_t len;
	int ret;

	for (;;) {
		comma = strchr(s, ',');
		len = comma ? (size_t)(comma - s) : strlen(s);
		if (trim_copy(s, len, one, sizeof(one))) {
			seterr(err, errlen, "proposal too long");
			return -EINVAL;
		}
		ret = parse_element(one, protocol, v, n, allow_default, err, errlen);
		if (ret)
			return ret;
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

int ike_prop_parse(const char *text, uint8_t protocol, struct ike_prop_list *out, char *err,
		   size_t errlen)
{
	struct ike_proposal *v, *shrunk;
	unsigned int n = 0;
	int ret;

	if (protocol != IKE_PROTO_IKE && protocol != IKE_PROTO_ESP) {
		seterr(err, errlen, "proposals for protocol %u are not supported", protocol);
		return -EINVAL;
	}
	v = calloc(IKE_PROP_MAX_PROPOSALS, sizeof(*v));
	if (!v) {
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = parse_into(text, protocol, v, &n, true, err, errlen);
	if (ret) {
		free(v);
		return ret;
	}
	shrunk = realloc(v, n * sizeof(*v));
	out->protocol = protocol;
	out->n = n;
	out->v = shrunk ?: v;
	return 0;
}

void ike_prop_list_free(struct ike_prop_list *l)
{
	if (!l)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int ike_prop_list_copy(const struct ike_prop_list *src, struct ike_prop_list *dst)
{
	struct ike_proposal *v = calloc(src->n ?: 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	memcpy(v, src->v, src->n * sizeof(*v));
	dst->protocol = src->protocol;
	dst->n = src->n;
	dst->v = v;
	return 0;
}

/* ---- selection ---------------------------------------------------------- */

static bool type_valid(uint8_t protocol, uint8_t type)
{
	switch (type) {
	case IKE_TRANS_ENCR:
	case IKE_TRANS_INTEG:
	case IKE_TRANS_DH:
		return true;
	case IKE_TRANS_PRF:
		return protocol == IKE_PROTO_IKE;
	case IKE_TRANS_ESN:
		return protocol == IKE_PROTO_ESP;
	default:
		return false;
	}
}

/* RFC 7296 3.3.6: a proposal with a transform type we do not know is refused whole. */
static bool peer_usable(const struct ike_proposal *ours, const struct ike_proposal *peer)
{
	unsigned int i;

	if (peer->protocol != ours->protocol || peer->spi_size > IKE_PROP_SPI_MAX ||
	    peer->n > IKE_PROP_MAX_TRANSFORMS)
		return false;
	for (i = 0; i < peer->n; i++)
		if (!type_valid(peer->protocol, peer->t[i].type))
			return false;
	return true;
}

/* Our first transform of type that the peer also offers, added to out. */
static bool pick(const struct ike_proposal *ours, const struct ike_proposal *peer, uint8_t type,
		 struct ike_proposal *out)
{
	const struct ike_transform *t;
	unsigned int i;

	for (i = 0; i < ours->n; i++) {
		t = &ours->t[i];
		if (t->type == type && offers(peer, type, t->id, t->keylen)) {
			out->t[out->n++] = *t;
			return true;
		}
	}
	return false;
}

static bool pick_dh(const struct ike_proposal *ours, const struct ike_proposal *peer,
		    unsigned int flags, struct ike_proposal *out)
{
	if (ours->protocol == IKE_PROTO_ESP && (flags & IKE_PROP_SKIP_DH))
		return true;
	if (has_type(ours, IKE_TRANS_DH))
		return pick(ours, peer, IKE_TRANS_DH, out);
	/* No PFS configured: fine unless the peer insists on a group. */
	return !has_type(peer, IKE_TRANS_DH) || offers(peer, IKE_TRANS_DH, IKE_DH_NONE, 0);
}

static bool pick_esn(const struct ike_proposal *ours, const struct ike_proposal *peer,
		     struct ike_proposal *out)
{
	if (!has_type(peer, IKE_TRANS_ESN))
		return offers(ours, IKE_TRANS_ESN, IKE_ESN_NO, 0);
	return pick(ours, peer, IKE_TRANS_ESN, out);
}

static bool match_one(const struct ike_proposal *ours, const struct ike_proposal *peer,
		      unsigned int flags, struct ike_proposal *out)
{
	struct ike_transform encr;

	if (!peer_usable(ours, peer))
		return false;
	memset(out, 0, sizeof(*out));
	out->num = peer->num;
	out->protocol = peer->protocol;
	out->spi_size = peer->spi_size;
	memcpy(out->spi, peer->spi, peer->spi_size);
	if (!pick(ours, peer, IKE_TRANS_ENCR, out))
		return false;
	encr = out->t[0];
	if (!ike_prop_encr_is_aead(encr.id) && !pick(ours, peer, IKE_TRANS_INTEG, out))
		return false;
	if (ours->protocol == IKE_PROTO_IKE && !pick(ours, peer, IKE_TRANS_PRF, out))
		return false;
	if (!pick_dh(ours, peer, flags, out))
		return false;
	return ours->protocol != IKE_PROTO_ESP || pick_esn(ours, peer, out);
}

int ike_prop_select(const struct ike_prop_list *ours, const struct ike_proposal *peer,
		    unsigned int n_peer, unsigned int flags, struct ike_prop_chosen *out)
{
	unsigned int i, j;

	for (i = 0; i < ours->n; i++) {
		for (j = 0; j < n_peer; j++) {
			if (match_one(&ours->v[i], &peer[j], flags, &out->prop)) {
				out->ours = i;
				out->peer = j;
				return 0;
			}
		}
	}
	return -ENOENT;
}

/* At most one transform per type, and each one of ours (or NONE). */
static bool reply_well_formed(const struct ike_proposal *ours, const struct ike_proposal *r)
{
	unsigned int i, j;

	for (i = 0; i < r->n; i++) {
		for (j = 0; j < i; j++)
			if (r->t[j].type == r->t[i].type)
				return false;
		if (r->t[i].unacceptable)
			return false;
		if (!offers(ours, r->t[i].type, r->t[i].id, r->t[i].keylen) &&
		    !(r->t[i].id == 0 && (r->t[i].type == IKE_TRANS_INTEG ||
					  r->t[i].type == IKE_TRANS_DH)))
			return false;
	}
	return true;
}

int ike_prop_verify_reply(const struct ike_prop_list *ours, const struct ike_proposal *reply,
			  unsigned int flags, struct ike_prop_chosen *out)
{
	struct ike_prop_chosen c;

	if (ike_prop_select(ours, reply, 1, flags, &c))
		return -EINVAL;
	if (!reply_well_formed(&ours->v[c.ours], reply))
		return -EINVAL;
	*out = c;
	return 0;
}

bool ike_prop_accept_ke(const struct ike_prop_list *ours, const struct ike_proposal *peer,
			unsigned int n_peer, struct ike_prop_chosen *c, uint16_t group)
{
	unsigned int i;

	if (c->ours >= ours->n || c->peer >= n_peer || group == IKE_DH_NONE)
		return false;
	if (!offers(&ours->v[c->ours], IKE_TRANS_DH, group, 0) ||
	    !offers(&peer[c->peer], IKE_TRANS_DH, group, 0))
		return false;
	for (i = 0; i < c->prop.n; i++)
		if (c->prop.t[i].type == IKE_TRANS_DH)
			c->prop.t[i].id = group;
	return true;
}

uint16_t ike_prop_retry_group(const struct ike_prop_chosen *c)
{
	struct ike_transform t;

	return ike_prop_get(&c->prop, IKE_TRANS_DH, &t) ? t.id : IKE_DH_NONE;
}

uint16_t ike_prop_first_dh(const struct ike_prop_list *l)
{
	struct ike_transform t;
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (ike_prop_get(&l->v[i], IKE_TRANS_DH, &t))
			return t.id;
	return IKE_DH_NONE;
}

bool ike_prop_list_has(const struct ike_prop_list *l, uint8_t type, uint16_t id)
{
	unsigned int i, j;

	for (i = 0; i < l->n; i++)
		for (j = 0; j < l->v[i].n; j++)
			if (l->v[i].t[j].type == type && l->v[i].t[j].id == id)
				return true;
	return false;
}

int ike_prop_esp_alg(const struct ike_proposal *chosen, enum esp_alg *alg, bool *esn)
{
	struct ike_transform encr, integ = { 0 }, e = { .id = IKE_ESN_NO };

	if (chosen->protocol != IKE_PROTO_ESP || !ike_prop_get(chosen, IKE_TRANS_ENCR, &encr))
		return -EOPNOTSUPP;
	ike_prop_get(chosen, IKE_TRANS_INTEG, &integ);
	ike_prop_get(chosen, IKE_TRANS_ESN, &e);
	if (encr.id == IKE_ENCR_AES_GCM_16 && encr.keylen == 128)
		*alg = ESP_ALG_AES_GCM_128;
	else if (encr.id == IKE_ENCR_AES_GCM_16 && encr.keylen == 256)
		*alg = ESP_ALG_AES_GCM_256;
	else if (encr.id == IKE_ENCR_CHACHA20_POLY1305 && encr.keylen == 0)
		*alg = ESP_ALG_CHACHA20_POLY1305;
	else if (encr.id == IKE_ENCR_AES_CBC && encr.keylen == 128 &&
		 integ.id == IKE_INTEG_HMAC_SHA2_256_128)
		*alg = ESP_ALG_AES_CBC_128;
	else if (encr.id == IKE_ENCR_AES_CBC && encr.keylen == 256 &&
		 integ.id == IKE_INTEG_HMAC_SHA2_256_128)
		*alg = ESP_ALG_AES_CBC_256;
	else
		return -EOPNOTSUPP;
	*esn = e.id == IKE_ESN_YES;
	return 0;
}

/* ---- formatting --------------------------------------------------------- */

struct out {
	char *buf;
	size_t len, off;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->off >= o->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->off, o->len - o->off, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->off = o->off + (size_t)n < o->len ? o->off + (size_t)n : o->len - 1;
}

static void put_name(struct out *o, const struct ike_transform *t)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (names[i].type == t->type && names[i].id == t->id) {
			put(o, "%s", names[i].name);
			break;
		}
	}
	if (i == ARRAY_SIZE(names))
		put(o, "UNKNOWN_%u_%u", t->type, t->id);
	if (t->keylen)
		put(o, "_%u", t->keylen);
}

/* Keywords: NONE and the implicit noesn stay out, so parsing gives p back. */
static bool keyword_skipped(const struct ike_proposal *p, const struct ike_transform *t)
{
	if ((t->type == IKE_TRANS_INTEG || t->type == IKE_TRANS_DH) && t->id == 0)
		return true;
	return t->type == IKE_TRANS_ESN && t->id == IKE_ESN_NO &&
	       !offers(p, IKE_TRANS_ESN, IKE_ESN_YES, 0);
}

static void put_transform(struct out *o, const struct ike_proposal *p,
			  const struct ike_transform *t, enum ike_prop_style style,
			  bool *first)
{
	const struct keyword *kw;

	if (style == IKE_PROP_KEYWORDS && keyword_skipped(p, t))
		return;
	put(o, "%s", *first ? "" : style == IKE_PROP_NAMES ? "/" : "-");
	*first = false;
	if (style == IKE_PROP_NAMES) {
		put_name(o, t);
		return;
	}
	kw = keyword_of(t);
	if (kw)
		put(o, "%s", kw->name);
	else
		put(o, "unknown%u.%u", t->type, t->id);
}

static void put_proposal(struct out *o, const struct ike_proposal *p, enum ike_prop_style style)
{
	bool first = true;
	unsigned int i, r;

	for (r = 0; r <= ARRAY_SIZE(type_order); r++)
		for (i = 0; i < p->n && i < IKE_PROP_MAX_TRANSFORMS; i++)
			if (type_rank(p->t[i].type) == r)
				put_transform(o, p, &p->t[i], style, &first);
}

const char *ike_prop_format(const struct ike_proposal *p, enum ike_prop_style style, char *buf,
			    size_t len)
{
	struct out o = { .buf = buf, .len = len };

	if (len)
		buf[0] = '\0';
	put_proposal(&o, p, style);
	return buf;
}

const char *ike_prop_list_format(const struct ike_prop_list *l, enum ike_prop_style style,
				 char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = len };
	unsigned int i;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < l->n; i++) {
		put(&o, "%s", i ? ", " : "");
		if (style == IKE_PROP_NAMES)
			put(&o, "%s:", l->protocol == IKE_PROTO_IKE ? "IKE" : "ESP");
		put_proposal(&o, &l->v[i], style);
	}
	return buf;
}

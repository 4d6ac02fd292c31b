// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Loading 'connections', 'secrets' and 'authorities' into struct ike_cfg,
 * and looking things up in it.
 *
 * Every section is read through a table of the keys it may hold: a
 * handler per key, NULL for "known, not supported, ignored", and a few
 * generic handlers (times, volumes, booleans, "refused", "only this
 * value").  Anything not in a table is warned about with its line.  The
 * configuration is built in a fresh struct and freed whole on the first
 * error, so the caller sees a complete result or none.
 *
 * Identities are kept as written and as their wire encoding; DNs go
 * through OpenSSL's X509_NAME both ways, so "C=CH, O=strongSwan, CN=gw"
 * matches the DER a peer sends whatever string types it used.
 */
#include "ike_config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "log.h"
#include "selector.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A time or volume not configured, until the defaults are filled in. */
#define UNSET UINT64_MAX
/* Larger values are refused, so that "+ 10 %" cannot overflow. */
#define VALUE_MAX (UINT64_C(1) << 48)

/* set_word() stores these through an unsigned int. */
_Static_assert(sizeof(enum ike_cfg_unique) == sizeof(unsigned int), "enum size");
_Static_assert(sizeof(enum ike_cfg_frag) == sizeof(unsigned int), "enum size");
_Static_assert(sizeof(enum ike_cfg_send_cert) == sizeof(unsigned int), "enum size");
_Static_assert(sizeof(enum ike_cfg_childless) == sizeof(unsigned int), "enum size");

/* The loader: where messages go and what relative names resolve against. */
struct ld {
	struct ike_cfg *cfg;
	const char *file;
	char *err;
	size_t errlen;
};

static int cfg_error(struct ld *ld, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void cfg_warn(struct ld *ld, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cfg_error(struct ld *ld, unsigned int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->err && ld->errlen)
		snprintf(ld->err, ld->errlen, "%s:%u: %s", ld->file, line, msg);
	return -EINVAL;
}

static int cfg_nomem(struct ld *ld, unsigned int line)
{
	cfg_error(ld, line, "out of memory");
	return -ENOMEM;
}

static void cfg_warn(struct ld *ld, unsigned int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	xs_warn("%s:%u: %s", ld->file, line, msg);
	ld->cfg->warnings++;
}

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

static bool mem_caseeq(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tolower(a[i]) != tolower(b[i]))
			return false;
	return true;
}

/* ---- values ------------------------------------------------------------- */

static int parse_u64(const char *s, const char **end, uint64_t *out)
{
	char *e;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &e, 10);
	if (errno || *out > VALUE_MAX)
		return -EINVAL;
	*end = e;
	return 0;
}

int ike_cfg_parse_time(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v, mult = 1;

	if (parse_u64(s, &end, &v))
		return -EINVAL;
	if (*end == 'm')
		mult = 60;
	else if (*end == 'h')
		mult = 3600;
	else if (*end == 'd')
		mult = 86400;
	else if (*end && *end != 's')
		return -EINVAL;
	if ((*end && end[1]) || v > VALUE_MAX / mult)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

int ike_cfg_parse_volume(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v, mult = 1;

	if (parse_u64(s, &end, &v))
		return -EINVAL;
	if (*end == 'k' || *end == 'K')
		mult = 1024;
	else if (*end == 'm' || *end == 'M')
		mult = 1024 * 1024;
	else if (*end == 'g' || *end == 'G')
		mult = 1024 * 1024 * 1024;
	else if (*end)
		return -EINVAL;
	if ((*end && end[1]) || v > VALUE_MAX / mult)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

/* As strongSwan reads booleans (and conf_get_bool). */
static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "enabled", "1" };
	static const char *const no[] = { "no", "false", "disabled", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return 0;
		}
	}
	return -EINVAL;
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex digits to a new buffer (wiped on free by the owner). */
static int hex_decode(const char *s, uint8_t **out, size_t *len)
{
	size_t n = strlen(s), i;
	uint8_t *buf;

	if (!n || n % 2)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (hex_value((unsigned char)s[i]) < 0)
			return -EINVAL;
	buf = malloc(n / 2);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < n / 2; i++)
		buf[i] = (uint8_t)(hex_value((unsigned char)s[2 * i]) << 4 |
				   hex_value((unsigned char)s[2 * i + 1]));
	*out = buf;
	*len = n / 2;
	return 0;
}

static int base64_decode(const char *s, uint8_t **out, size_t *len)
{
	size_t n = strlen(s), pad = 0;
	uint8_t *buf;
	int r;

	if (!n || n % 4 || n > INT32_MAX)
		return -EINVAL;
	buf = malloc(n / 4 * 3);
	if (!buf)
		return -ENOMEM;
	r = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n);
	pad = (s[n - 1] == '=') + (s[n - 2] == '=');
	if (r < 0 || (size_t)r < pad || (size_t)r == pad) {
		OPENSSL_clear_free(buf, n / 4 * 3);
		return -EINVAL;
	}
	*out = buf;
	*len = (size_t)r - pad;
	return 0;
}

/* strongSwan's secret forms: "0x" hex, "0s" base64, else the text itself. */
static int decode_secret(const char *v, uint8_t **out, size_t *len)
{
	size_t n = strlen(v);

	if (!strncasecmp(v, "0x", 2))
		return hex_decode(v + 2, out, len);
	if (!strncasecmp(v, "0s", 2))
		return base64_decode(v + 2, out, len);
	if (!n)
		return -EINVAL;
	*out = malloc(n);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, v, n);
	*len = n;
	return 0;
}

/* ---- identities --------------------------------------------------------- */

static int id_set(struct ike_cfg_id *id, uint8_t type, const void *data, size_t len)
{
	id->type = type;
	id->data = malloc(len ?: 1);
	if (!id->data)
		return -ENOMEM;
	memcpy(id->data, data, len);
	id->len = len;
	return 0;
}

/* FQDN and RFC 822: a leading '*' makes a suffix pattern; '*' elsewhere is refused. */
static int id_text(const char *s, uint8_t type, struct ike_cfg_id *id, char *err, size_t errlen)
{
	if (!*s) {
		seterr(err, errlen, "empty identity");
		return -EINVAL;
	}
	if (strchr(s + 1, '*')) {
		seterr(err, errlen, "only a leading '*' is supported as a wildcard");
		return -EINVAL;
	}
	id->wildcard = s[0] == '*';
	return id_set(id, type, s, strlen(s));
}

static const struct {
	const char *alias;
	const char *name;	/* OpenSSL's */
} dn_aliases[] = {
	{ "E", "emailAddress" }, { "Email", "emailAddress" }, { "S", "SN" },
	{ "T", "title" }, { "G", "GN" }, { "I", "initials" }, { "N", "name" },
	{ "D", "description" },
};

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* X.680 PrintableString: what strongSwan encodes a value as when it can. */
static bool is_printable_string(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(" '()+,-./:=?", *s))
			return false;
	return true;
}

/* "KEY=value" into name; a value of "*" makes the DN a pattern. */
static int dn_add_rdn(X509_NAME *name, char *rdn, bool *wildcard)
{
	char *eq = strchr(rdn, '='), *key, *val;
	size_t i;
	int nid;

	if (!eq)
		return -EINVAL;
	*eq = '\0';
	key = trim(rdn);
	val = trim(eq + 1);
	for (i = 0; i < ARRAY_SIZE(dn_aliases); i++)
		if (!strcasecmp(key, dn_aliases[i].alias))
			key = (char *)dn_aliases[i].name;
	nid = OBJ_txt2nid(key);
	if (nid == NID_undef || !*val)
		return -EINVAL;
	if (!strcmp(val, "*"))
		*wildcard = true;
	else if (nid == NID_countryName && strlen(val) != 2)
		return -EINVAL;
	/* strongSwan's encoding (atodn), so our DER equals what it would send */
	return X509_NAME_add_entry_by_NID(name, nid, is_printable_string(val) ?
					  V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING,
					  (unsigned char *)val, -1, -1, 0) == 1 ? 0 : -EINVAL;
}

static int dn_to_der(X509_NAME *name, struct ike_cfg_id *id)
{
	unsigned char *der = NULL;
	int len = i2d_X509_NAME(name, &der);
	int ret;

	if (len <= 0)
		return -EINVAL;
	ret = id_set(id, IKE_ID_DER_ASN1_DN, der, (size_t)len);
	OPENSSL_free(der);
	return ret;
}

/* "C=CH, O=strongSwan, CN=gw" (or "/C=CH/O=strongSwan/CN=gw") to DER. */
static int id_dn(const char *s, struct ike_cfg_id *id, char *err, size_t errlen)
{
	char sep = s[0] == '/' ? '/' : ',', *copy, *rdn, *next;
	X509_NAME *name = X509_NAME_new();
	int ret = -ENOMEM;

	copy = strdup(s[0] == '/' ? s + 1 : s);
	if (!name || !copy)
		goto out;
	for (rdn = copy; rdn; rdn = next) {
		next = strchr(rdn, sep);
		if (next)
			*next++ = '\0';
		ret = dn_add_rdn(name, rdn, &id->wildcard);
		if (ret) {
			seterr(err, errlen, "invalid distinguished name '%s'", s);
			goto out;
		}
	}
	ret = dn_to_der(name, id);
out:
	X509_NAME_free(name);
	free(copy);
	return ret;
}

static int id_address(const char *s, uint8_t type, struct ike_cfg_id *id, char *err,
		      size_t errlen)
{
	struct dp_addr a;

	if (addr_parse(s, &a) || (type == IKE_ID_IPV4_ADDR) != (a.family == XS_AF_INET)) {
		seterr(err, errlen, "invalid IP address identity '%s'", s);
		return -EINVAL;
	}
	return id_set(id, type, a.addr, a.family == XS_AF_INET ? 4 : 16);
}

/* "#hex": the bytes as given, checked where their type has a form. */
static int id_hex(const char *s, uint8_t type, struct ike_cfg_id *id, char *err, size_t errlen)
{
	const unsigned char *p;
	X509_NAME *name;
	uint8_t *bytes;
	size_t len;

	if (hex_decode(s, &bytes, &len)) {
		seterr(err, errlen, "invalid hex identity '#%s'", s);
		return -EINVAL;
	}
	id->type = type;
	id->data = bytes;
	id->len = len;
	if ((type == IKE_ID_IPV4_ADDR && len != 4) || (type == IKE_ID_IPV6_ADDR && len != 16))
		goto bad;
	if (type != IKE_ID_DER_ASN1_DN)
		return 0;
	p = bytes;
	name = d2i_X509_NAME(NULL, &p, (long)len);
	X509_NAME_free(name);
	if (name && p == bytes + len)
		return 0;
bad:
	seterr(err, errlen, "invalid hex identity '#%s' for its type", s);
	return -EINVAL;
}

static int id_typed(const char *v, uint8_t type, struct ike_cfg_id *id, char *err, size_t errlen)
{
	if (v[0] == '#')
		return id_hex(v + 1, type, id, err, errlen);
	switch (type) {
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		return id_address(v, type, id, err, errlen);
	case IKE_ID_DER_ASN1_DN:
		return id_dn(v, id, err, errlen);
	case IKE_ID_KEY_ID:
		return id_set(id, type, v, strlen(v));
	default:
		return id_text(v, type, id, err, errlen);
	}
}

static const struct {
	const char *prefix;
	uint8_t type;
} id_prefixes[] = {
	{ "ipv4:", IKE_ID_IPV4_ADDR }, { "ipv6:", IKE_ID_IPV6_ADDR },
	{ "rfc822:", IKE_ID_RFC822_ADDR }, { "email:", IKE_ID_RFC822_ADDR },
	{ "userfqdn:", IKE_ID_RFC822_ADDR }, { "fqdn:", IKE_ID_FQDN }, { "dns:", IKE_ID_FQDN },
	{ "asn1dn:", IKE_ID_DER_ASN1_DN }, { "keyid:", IKE_ID_KEY_ID },
};

static bool id_is_any(const char *s)
{
	static const char *const any[] = { "", "%any", "%any6", "*", "0.0.0.0", "::", "0::0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(any); i++)
		if (!strcmp(s, any[i]))
			return true;
	return false;
}

/* strongSwan's rules, in its order (identification_create_from_string). */
static int id_classify(const char *s, struct ike_cfg_id *id, char *err, size_t errlen)
{
	struct dp_addr a;
	size_t i;

	if (id_is_any(s))
		return 0;
	for (i = 0; i < ARRAY_SIZE(id_prefixes); i++)
		if (!strncasecmp(s, id_prefixes[i].prefix, strlen(id_prefixes[i].prefix)))
			return id_typed(s + strlen(id_prefixes[i].prefix), id_prefixes[i].type,
					id, err, errlen);
	if (s[0] == '{' || !strncasecmp(s, "asn1gn:", 7)) {
		seterr(err, errlen, "identity type of '%s' is not supported", s);
		return -EINVAL;
	}
	if (s[0] == '@' && s[1] == '#')
		return id_hex(s + 2, IKE_ID_KEY_ID, id, err, errlen);
	if (s[0] == '@' && s[1] == '@')
		return id_text(s + 2, IKE_ID_RFC822_ADDR, id, err, errlen);
	if (s[0] == '@')
		return id_text(s + 1, IKE_ID_FQDN, id, err, errlen);
	if (strchr(s, '='))
		return id_dn(s, id, err, errlen);
	if (strchr(s, '@'))
		return id_text(s, IKE_ID_RFC822_ADDR, id, err, errlen);
	if (strchr(s, '/')) {
		seterr(err, errlen, "subnet and range identities are not supported");
		return -EINVAL;
	}
	if (!addr_parse(s, &a))
		return id_set(id, a.family == XS_AF_INET ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR,
			      a.addr, a.family == XS_AF_INET ? 4 : 16);
	return id_text(s, IKE_ID_FQDN, id, err, errlen);
}

int ike_cfg_id_parse(const char *s, struct ike_cfg_id *out, char *err, size_t errlen)
{
	struct ike_cfg_id id = { .type = IKE_CFG_ID_ANY };
	int ret;

	id.str = strdup(*s ? s : "%any");
	ret = id.str ? id_classify(s, &id, err, errlen) : -ENOMEM;
	if (ret) {
		if (ret == -ENOMEM)
			seterr(err, errlen, "out of memory");
		ike_cfg_id_free(&id);
		return ret;
	}
	*out = id;
	return 0;
}

void ike_cfg_id_free(struct ike_cfg_id *id)
{
	free(id->str);
	free(id->data);
	memset(id, 0, sizeof(*id));
}

struct ike_id ike_cfg_id_wire(const struct ike_cfg_id *id)
{
	return (struct ike_id){ .type = id->type, .len = id->len, .data = id->data };
}

static bool rdn_is_star(const ASN1_STRING *v)
{
	return ASN1_STRING_length(v) == 1 && ASN1_STRING_get0_data(v)[0] == '*';
}

/* RDN values compared as UTF-8, case-insensitively, whatever their string types. */
static bool rdn_value_equal(const ASN1_STRING *a, const ASN1_STRING *b)
{
	unsigned char *ua = NULL, *ub = NULL;
	int la = ASN1_STRING_to_UTF8(&ua, a), lb = ASN1_STRING_to_UTF8(&ub, b);
	bool eq = la >= 0 && la == lb && mem_caseeq(ua, ub, (size_t)la);

	OPENSSL_free(ua);
	OPENSSL_free(ub);
	return eq;
}

static unsigned int dn_names_match(X509_NAME *pat, X509_NAME *name)
{
	X509_NAME_ENTRY *ep, *en;
	int i, n = X509_NAME_entry_count(pat);
	unsigned int stars = 0;

	if (n != X509_NAME_entry_count(name))
		return IKE_CFG_ID_MATCH_NONE;
	for (i = 0; i < n; i++) {
		ep = X509_NAME_get_entry(pat, i);
		en = X509_NAME_get_entry(name, i);
		if (OBJ_cmp(X509_NAME_ENTRY_get_object(ep), X509_NAME_ENTRY_get_object(en)))
			return IKE_CFG_ID_MATCH_NONE;
		if (rdn_is_star(X509_NAME_ENTRY_get_data(ep)))
			stars++;
		else if (!rdn_value_equal(X509_NAME_ENTRY_get_data(ep),
					  X509_NAME_ENTRY_get_data(en)))
			return IKE_CFG_ID_MATCH_NONE;
	}
	if (!stars)
		return IKE_CFG_ID_MATCH_PERFECT;
	if (stars > IKE_CFG_ID_MATCH_ONE_WILDCARD - IKE_CFG_ID_MATCH_WILDCARD_MIN)
		return IKE_CFG_ID_MATCH_WILDCARD_MIN;
	return IKE_CFG_ID_MATCH_ONE_WILDCARD - (stars - 1);
}

static unsigned int dn_match(const struct ike_cfg_id *pattern, const struct ike_id *id)
{
	const unsigned char *pp = pattern->data, *pi = id->data;
	X509_NAME *pat = d2i_X509_NAME(NULL, &pp, (long)pattern->len);
	X509_NAME *name = d2i_X509_NAME(NULL, &pi, (long)id->len);
	unsigned int q = IKE_CFG_ID_MATCH_NONE;

	if (pat && name && pi == id->data + id->len)
		q = dn_names_match(pat, name);
	X509_NAME_free(pat);
	X509_NAME_free(name);
	return q;
}

static unsigned int text_match(const struct ike_cfg_id *pattern, const struct ike_id *id)
{
	size_t slen = pattern->len - 1;

	if (!pattern->wildcard)
		return id->len == pattern->len && mem_caseeq(id->data, pattern->data, id->len) ?
		       IKE_CFG_ID_MATCH_PERFECT : IKE_CFG_ID_MATCH_NONE;
	if (id->len >= slen && mem_caseeq(id->data + id->len - slen, pattern->data + 1, slen))
		return IKE_CFG_ID_MATCH_ONE_WILDCARD;
	return IKE_CFG_ID_MATCH_NONE;
}

unsigned int ike_cfg_id_match(const struct ike_cfg_id *pattern, const struct ike_id *id)
{
	if (pattern->type == IKE_CFG_ID_ANY)
		return IKE_CFG_ID_MATCH_ANY;
	if (!id || id->type != pattern->type || !id->len)
		return IKE_CFG_ID_MATCH_NONE;
	switch (pattern->type) {
	case IKE_ID_DER_ASN1_DN:
		return dn_match(pattern, id);
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		return text_match(pattern, id);
	default:
		return id->len == pattern->len && !memcmp(id->data, pattern->data, id->len) ?
		       IKE_CFG_ID_MATCH_PERFECT : IKE_CFG_ID_MATCH_NONE;
	}
}

static void format_dn(const struct ike_id *id, char *buf, size_t len)
{
	const unsigned char *p = id->data;
	X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)id->len);
	unsigned char *utf8;
	size_t off = 0;
	int i, n;

	buf[0] = '\0';
	for (i = 0; name && i < X509_NAME_entry_count(name) && off < len; i++) {
		X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));

		n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
		if (n < 0)
			break;
		n = snprintf(buf + off, len - off, "%s%s=%.*s", i ? ", " : "",
			     nid == NID_undef ? "?" : OBJ_nid2sn(nid), n, utf8);
		OPENSSL_free(utf8);
		off += n > 0 ? (size_t)n : 0;
	}
	if (!name)
		snprintf(buf, len, "(invalid DN)");
	X509_NAME_free(name);
}

/* Text identities with anything unprintable shown as '?'. */
static void format_text(const struct ike_id *id, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < id->len && i + 1 < len; i++)
		buf[i] = isprint(id->data[i]) ? (char)id->data[i] : '?';
	buf[i] = '\0';
}

const char *ike_id_format(const struct ike_id *id, char *buf, size_t len)
{
	struct dp_addr a = { 0 };
	size_t i, off;

	if (!len)
		return buf;
	if (!id || id->type == IKE_CFG_ID_ANY) {
		snprintf(buf, len, "%%any");
	} else if ((id->type == IKE_ID_IPV4_ADDR && id->len == 4) ||
		   (id->type == IKE_ID_IPV6_ADDR && id->len == 16)) {
		a.family = id->len == 4 ? XS_AF_INET : XS_AF_INET6;
		memcpy(a.addr, id->data, id->len);
		addr_format(&a, buf, len);
	} else if (id->type == IKE_ID_DER_ASN1_DN) {
		format_dn(id, buf, len);
	} else if (id->type == IKE_ID_FQDN || id->type == IKE_ID_RFC822_ADDR) {
		format_text(id, buf, len);
	} else {
		off = (size_t)snprintf(buf, len, "#");
		for (i = 0; i < id->len && off + 2 < len; i++, off += 2)
			snprintf(buf + off, len - off, "%02x", id->data[i]);
	}
	return buf;
}

/* ---- addresses ---------------------------------------------------------- */

static bool looks_like_dns(const char *s)
{
	bool alpha = false;

	for (; *s; s++) {
		if (*s == ':' || *s == '/')
			return false;
		if (isalpha((unsigned char)*s))
			alpha = true;
	}
	return alpha;
}

static void addr_from_ts(const struct ike_ts *ts, uint8_t kind, struct ike_cfg_addr *out)
{
	out->kind = kind;
	out->family = ts->family;
	memcpy(out->lo, ts->lo, sizeof(out->lo));
	memcpy(out->hi, ts->hi, sizeof(out->hi));
}

static int parse_addr(const char *s, struct ike_cfg_addr *out, char *why, size_t whylen)
{
	struct ike_cfg_addr a = { .kind = IKE_CFG_ADDR_ANY };
	struct xs_selector sel;
	struct ike_ts_cfg ts;

	if (!strcmp(s, "%any") || !strcmp(s, "0.0.0.0") || !strcmp(s, "::")) {
		/* as strongSwan: an unspecified address matches either family */
	} else if (!strcmp(s, "%any4") || !strcmp(s, "%any6")) {
		a.family = s[4] == '4' ? XS_AF_INET : XS_AF_INET6;
	} else if (s[0] == '%') {
		seterr(why, whylen, "only %%any, %%any4 and %%any6 are supported");
		return -EINVAL;
	} else if (looks_like_dns(s)) {
		seterr(why, whylen, "DNS names are not supported");
		return -EINVAL;
	} else if (strchr(s, '-') && !strchr(s, '[') && !ike_ts_parse(s, &ts, why, whylen)) {
		addr_from_ts(&ts.ts, IKE_CFG_ADDR_RANGE, &a);
	} else if (strchr(s, '-')) {
		return -EINVAL;
	} else if (selector_parse_cidr(s, &sel, why, whylen)) {
		return -EINVAL;
	} else {
		ike_ts_from_selector(&sel, &ts.ts);
		addr_from_ts(&ts.ts, strchr(s, '/') ? IKE_CFG_ADDR_PREFIX : IKE_CFG_ADDR_HOST, &a);
		a.prefixlen = sel.prefixlen;
	}
	*out = a;
	return 0;
}

static unsigned int common_prefix(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int i;

	for (i = 0; i < bits; i++)
		if ((a[i / 8] ^ b[i / 8]) & (0x80 >> (i % 8)))
			break;
	return i;
}

/*
 * strongSwan's scale (ike_cfg.c): an address 129, a prefix its length + 1,
 * %any 1.  A range ranks as the prefix covering it (strongSwan: 1).
 */
static unsigned int addr_quality(const struct ike_cfg_addr *c, const struct dp_addr *a)
{
	unsigned int nb = a->family == XS_AF_INET ? 4 : 16;

	if (a->family != XS_AF_INET && a->family != XS_AF_INET6)
		return 0;
	if (c->kind == IKE_CFG_ADDR_ANY)
		return !c->family || c->family == a->family ? 1 : 0;
	if (c->family != a->family || memcmp(c->lo, a->addr, nb) > 0 ||
	    memcmp(a->addr, c->hi, nb) > 0)
		return 0;
	if (c->kind == IKE_CFG_ADDR_HOST)
		return 129;
	if (c->kind == IKE_CFG_ADDR_PREFIX)
		return c->prefixlen + 1u;
	return common_prefix(c->lo, c->hi, nb * 8) + 1;
}

unsigned int ike_cfg_addr_match(const struct ike_cfg_addr *list, unsigned int n,
				const struct dp_addr *a)
{
	unsigned int i, q, best = 0;

	for (i = 0; i < n; i++) {
		q = addr_quality(&list[i], a);
		if (q > best)
			best = q;
	}
	return best;
}

/* ---- key tables ---------------------------------------------------------- */

struct word {
	const char *word;
	unsigned int value;
};

struct key_rule;
typedef int (*key_fn)(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		      void *obj);

struct key_rule {
	const char *key;
	key_fn fn;		/* NULL: known, not supported, warned about */
	size_t off;		/* the field generic handlers set */
	const char *arg;	/* refuse: why; only / warn_unless: the harmless value */
	const struct word *words;	/* set_word */
	size_t n_words;
	bool prefix;		/* key is a prefix ("id" for id-1, id-gw, ...) */
};

#define FIELD(obj, off, type) ((type *)((char *)(obj) + (off)))
#define WORDS(w) .words = (w), .n_words = ARRAY_SIZE(w)
#define K(k, f, ...) { .key = (k), .fn = (f), __VA_ARGS__ }

static int set_time(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		    void *obj)
{
	if (ike_cfg_parse_time(s->value, FIELD(obj, r->off, uint64_t)))
		return cfg_error(ld, s->line, "'%s' must be a time: 90, 90s, 30m, 4h or 1d",
				 s->key);
	return 0;
}

static int set_volume(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		      void *obj)
{
	if (ike_cfg_parse_volume(s->value, FIELD(obj, r->off, uint64_t)))
		return cfg_error(ld, s->line, "'%s' must be a number, optionally with k, M or G",
				 s->key);
	return 0;
}

static int set_bool(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		    void *obj)
{
	if (parse_bool(s->value, FIELD(obj, r->off, bool)))
		return cfg_error(ld, s->line, "'%s' must be yes or no", s->key);
	return 0;
}

static int set_port(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		    void *obj)
{
	const char *end;
	uint64_t v;

	if (parse_u64(s->value, &end, &v) || *end || v < 1 || v > 65535)
		return cfg_error(ld, s->line, "'%s' must be a port 1..65535", s->key);
	*FIELD(obj, r->off, uint16_t) = (uint16_t)v;
	return 0;
}

static int set_uint(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		    void *obj)
{
	const char *end;
	uint64_t v;

	if (parse_u64(s->value, &end, &v) || *end || v > UINT32_MAX)
		return cfg_error(ld, s->line, "'%s' must be a number", s->key);
	*FIELD(obj, r->off, unsigned int) = (unsigned int)v;
	return 0;
}

static int set_word(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		    void *obj)
{
	char list[128] = "";
	size_t i;

	for (i = 0; i < r->n_words; i++) {
		if (!strcasecmp(s->value, r->words[i].word)) {
			*FIELD(obj, r->off, unsigned int) = r->words[i].value;
			return 0;
		}
	}
	for (i = 0; i < r->n_words; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i ? ", " : "", r->words[i].word);
	return cfg_error(ld, s->line, "'%s' must be one of %s", s->key, list);
}

static int ignore(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		  void *obj)
{
	(void)ld, (void)s, (void)r, (void)obj;
	return 0;
}

/* Keys whose absence strongSwan would enforce: ignoring them would let in more peers. */
static int refuse(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		  void *obj)
{
	(void)obj;
	if (!*s->value)
		return 0;
	return cfg_error(ld, s->line, "'%s' is not supported: %s", s->key, r->arg);
}

/* Keys accepted at their harmless value only ("sha256_96 = no"). */
static bool value_is(const char *value, const char *want)
{
	bool a, b;

	if (!parse_bool(value, &a) && !parse_bool(want, &b))
		return a == b;
	return !strcasecmp(value, want);
}

static int only(struct ld *ld, const struct conf_setting *s, const struct key_rule *r, void *obj)
{
	(void)obj;
	if (value_is(s->value, r->arg))
		return 0;
	return cfg_error(ld, s->line, "'%s = %s' is not supported (only %s)", s->key, s->value,
			 r->arg);
}

static int warn_unless(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		       void *obj)
{
	(void)obj;
	if (!value_is(s->value, r->arg))
		cfg_warn(ld, s->line, "'%s = %s' is not supported, ignored", s->key, s->value);
	return 0;
}

static const struct key_rule *find_rule(const struct key_rule *rules, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (rules[i].prefix ? !strncmp(key, rules[i].key, strlen(rules[i].key)) :
				      !strcmp(key, rules[i].key))
			return &rules[i];
	}
	return NULL;
}

static int apply_rules(struct ld *ld, const struct conf_section *sec,
		       const struct key_rule *rules, size_t n, void *obj, const char *what)
{
	const struct conf_setting *s;
	const struct key_rule *r;
	int ret;

	for (s = sec->settings; s; s = s->next) {
		r = find_rule(rules, n, s->key);
		if (!r) {
			cfg_warn(ld, s->line, "unknown key '%s' in %s, ignored", s->key, what);
			continue;
		}
		if (!r->fn) {
			cfg_warn(ld, s->line, "'%s' is not supported, ignored", s->key);
			continue;
		}
		ret = r->fn(ld, s, r, obj);
		if (ret)
			return ret;
	}
	return 0;
}

static void warn_sections(struct ld *ld, const struct conf_section *sec, const char *what)
{
	const struct conf_section *c;

	for (c = sec->children; c; c = c->next)
		cfg_warn(ld, c->line, "unknown section '%s' in %s, ignored", c->name, what);
}

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* ---- lists and files ----------------------------------------------------- */

typedef int (*item_fn)(struct ld *ld, const struct conf_setting *s, const char *item, void *arg);

/* Calls fn for each comma-separated, trimmed element of s's value. */
static int each_item(struct ld *ld, const struct conf_setting *s, item_fn fn, void *arg)
{
	char *copy = strdup(s->value), *item, *next;
	int ret = 0;

	if (!copy)
		return cfg_nomem(ld, s->line);
	for (item = copy; item && !ret; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		item = trim(item);
		if (!*item)
			ret = cfg_error(ld, s->line, "'%s': empty element in '%s'", s->key,
					s->value);
		else
			ret = fn(ld, s, item, arg);
	}
	free(copy);
	return ret;
}

static void file_free(struct ike_cfg_file *f)
{
	free(f->name);
	free(f->path);
	f->name = f->path = NULL;
}

/* name, or dir/sub/name for a relative one (swanctl's layout). */
static int resolve_file(struct ld *ld, unsigned int line, const char *sub, const char *name,
			struct ike_cfg_file *f)
{
	f->name = strdup(name);
	if (name[0] == '/')
		f->path = strdup(name);
	else if (asprintf(&f->path, "%s/%s/%s", ld->cfg->dir, sub, name) < 0)
		f->path = NULL;
	if (!f->name || !f->path) {
		file_free(f);
		return cfg_nomem(ld, line);
	}
	return 0;
}

struct file_list {
	struct ike_cfg_file **v;
	unsigned int *n;
	const char *sub;
};

static int add_file(struct ld *ld, const struct conf_setting *s, const char *item, void *arg)
{
	struct file_list *fl = arg;
	struct ike_cfg_file *v;

	if (*fl->n == IKE_CFG_MAX_FILES)
		return cfg_error(ld, s->line, "'%s': more than %d files", s->key,
				 IKE_CFG_MAX_FILES);
	v = realloc(*fl->v, (*fl->n + 1) * sizeof(*v));
	if (!v)
		return cfg_nomem(ld, s->line);
	*fl->v = v;
	memset(&v[*fl->n], 0, sizeof(v[0]));
	if (resolve_file(ld, s->line, fl->sub, item, &v[*fl->n]))
		return -ENOMEM;
	(*fl->n)++;
	return 0;
}

/* ---- authentication rounds ----------------------------------------------- */

static bool auth_is_pubkey(const char *v)
{
	static const char *const forms[] = { "pubkey", "rsa", "ecdsa", "ed25519", "ed448",
					     "ike:" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(forms); i++)
		if (has_prefix(v, forms[i]))
			return true;
	return false;
}

static int auth_method(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		       void *obj)
{
	struct ike_cfg_auth *a = obj;
	char *copy;

	(void)r;
	if (!strcmp(s->value, "psk")) {
		a->method = IKE_CFG_AUTH_PSK;
	} else if (auth_is_pubkey(s->value)) {
		a->method = IKE_CFG_AUTH_PUBKEY;
		if (strcmp(s->value, "pubkey") && strcmp(s->value, "rsa") &&
		    strcmp(s->value, "ecdsa"))
			cfg_warn(ld, s->line, "'auth = %s': key strength and signature scheme "
				 "constraints are not enforced, only public key authentication",
				 s->value);
	} else if (has_prefix(s->value, "eap") || has_prefix(s->value, "xauth")) {
		return cfg_error(ld, s->line, "'auth = %s' is not supported (psk or pubkey)",
				 s->value);
	} else {
		return cfg_error(ld, s->line, "unknown authentication '%s' (psk or pubkey)",
				 s->value);
	}
	copy = strdup(s->value);
	if (!copy)
		return cfg_nomem(ld, s->line);
	free(a->auth);
	a->auth = copy;
	return 0;
}

static int auth_id(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		   void *obj)
{
	struct ike_cfg_auth *a = obj;
	struct ike_cfg_id id;
	char why[256];
	int ret;

	(void)r;
	ret = ike_cfg_id_parse(s->value, &id, why, sizeof(why));
	if (ret == -ENOMEM)
		return cfg_nomem(ld, s->line);
	if (ret)
		return cfg_error(ld, s->line, "invalid identity '%s': %s", s->value, why);
	ike_cfg_id_free(&a->id);
	a->id = id;
	return 0;
}

static int auth_certs(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		      void *obj)
{
	struct ike_cfg_auth *a = obj;
	struct file_list fl = { &a->certs, &a->n_certs, "x509" };

	(void)r;
	return each_item(ld, s, add_file, &fl);
}

static int auth_cacerts(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
			void *obj)
{
	struct ike_cfg_auth *a = obj;
	struct file_list fl = { &a->cacerts, &a->n_cacerts, "x509ca" };

	(void)r;
	return each_item(ld, s, add_file, &fl);
}

#define AUTH_COMMON_RULES \
	K("auth", auth_method), \
	K("id", auth_id), \
	K("certs", auth_certs), \
	K("round", ignore), \
	K("pubkeys", refuse, .arg = "raw public keys cannot be used (use certs)"), \
	K("eap_id", NULL), \
	K("aaa_id", NULL), \
	K("xauth_id", NULL)

static const struct key_rule local_rules[] = {
	AUTH_COMMON_RULES,
};

static const struct key_rule remote_rules[] = {
	AUTH_COMMON_RULES,
	K("cacerts", auth_cacerts),
	K("groups", refuse, .arg = "group membership cannot be checked, so it would not "
				   "restrict who connects"),
	K("cert_policy", refuse, .arg = "certificate policies cannot be checked, so they would "
					"not restrict who connects"),
	K("ca_id", refuse, .arg = "use cacerts to restrict the issuing CA"),
	K("revocation", only, .arg = "relaxed"),
};

/* cert<suffix> / cacert<suffix> subsections: only 'file' (no PKCS#11 tokens). */
static int auth_cert_section(struct ld *ld, const struct conf_section *sec, const char *sub,
			     struct ike_cfg_file **v, unsigned int *n)
{
	const struct conf_setting *file = conf_get(sec, "file");
	const struct conf_setting *s;
	struct file_list fl = { v, n, sub };

	for (s = sec->settings; s; s = s->next)
		if (strcmp(s->key, "file"))
			return cfg_error(ld, s->line, "'%s' in '%s' is not supported (only 'file': "
					 "no PKCS#11 tokens)", s->key, sec->name);
	if (!file || !*file->value)
		return cfg_error(ld, sec->line, "'%s' needs 'file'", sec->name);
	warn_sections(ld, sec, sec->name);
	return add_file(ld, file, file->value, &fl);
}

static int auth_subsections(struct ld *ld, const struct conf_section *sec,
			    struct ike_cfg_auth *a, bool remote)
{
	const struct conf_section *c;
	int ret = 0;

	for (c = sec->children; c && !ret; c = c->next) {
		if (remote && has_prefix(c->name, "cacert"))
			ret = auth_cert_section(ld, c, "x509ca", &a->cacerts, &a->n_cacerts);
		else if (has_prefix(c->name, "cert"))
			ret = auth_cert_section(ld, c, "x509", &a->certs, &a->n_certs);
		else
			cfg_warn(ld, c->line, "unknown section '%s' in '%s', ignored", c->name,
				 sec->name);
	}
	return ret;
}

static int auth_defaults(struct ld *ld, struct ike_cfg_auth *a, unsigned int line)
{
	char why[64];

	a->method = IKE_CFG_AUTH_PUBKEY;
	a->auth = strdup("pubkey");
	if (!a->auth || ike_cfg_id_parse("%any", &a->id, why, sizeof(why)))
		return cfg_nomem(ld, line);
	return 0;
}

static int read_auth(struct ld *ld, const struct conf_section *sec, struct ike_cfg_auth *a,
		     bool remote, const char *conn)
{
	char what[160];
	int ret;

	if (a->line)
		return cfg_error(ld, sec->line, "'%s': more than one %s authentication round "
				 "(RFC 4739) is not supported", sec->name,
				 remote ? "remote" : "local");
	a->line = sec->line;
	snprintf(what, sizeof(what), "'%s' of connection '%s'", sec->name, conn);
	if (remote)
		ret = apply_rules(ld, sec, remote_rules, ARRAY_SIZE(remote_rules), a, what);
	else
		ret = apply_rules(ld, sec, local_rules, ARRAY_SIZE(local_rules), a, what);
	return ret ?: auth_subsections(ld, sec, a, remote);
}

static void auth_free(struct ike_cfg_auth *a)
{
	unsigned int i;

	free(a->auth);
	ike_cfg_id_free(&a->id);
	for (i = 0; i < a->n_certs; i++)
		file_free(&a->certs[i]);
	for (i = 0; i < a->n_cacerts; i++)
		file_free(&a->cacerts[i]);
	free(a->certs);
	free(a->cacerts);
}

/* ---- children ------------------------------------------------------------ */

static int child_ts(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		    void *obj)
{
	struct ike_cfg_child *c = obj;
	bool local = !strcmp(s->key, "local_ts");
	char why[256];

	(void)r;
	if (ike_ts_parse_list(s->value, local ? c->local_ts : c->remote_ts, IKE_TS_MAX,
			      local ? &c->n_local_ts : &c->n_remote_ts, why, sizeof(why)))
		return cfg_error(ld, s->line, "'%s': %s", s->key, why);
	return 0;
}

static int set_proposals(struct ld *ld, const struct conf_setting *s, uint8_t protocol,
			 struct ike_prop_list *l)
{
	struct ike_prop_list parsed;
	char why[512];
	int ret;

	ret = ike_prop_parse(s->value, protocol, &parsed, why, sizeof(why));
	if (ret == -ENOMEM)
		return cfg_nomem(ld, s->line);
	if (ret)
		return cfg_error(ld, s->line, "%s", why);
	ike_prop_list_free(l);
	*l = parsed;
	return 0;
}

static int child_esp(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		     void *obj)
{
	struct ike_cfg_child *c = obj;

	(void)r;
	return set_proposals(ld, s, IKE_PROTO_ESP, &c->esp_proposals);
}

static int child_mode(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		      void *obj)
{
	(void)r, (void)obj;
	if (strcasecmp(s->value, "tunnel"))
		return cfg_error(ld, s->line, "'mode = %s': only tunnel mode is supported",
				 s->value);
	return 0;
}

static const struct word start_actions[] = {
	{ "none", IKE_CFG_ACTION_NONE },
	{ "trap", IKE_CFG_ACTION_TRAP },
	{ "route", IKE_CFG_ACTION_TRAP },
	{ "start", IKE_CFG_ACTION_START },
	{ "trap|start", IKE_CFG_ACTION_TRAP | IKE_CFG_ACTION_START },
	{ "start|trap", IKE_CFG_ACTION_TRAP | IKE_CFG_ACTION_START },
};

static const struct word actions[] = {
	{ "none", IKE_CFG_ACTION_NONE },
	{ "clear", IKE_CFG_ACTION_NONE },
	{ "trap", IKE_CFG_ACTION_TRAP },
	{ "route", IKE_CFG_ACTION_TRAP },
	{ "start", IKE_CFG_ACTION_START },
	{ "restart", IKE_CFG_ACTION_START },
};

#define CHILD(field) .off = offsetof(struct ike_cfg_child, field)

static const struct key_rule child_rules[] = {
	K("local_ts", child_ts),
	K("remote_ts", child_ts),
	K("esp_proposals", child_esp),
	K("mode", child_mode),
	K("start_action", set_word, CHILD(start_action), WORDS(start_actions)),
	K("dpd_action", set_word, CHILD(dpd_action), WORDS(actions)),
	K("close_action", set_word, CHILD(close_action), WORDS(actions)),
	K("rekey_time", set_time, CHILD(rekey_time)),
	K("life_time", set_time, CHILD(life_time)),
	K("rand_time", set_time, CHILD(rand_time)),
	K("rekey_bytes", set_volume, CHILD(rekey_bytes)),
	K("life_bytes", set_volume, CHILD(life_bytes)),
	K("rand_bytes", set_volume, CHILD(rand_bytes)),
	K("rekey_packets", set_volume, CHILD(rekey_packets)),
	K("life_packets", set_volume, CHILD(life_packets)),
	K("rand_packets", set_volume, CHILD(rand_packets)),
	K("ah_proposals", refuse, .arg = "AH cannot be negotiated, only ESP"),
	K("sha256_96", only, .arg = "no"),
	K("ipcomp", warn_unless, .arg = "no"),
	K("hw_offload", warn_unless, .arg = "no"),
	K("policies", warn_unless, .arg = "yes"),
	K("updown", NULL), K("hostaccess", NULL), K("policies_fwd_out", NULL),
	K("priority", NULL), K("interface", NULL), K("mark_in", NULL), K("mark_in_sa", NULL),
	K("mark_out", NULL), K("set_mark_in", NULL), K("set_mark_out", NULL),
	K("if_id_in", NULL), K("if_id_out", NULL), K("label", NULL), K("label_mode", NULL),
	K("tfc_padding", NULL), K("replay_window", NULL), K("copy_df", NULL),
	K("copy_ecn", NULL), K("copy_dscp", NULL), K("reqid", NULL), K("inactivity", NULL),
};

static uint64_t plus_10_percent(uint64_t v)
{
	return v / 10 * 11 + v % 10 * 11 / 10;
}

/* strongSwan's defaults: life = rekey + 10 %, rand = life - rekey. */
static void fill_limits(uint64_t *rekey, uint64_t *life, uint64_t *rand, uint64_t rekey_default)
{
	if (*rekey == UNSET)
		*rekey = rekey_default;
	if (*life == UNSET)
		*life = plus_10_percent(*rekey);
	if (*rand == UNSET)
		*rand = *life - (*life < *rekey ? *life : *rekey);
}

static void child_finish(struct ld *ld, struct ike_cfg_child *c)
{
	bool life_set = c->life_time != UNSET;

	fill_limits(&c->rekey_time, &c->life_time, &c->rand_time, IKE_CFG_CHILD_REKEY_TIME);
	fill_limits(&c->rekey_bytes, &c->life_bytes, &c->rand_bytes, 0);
	fill_limits(&c->rekey_packets, &c->life_packets, &c->rand_packets, 0);
	if (life_set && c->rekey_time && c->life_time <= c->rekey_time)
		cfg_warn(ld, c->line, "child '%s': life_time is not longer than rekey_time, the "
			 "CHILD_SA may expire before it is rekeyed", c->name);
}

static int child_defaults(struct ld *ld, struct ike_cfg_child *c, const struct conf_section *sec)
{
	c->name = strdup(sec->name);
	if (!c->name)
		return cfg_nomem(ld, sec->line);
	c->line = sec->line;
	c->rekey_time = c->life_time = c->rand_time = UNSET;
	c->rekey_bytes = c->life_bytes = c->rand_bytes = UNSET;
	c->rekey_packets = c->life_packets = c->rand_packets = UNSET;
	return 0;
}

static int read_child(struct ld *ld, const struct conf_section *sec, struct ike_cfg_child *c,
		      const char *conn)
{
	struct ike_ts_cfg dynamic = { .dynamic = true,
				      .ts = { .port_hi = IKE_TS_PORT_ANY_HI } };
	char what[160];
	int ret;

	ret = child_defaults(ld, c, sec);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "child '%s' of connection '%s'", sec->name, conn);
	ret = apply_rules(ld, sec, child_rules, ARRAY_SIZE(child_rules), c, what);
	if (ret)
		return ret;
	warn_sections(ld, sec, what);
	if (!c->esp_proposals.n &&
	    ike_prop_parse("default", IKE_PROTO_ESP, &c->esp_proposals, NULL, 0))
		return cfg_nomem(ld, sec->line);
	if (!c->n_local_ts)
		c->local_ts[c->n_local_ts++] = dynamic;
	if (!c->n_remote_ts)
		c->remote_ts[c->n_remote_ts++] = dynamic;
	child_finish(ld, c);
	return 0;
}

static unsigned int count_sections(const struct conf_section *sec)
{
	const struct conf_section *c;
	unsigned int n = 0;

	for (c = sec->children; c; c = c->next)
		n++;
	return n;
}

static int read_children(struct ld *ld, const struct conf_section *sec, struct ike_cfg_conn *conn)
{
	const struct conf_section *c;
	const struct conf_setting *s;
	int ret;

	for (s = sec->settings; s; s = s->next)
		cfg_warn(ld, s->line, "unknown key '%s' in 'children' of connection '%s', ignored",
			 s->key, conn->name);
	conn->children = calloc(count_sections(sec) ?: 1, sizeof(*conn->children));
	if (!conn->children)
		return cfg_nomem(ld, sec->line);
	for (c = sec->children; c; c = c->next) {
		ret = read_child(ld, c, &conn->children[conn->n_children++], conn->name);
		if (ret)
			return ret;
	}
	return 0;
}

static void child_free(struct ike_cfg_child *c)
{
	free(c->name);
	ike_prop_list_free(&c->esp_proposals);
}

/* ---- connections --------------------------------------------------------- */

static int conn_version(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
			void *obj)
{
	struct ike_cfg_conn *c = obj;

	(void)r;
	if (strcmp(s->value, "0") && strcmp(s->value, "2"))
		return cfg_error(ld, s->line, "'version' must be 0 or 2 (IKEv1 is not supported)");
	c->version = (unsigned int)(s->value[0] - '0');
	return 0;
}

struct addr_list {
	struct ike_cfg_addr *v;
	unsigned int *n;
};

static int add_addr(struct ld *ld, const struct conf_setting *s, const char *item, void *arg)
{
	struct addr_list *al = arg;
	char why[256] = "invalid address";

	if (*al->n == IKE_CFG_MAX_ADDRS)
		return cfg_error(ld, s->line, "'%s': more than %d addresses", s->key,
				 IKE_CFG_MAX_ADDRS);
	if (parse_addr(item, &al->v[*al->n], why, sizeof(why)))
		return cfg_error(ld, s->line, "'%s' in '%s': %s", item, s->key, why);
	(*al->n)++;
	return 0;
}

static int conn_addrs(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		      void *obj)
{
	struct ike_cfg_conn *c = obj;
	bool local = !strcmp(s->key, "local_addrs");
	struct addr_list al = { local ? c->local_addrs : c->remote_addrs,
				local ? &c->n_local_addrs : &c->n_remote_addrs };

	(void)r;
	*al.n = 0;
	return each_item(ld, s, add_addr, &al);
}

static int conn_proposals(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
			  void *obj)
{
	struct ike_cfg_conn *c = obj;

	(void)r;
	return set_proposals(ld, s, IKE_PROTO_IKE, &c->proposals);
}

static const struct word send_certs[] = {
	{ "ifasked", IKE_CFG_SEND_CERT_IFASKED },
	{ "always", IKE_CFG_SEND_CERT_ALWAYS },
	{ "never", IKE_CFG_SEND_CERT_NEVER },
};

static const struct word fragmentations[] = {
	{ "yes", IKE_CFG_FRAG_YES }, { "accept", IKE_CFG_FRAG_ACCEPT },
	{ "force", IKE_CFG_FRAG_FORCE }, { "no", IKE_CFG_FRAG_NO },
};

static const struct word childlesses[] = {
	{ "allow", IKE_CFG_CHILDLESS_ALLOW }, { "force", IKE_CFG_CHILDLESS_FORCE },
	{ "never", IKE_CFG_CHILDLESS_NEVER },
};

static const struct word uniques[] = {
	{ "no", IKE_CFG_UNIQUE_NO }, { "never", IKE_CFG_UNIQUE_NEVER },
	{ "keep", IKE_CFG_UNIQUE_KEEP }, { "replace", IKE_CFG_UNIQUE_REPLACE },
};

#define CONN(field) .off = offsetof(struct ike_cfg_conn, field)

static const struct key_rule conn_rules[] = {
	K("version", conn_version),
	K("local_addrs", conn_addrs),
	K("remote_addrs", conn_addrs),
	K("local_port", set_port, CONN(local_port)),
	K("remote_port", set_port, CONN(remote_port)),
	K("proposals", conn_proposals),
	K("encap", set_bool, CONN(encap)),
	K("mobike", set_bool, CONN(mobike)),
	K("send_certreq", set_bool, CONN(send_certreq)),
	K("send_cert", set_word, CONN(send_cert), WORDS(send_certs)),
	K("fragmentation", set_word, CONN(fragmentation), WORDS(fragmentations)),
	K("childless", set_word, CONN(childless), WORDS(childlesses)),
	K("unique", set_word, CONN(unique), WORDS(uniques)),
	K("keyingtries", set_uint, CONN(keyingtries)),
	K("follow_redirect", set_bool, CONN(follow_redirect)),
	K("reauth_time", set_time, CONN(reauth_time)),
	K("rekey_time", set_time, CONN(rekey_time)),
	K("over_time", set_time, CONN(over_time)),
	K("rand_time", set_time, CONN(rand_time)),
	K("dpd_delay", set_time, CONN(dpd_delay)),
	K("dpd_timeout", set_time, CONN(dpd_timeout)),
	K("aggressive", only, .arg = "no"),
	K("mediation", only, .arg = "no"),
	K("ppk_required", only, .arg = "no"),
	K("vips", NULL), K("pools", NULL), K("pull", NULL), K("dscp", NULL),
	K("if_id_in", NULL), K("if_id_out", NULL), K("mediated_by", NULL),
	K("mediation_peer", NULL), K("ppk_id", NULL),
};

static int conn_defaults(struct ld *ld, struct ike_cfg_conn *c, const struct conf_section *sec)
{
	c->name = strdup(sec->name);
	if (!c->name)
		return cfg_nomem(ld, sec->line);
	c->line = sec->line;
	c->local_port = c->remote_port = IKE_CFG_DEFAULT_PORT;
	c->mobike = c->send_certreq = true;
	c->follow_redirect = true;
	c->keyingtries = 1;
	c->reauth_time = c->rekey_time = c->over_time = c->rand_time = UNSET;
	c->dpd_delay = c->dpd_timeout = UNSET;
	return 0;
}

static int conn_subsections(struct ld *ld, const struct conf_section *sec,
			    struct ike_cfg_conn *c)
{
	const struct conf_section *sub;
	int ret = 0;

	for (sub = sec->children; sub && !ret; sub = sub->next) {
		if (has_prefix(sub->name, "local"))
			ret = read_auth(ld, sub, &c->local, false, c->name);
		else if (has_prefix(sub->name, "remote"))
			ret = read_auth(ld, sub, &c->remote, true, c->name);
		else if (!strcmp(sub->name, "children"))
			ret = read_children(ld, sub, c);
		else
			cfg_warn(ld, sub->line, "unknown section '%s' in connection '%s', ignored",
				 sub->name, c->name);
	}
	return ret;
}

/* strongSwan: rekey 4h unless only reauth is set, over = 10 % of the longer, rand = over. */
static void conn_lifetimes(struct ike_cfg_conn *c)
{
	bool reauth = c->reauth_time != UNSET;

	if (!reauth)
		c->reauth_time = 0;
	if (c->rekey_time == UNSET)
		c->rekey_time = reauth ? 0 : IKE_CFG_IKE_REKEY_TIME;
	if (c->over_time == UNSET)
		c->over_time = (c->rekey_time > c->reauth_time ? c->rekey_time :
				c->reauth_time) / 10;
	if (c->rand_time == UNSET)
		c->rand_time = c->over_time;
	if (c->dpd_delay == UNSET)
		c->dpd_delay = 0;
	if (c->dpd_timeout == UNSET)
		c->dpd_timeout = 0;
}

static int conn_finish(struct ld *ld, struct ike_cfg_conn *c)
{
	struct ike_cfg_addr any = { .kind = IKE_CFG_ADDR_ANY };

	if (!c->proposals.n && ike_prop_parse("default", IKE_PROTO_IKE, &c->proposals, NULL, 0))
		return cfg_nomem(ld, c->line);
	if (!c->n_local_addrs)
		c->local_addrs[c->n_local_addrs++] = any;
	if (!c->n_remote_addrs)
		c->remote_addrs[c->n_remote_addrs++] = any;
	if (!c->local.auth && auth_defaults(ld, &c->local, c->line))
		return -ENOMEM;
	if (!c->remote.auth && auth_defaults(ld, &c->remote, c->line))
		return -ENOMEM;
	conn_lifetimes(c);
	return 0;
}

/* Rounds get their defaults first, so a section that sets only 'id' keeps auth = pubkey. */
static int prepare_rounds(struct ld *ld, const struct conf_section *sec, struct ike_cfg_conn *c)
{
	const struct conf_section *sub;

	for (sub = sec->children; sub; sub = sub->next) {
		if (has_prefix(sub->name, "local") && !c->local.auth &&
		    auth_defaults(ld, &c->local, sub->line))
			return -ENOMEM;
		if (has_prefix(sub->name, "remote") && !c->remote.auth &&
		    auth_defaults(ld, &c->remote, sub->line))
			return -ENOMEM;
	}
	return 0;
}

static int read_conn(struct ld *ld, const struct conf_section *sec, struct ike_cfg_conn *c)
{
	char what[160];
	int ret;

	ret = conn_defaults(ld, c, sec);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "connection '%s'", sec->name);
	ret = apply_rules(ld, sec, conn_rules, ARRAY_SIZE(conn_rules), c, what);
	ret = ret ?: prepare_rounds(ld, sec, c);
	ret = ret ?: conn_subsections(ld, sec, c);
	return ret ?: conn_finish(ld, c);
}

static int read_connections(struct ld *ld, const struct conf_section *sec)
{
	struct ike_cfg *cfg = ld->cfg;
	const struct conf_section *c;
	const struct conf_setting *s;
	int ret;

	for (s = sec->settings; s; s = s->next)
		cfg_warn(ld, s->line, "unknown key '%s' in 'connections', ignored", s->key);
	cfg->conns = calloc(count_sections(sec) ?: 1, sizeof(*cfg->conns));
	if (!cfg->conns)
		return cfg_nomem(ld, sec->line);
	for (c = sec->children; c; c = c->next) {
		ret = read_conn(ld, c, &cfg->conns[cfg->n_conns++]);
		if (ret)
			return ret;
	}
	return 0;
}

static void conn_free(struct ike_cfg_conn *c)
{
	unsigned int i;

	free(c->name);
	ike_prop_list_free(&c->proposals);
	auth_free(&c->local);
	auth_free(&c->remote);
	for (i = 0; i < c->n_children; i++)
		child_free(&c->children[i]);
	free(c->children);
}

/* ---- secrets -------------------------------------------------------------- */

static int secret_value(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
			void *obj)
{
	struct ike_cfg_secret *sec = obj;
	uint8_t *key;
	size_t len;
	int ret;

	(void)r;
	ret = decode_secret(s->value, &key, &len);
	if (ret == -ENOMEM)
		return cfg_nomem(ld, s->line);
	if (ret)	/* never echo the value: it is a secret */
		return cfg_error(ld, s->line, "'secret' must be text, 0x followed by hex digits or "
				 "0s followed by base64");
	sec->key = key;
	sec->len = len;
	return 0;
}

static int secret_id(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		     void *obj)
{
	struct ike_cfg_secret *sec = obj;
	char why[256];
	int ret;

	(void)r;
	ret = ike_cfg_id_parse(s->value, &sec->ids[sec->n_ids], why, sizeof(why));
	if (ret == -ENOMEM)
		return cfg_nomem(ld, s->line);
	if (ret)
		return cfg_error(ld, s->line, "invalid identity '%s': %s", s->value, why);
	sec->n_ids++;
	return 0;
}

static const struct key_rule ike_secret_rules[] = {
	K("secret", secret_value),
	K("id", secret_id, .prefix = true),
};

static unsigned int count_prefixed(const struct conf_section *sec, const char *prefix)
{
	const struct conf_setting *s;
	unsigned int n = 0;

	for (s = sec->settings; s; s = s->next)
		n += has_prefix(s->key, prefix);
	return n;
}

static int read_ike_secret(struct ld *ld, const struct conf_section *sec,
			   struct ike_cfg_secret *out)
{
	char what[160];
	int ret;

	out->name = strdup(sec->name);
	out->line = sec->line;
	out->ids = calloc(count_prefixed(sec, "id") ?: 1, sizeof(*out->ids));
	if (!out->name || !out->ids)
		return cfg_nomem(ld, sec->line);
	snprintf(what, sizeof(what), "secret '%s'", sec->name);
	ret = apply_rules(ld, sec, ike_secret_rules, ARRAY_SIZE(ike_secret_rules), out, what);
	if (ret)
		return ret;
	warn_sections(ld, sec, what);
	if (!out->key)
		return cfg_error(ld, sec->line, "secret '%s' has no 'secret'", sec->name);
	return 0;
}

static void secret_free(struct ike_cfg_secret *s)
{
	unsigned int i;

	free(s->name);
	for (i = 0; i < s->n_ids; i++)
		ike_cfg_id_free(&s->ids[i]);
	free(s->ids);
	OPENSSL_clear_free(s->key, s->len);
}

static const struct {
	const char *prefix;
	enum ike_cfg_key_kind kind;
	const char *dir;
} key_kinds[] = {
	{ "private", IKE_CFG_KEY_PRIVATE, "private" },
	{ "rsa", IKE_CFG_KEY_RSA, "rsa" },
	{ "ecdsa", IKE_CFG_KEY_ECDSA, "ecdsa" },
	{ "pkcs8", IKE_CFG_KEY_PKCS8, "pkcs8" },
};

static int key_file(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		    void *obj)
{
	struct ike_cfg_key *k = obj;

	(void)r;
	file_free(&k->file);
	return resolve_file(ld, s->line, key_kinds[k->kind].dir, s->value, &k->file);
}

static int key_passphrase(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
			  void *obj)
{
	struct ike_cfg_key *k = obj;
	size_t len = strlen(s->value);

	(void)r;
	k->passphrase = malloc(len ?: 1);
	if (!k->passphrase)
		return cfg_nomem(ld, s->line);
	memcpy(k->passphrase, s->value, len);
	k->passphrase_len = len;
	return 0;
}

static const struct key_rule key_rules[] = {
	K("file", key_file),
	K("secret", key_passphrase),
};

/* A key file that exists must be private; one that does not is the daemon's problem. */
static int check_key(struct ld *ld, const struct ike_cfg_key *k)
{
	char why[512];
	int ret;

	ret = ike_cfg_check_key_file_mode(k->file.path, why, sizeof(why));
	if (ret == -ENOENT)
		cfg_warn(ld, k->line, "key '%s': %s", k->name, why);
	else if (ret)
		return cfg_error(ld, k->line, "key '%s': %s", k->name, why);
	return 0;
}

static int read_key(struct ld *ld, const struct conf_section *sec, size_t kind,
		    struct ike_cfg_key *out)
{
	char what[160];
	int ret;

	out->name = strdup(sec->name);
	out->line = sec->line;
	out->kind = key_kinds[kind].kind;
	if (!out->name)
		return cfg_nomem(ld, sec->line);
	snprintf(what, sizeof(what), "secret '%s'", sec->name);
	ret = apply_rules(ld, sec, key_rules, ARRAY_SIZE(key_rules), out, what);
	if (ret)
		return ret;
	warn_sections(ld, sec, what);
	if (!out->file.path)
		return cfg_error(ld, sec->line, "secret '%s' has no 'file'", sec->name);
	return check_key(ld, out);
}

static void key_free(struct ike_cfg_key *k)
{
	free(k->name);
	file_free(&k->file);
	OPENSSL_clear_free(k->passphrase, k->passphrase_len);
}

static int key_kind_of(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(key_kinds); i++)
		if (has_prefix(name, key_kinds[i].prefix))
			return (int)i;
	return -1;
}

static bool secret_unsupported(const char *name)
{
	static const char *const kinds[] = { "eap", "xauth", "ntlm", "ppk", "token", "pkcs12" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (has_prefix(name, kinds[i]))
			return true;
	return false;
}

static int read_secret_section(struct ld *ld, const struct conf_section *c)
{
	struct ike_cfg *cfg = ld->cfg;
	int kind = key_kind_of(c->name);

	if (has_prefix(c->name, "ike"))
		return read_ike_secret(ld, c, &cfg->secrets[cfg->n_secrets++]);
	if (kind >= 0)
		return read_key(ld, c, (size_t)kind, &cfg->keys[cfg->n_keys++]);
	if (secret_unsupported(c->name))
		cfg_warn(ld, c->line, "secret '%s': this kind of secret is not supported, ignored",
			 c->name);
	else
		cfg_warn(ld, c->line, "unknown section '%s' in 'secrets', ignored", c->name);
	return 0;
}

static int read_secrets(struct ld *ld, const struct conf_section *sec)
{
	struct ike_cfg *cfg = ld->cfg;
	const struct conf_section *c;
	const struct conf_setting *s;
	int ret;

	for (s = sec->settings; s; s = s->next)
		cfg_warn(ld, s->line, "unknown key '%s' in 'secrets', ignored", s->key);
	cfg->secrets = calloc(count_sections(sec) ?: 1, sizeof(*cfg->secrets));
	cfg->keys = calloc(count_sections(sec) ?: 1, sizeof(*cfg->keys));
	if (!cfg->secrets || !cfg->keys)
		return cfg_nomem(ld, sec->line);
	for (c = sec->children; c; c = c->next) {
		ret = read_secret_section(ld, c);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- authorities ---------------------------------------------------------- */

static int ca_cacert(struct ld *ld, const struct conf_setting *s, const struct key_rule *r,
		     void *obj)
{
	struct ike_cfg_authority *a = obj;

	(void)r;
	if (a->cacert.path)
		return cfg_error(ld, s->line, "authority '%s': set one of 'cacert' and 'file'",
				 a->name);
	if (!strcmp(s->key, "file") && s->value[0] != '/')
		return cfg_error(ld, s->line, "'file' must be an absolute path");
	return resolve_file(ld, s->line, "x509ca", s->value, &a->cacert);
}

static const struct key_rule authority_rules[] = {
	K("cacert", ca_cacert),
	K("file", ca_cacert),
	K("handle", refuse, .arg = "PKCS#11 tokens cannot be used"),
	K("slot", refuse, .arg = "PKCS#11 tokens cannot be used"),
	K("module", refuse, .arg = "PKCS#11 tokens cannot be used"),
	K("crl_uris", NULL), K("ocsp_uris", NULL), K("cert_uri_base", NULL),
};

static int read_authority(struct ld *ld, const struct conf_section *sec,
			  struct ike_cfg_authority *a)
{
	char what[160];
	int ret;

	a->name = strdup(sec->name);
	a->line = sec->line;
	if (!a->name)
		return cfg_nomem(ld, sec->line);
	snprintf(what, sizeof(what), "authority '%s'", sec->name);
	ret = apply_rules(ld, sec, authority_rules, ARRAY_SIZE(authority_rules), a, what);
	if (ret)
		return ret;
	warn_sections(ld, sec, what);
	if (!a->cacert.path)
		return cfg_error(ld, sec->line, "authority '%s' has no 'cacert'", sec->name);
	return 0;
}

static int read_authorities(struct ld *ld, const struct conf_section *sec)
{
	struct ike_cfg *cfg = ld->cfg;
	const struct conf_section *c;
	const struct conf_setting *s;
	int ret;

	for (s = sec->settings; s; s = s->next)
		cfg_warn(ld, s->line, "unknown key '%s' in 'authorities', ignored", s->key);
	cfg->authorities = calloc(count_sections(sec) ?: 1, sizeof(*cfg->authorities));
	if (!cfg->authorities)
		return cfg_nomem(ld, sec->line);
	for (c = sec->children; c; c = c->next) {
		ret = read_authority(ld, c, &cfg->authorities[cfg->n_authorities++]);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- the whole file -------------------------------------------------------- */

static int read_root(struct ld *ld, const struct conf_section *root)
{
	const struct conf_section *c;
	const struct conf_setting *s;
	int ret = 0;

	for (s = root->settings; s; s = s->next)
		cfg_warn(ld, s->line, "unknown key '%s' at the top level, ignored", s->key);
	for (c = root->children; c && !ret; c = c->next) {
		if (!strcmp(c->name, "connections"))
			ret = read_connections(ld, c);
		else if (!strcmp(c->name, "secrets"))
			ret = read_secrets(ld, c);
		else if (!strcmp(c->name, "authorities"))
			ret = read_authorities(ld, c);
		else if (!strcmp(c->name, "redirects"))
			ret = ike_cfg_read_redirects(ld->cfg, c, ld->err, ld->errlen);
		else if (!strcmp(c->name, "pools"))
			cfg_warn(ld, c->line, "'pools' (virtual IP addresses) are not supported, "
				 "ignored");
		else if (strcmp(c->name, "xdpsec"))	/* settings.c reads that one */
			cfg_warn(ld, c->line, "unknown section '%s', ignored", c->name);
	}
	return ret;
}

/* A connection authenticating with a PSK that no secret could serve is a typo. */
static void check_psks(struct ld *ld)
{
	const struct ike_cfg_conn *c;
	struct ike_id l, r;
	unsigned int i;

	for (i = 0; i < ld->cfg->n_conns; i++) {
		c = &ld->cfg->conns[i];
		if (c->local.method != IKE_CFG_AUTH_PSK && c->remote.method != IKE_CFG_AUTH_PSK)
			continue;
		l = ike_cfg_id_wire(&c->local.id);
		r = ike_cfg_id_wire(&c->remote.id);
		if (!ike_cfg_find_psk(ld->cfg, l.type && !c->local.id.wildcard ? &l : NULL,
				      r.type && !c->remote.id.wildcard ? &r : NULL))
			cfg_warn(ld, c->line, "connection '%s' uses psk, but no secret in "
				 "'secrets' matches its identities", c->name);
	}
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int ike_cfg_from_conf(const struct conf_section *root, const struct ike_cfg_opts *opts,
		      struct ike_cfg **out, char *err, size_t errlen)
{
	struct ike_cfg *cfg = calloc(1, sizeof(*cfg));
	struct ld ld = { .cfg = cfg, .file = root->file, .err = err, .errlen = errlen };
	int ret;

	if (cfg) {
		cfg->file = strdup(root->file);
		cfg->dir = opts && opts->swanctl_dir ? strdup(opts->swanctl_dir) :
			   dir_of(root->file);
	}
	if (!cfg || !cfg->file || !cfg->dir) {
		ike_cfg_free(cfg);
		snprintf(err, errlen, "%s: out of memory", root->file);
		return -ENOMEM;
	}
	ret = read_root(&ld, root);
	if (ret) {
		ike_cfg_free(cfg);
		return ret;
	}
	check_psks(&ld);
	*out = cfg;
	return 0;
}

static bool has_secrets(const struct ike_cfg *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->n_keys; i++)
		if (cfg->keys[i].passphrase)
			return true;
	return cfg->n_secrets > 0;
}

int ike_cfg_load(const char *path, const struct ike_cfg_opts *opts, struct ike_cfg **out,
		 char *err, size_t errlen)
{
	struct conf_section *root;
	struct ike_cfg *cfg;
	struct stat st;
	int ret;

	ret = conf_parse_file(path, &root, err, errlen);
	if (ret)
		return ret;
	ret = ike_cfg_from_conf(root, opts, &cfg, err, errlen);
	conf_free(root);
	if (ret)
		return ret;
	if (has_secrets(cfg) && !stat(path, &st) && (st.st_mode & S_IROTH)) {
		xs_warn("%s: holds secrets and every user may read it (chmod 600 %s)", path,
			path);
		cfg->warnings++;
	}
	*out = cfg;
	return 0;
}

void ike_cfg_free(struct ike_cfg *cfg)
{
	unsigned int i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n_conns; i++)
		conn_free(&cfg->conns[i]);
	ike_cfg_free_redirects(cfg);
	for (i = 0; i < cfg->n_secrets; i++)
		secret_free(&cfg->secrets[i]);
	for (i = 0; i < cfg->n_keys; i++)
		key_free(&cfg->keys[i]);
	for (i = 0; i < cfg->n_authorities; i++) {
		free(cfg->authorities[i].name);
		file_free(&cfg->authorities[i].cacert);
	}
	free(cfg->conns);
	free(cfg->secrets);
	free(cfg->keys);
	free(cfg->authorities);
	free(cfg->file);
	free(cfg->dir);
	free(cfg);
}

int ike_cfg_check_key_file_mode(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int ret;

	if (stat(path, &st)) {
		ret = -errno;
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errlen, "%s: not a regular file", path);
		return -EINVAL;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		seterr(err, errlen, "%s: owned by uid %u, not by root or us: another user could "
		       "change the key", path, (unsigned int)st.st_uid);
		return -EPERM;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		seterr(err, errlen, "%s: mode %04o lets other users read or change secrets "
		       "(chmod 600 %s)", path, (unsigned int)(st.st_mode & 07777), path);
		return -EPERM;
	}
	return 0;
}

/* ---- lookups ---------------------------------------------------------------- */

static unsigned int conn_addr_score(const struct ike_cfg_conn *c, const struct dp_addr *local,
				    const struct dp_addr *remote)
{
	unsigned int l = ike_cfg_addr_match(c->local_addrs, c->n_local_addrs, local);
	unsigned int r = ike_cfg_addr_match(c->remote_addrs, c->n_remote_addrs, remote);

	return l && r ? 2 * r + l : 0;
}

const struct ike_cfg_conn *ike_cfg_find_conn(const struct ike_cfg *cfg,
					     const struct dp_addr *local,
					     const struct dp_addr *remote)
{
	const struct ike_cfg_conn *best = NULL;
	unsigned int i, score, best_score = 0;

	for (i = 0; i < cfg->n_conns; i++) {
		score = conn_addr_score(&cfg->conns[i], local, remote);
		if (score > best_score) {
			best = &cfg->conns[i];
			best_score = score;
		}
	}
	return best;
}

const struct ike_cfg_conn *ike_cfg_find_conn_by_id(const struct ike_cfg *cfg,
						   const struct dp_addr *local,
						   const struct dp_addr *remote,
						   const struct ike_id *peer_id,
						   const struct ike_id *our_id)
{
	const struct ike_cfg_conn *c, *best = NULL;
	uint64_t score, best_score = 0;
	unsigned int i, a, r, l;

	for (i = 0; i < cfg->n_conns; i++) {
		c = &cfg->conns[i];
		a = conn_addr_score(c, local, remote);
		r = ike_cfg_id_match(&c->remote.id, peer_id);
		l = our_id ? ike_cfg_id_match(&c->local.id, our_id) : IKE_CFG_ID_MATCH_ANY;
		if (!a || !r || !l)
			continue;
		score = (uint64_t)r << 40 | (uint64_t)l << 20 | a;
		if (score > best_score) {
			best = c;
			best_score = score;
		}
	}
	return best;
}

/* A secret's best match for one side; a secret without ids is for anyone. */
static unsigned int secret_match(const struct ike_cfg_secret *s, const struct ike_id *id)
{
	unsigned int i, q, best = IKE_CFG_ID_MATCH_NONE;

	if (!id)
		return IKE_CFG_ID_MATCH_NONE;
	if (!s->n_ids)
		return IKE_CFG_ID_MATCH_ANY;
	for (i = 0; i < s->n_ids; i++) {
		q = ike_cfg_id_match(&s->ids[i], id);
		if (q > best)
			best = q;
	}
	return best;
}

const struct ike_cfg_secret *ike_cfg_find_psk(const struct ike_cfg *cfg,
					      const struct ike_id *local,
					      const struct ike_id *remote)
{
	const struct ike_cfg_secret *best = NULL;
	unsigned int i, l, r;
	int score, best_score = -1;

	for (i = 0; i < cfg->n_secrets; i++) {
		l = secret_match(&cfg->secrets[i], local);
		r = secret_match(&cfg->secrets[i], remote);
		if ((local || remote) && !l && !r)
			continue;
		score = (int)(l + r);
		if (score > best_score) {
			best = &cfg->secrets[i];
			best_score = score;
		}
	}
	return best;
}

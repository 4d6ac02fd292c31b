// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The glue between the payload codec's structs and the engine's: SA
 * payloads <-> proposals (ike_proposal.h), TS payloads <-> selectors
 * (ike_ts.h), identities for ID payloads and AUTH.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike_auth.h"
#include "ike_xchg.h"

/*
 * A transform the codec marked unacceptable (an attribute we do not know)
 * still names its type, so selection sees the type as offered; the
 * impossible key length makes sure it never matches one of ours.
 */
enum { KEYLEN_UNACCEPTABLE = 0xffff };

unsigned int ike_conv_proposals(const struct ike_pl_sa *pl, struct ike_proposal *out,
				unsigned int max)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < pl->n_prop && n < max; i++) {
		const struct ike_pl_proposal *p = &pl->prop[i];
		struct ike_proposal *o = &out[n++];

		memset(o, 0, sizeof(*o));
		o->num = p->num;
		o->protocol = p->proto;
		o->spi_size = p->spi_len;
		memcpy(o->spi, p->spi, p->spi_len);
		for (j = 0; j < p->n_trans && j < IKE_PROP_MAX_TRANSFORMS; j++) {
			o->t[j].type = p->trans[j].type;
			o->t[j].id = p->trans[j].id;
			o->t[j].keylen = p->trans[j].unacceptable ? KEYLEN_UNACCEPTABLE :
								    p->trans[j].key_len;
		}
		o->n = j;
	}
	return n;
}

static int conv_one(const struct ike_proposal *p, uint8_t num, const uint8_t *spi,
		    size_t spi_len, bool skip_dh, struct ike_pl_proposal *o)
{
	unsigned int i;

	memset(o, 0, sizeof(*o));
	o->num = num;
	o->proto = p->protocol;
	o->spi_len = (uint8_t)spi_len;
	if (spi_len > sizeof(o->spi))
		return -EINVAL;
	if (spi_len)
		memcpy(o->spi, spi, spi_len);
	for (i = 0; i < p->n; i++) {
		if (skip_dh && p->t[i].type == IKE_TRANS_DH)
			continue;
		if (o->n_trans == IKE_PL_MAX_TRANSFORMS)
			return -E2BIG;
		o->trans[o->n_trans].type = p->t[i].type;
		o->trans[o->n_trans].id = p->t[i].id;
		o->trans[o->n_trans].key_len = p->t[i].keylen;
		o->n_trans++;
	}
	return 0;
}

int ike_conv_build_sa(struct ike_builder *b, const struct ike_proposal *v, unsigned int n,
		      bool renumber, const uint8_t *spi, size_t spi_len, bool skip_dh)
{
	static struct ike_pl_sa pl;	/* large; the engine runs in one thread */
	unsigned int i;
	int ret;

	if (n == 0 || n > IKE_PL_MAX_PROPOSALS)
		return ike_build_fail(b, -EINVAL);
	memset(&pl, 0, sizeof(pl));
	for (i = 0; i < n; i++) {
		ret = conv_one(&v[i], renumber ? (uint8_t)(i + 1) : v[i].num, spi, spi_len,
			       skip_dh, &pl.prop[i]);
		if (ret)
			return ike_build_fail(b, ret);
	}
	pl.n_prop = n;
	return ike_build_sa(b, &pl);
}

unsigned int ike_conv_ts(const struct ike_pl_ts *pl, struct ike_ts *out, unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < pl->n && n < max; i++) {
		const struct ike_pl_ts_entry *t = &pl->ts[i];
		struct ike_ts *o = &out[n++];

		memset(o, 0, sizeof(*o));
		o->family = t->type == IKE_TS_IPV4_ADDR_RANGE ? XS_AF_INET : XS_AF_INET6;
		o->proto = t->ip_proto;
		o->port_lo = t->start_port;
		o->port_hi = t->end_port;
		memcpy(o->lo, t->start, sizeof(o->lo));
		memcpy(o->hi, t->end, sizeof(o->hi));
	}
	return n;
}

int ike_conv_build_ts(struct ike_builder *b, uint8_t type, const struct ike_ts *ts,
		      unsigned int n)
{
	struct ike_pl_ts pl;
	unsigned int i;

	if (n == 0 || n > IKE_PL_MAX_TS)
		return ike_build_fail(b, -EINVAL);
	memset(&pl, 0, sizeof(pl));
	for (i = 0; i < n; i++) {
		struct ike_pl_ts_entry *t = &pl.ts[i];

		t->type = ts[i].family == XS_AF_INET ? IKE_TS_IPV4_ADDR_RANGE :
						       IKE_TS_IPV6_ADDR_RANGE;
		t->ip_proto = ts[i].proto;
		t->start_port = ts[i].port_lo;
		t->end_port = ts[i].port_hi;
		memcpy(t->start, ts[i].lo, sizeof(t->start));
		memcpy(t->end, ts[i].hi, sizeof(t->end));
	}
	pl.n = n;
	return ike_build_ts(b, type, &pl);
}

void ike_conv_suite(const struct ike_proposal *p, struct ike_suite *s)
{
	struct ike_transform t;

	memset(s, 0, sizeof(*s));
	if (ike_prop_get(p, IKE_TRANS_ENCR, &t)) {
		s->encr = t.id;
		s->key_bits = t.keylen;
	}
	if (ike_prop_get(p, IKE_TRANS_INTEG, &t))
		s->integ = t.id;
	if (ike_prop_get(p, IKE_TRANS_PRF, &t))
		s->prf = t.id;
}

size_t ike_conv_id_body(uint8_t type, const uint8_t *data, size_t len, uint8_t *out,
			size_t cap)
{
	if (len + IKE_AUTH_ID_BODY_MIN > cap)
		return 0;
	out[0] = type;
	memset(out + 1, 0, 3);
	memcpy(out + IKE_AUTH_ID_BODY_MIN, data, len);
	return len + IKE_AUTH_ID_BODY_MIN;
}

bool ike_conv_cfg_id(const struct ike_cfg_id *id, struct ike_id *out)
{
	if (id->type == IKE_CFG_ID_ANY || id->wildcard)
		return false;
	*out = ike_cfg_id_wire(id);
	return true;
}

int ike_conv_our_id(struct ike_sa *sa, const struct ike_cfg_conn *conn)
{
	struct ike_id id;

	if (ike_conv_cfg_id(&conn->local.id, &id))
		return ike_sa_set_id(sa, false, id.type, id.data, id.len);
	/* %any: our address, as strongSwan does */
	if (sa->local.family == XS_AF_INET)
		return ike_sa_set_id(sa, false, IKE_ID_IPV4_ADDR, sa->local.addr, 4);
	return ike_sa_set_id(sa, false, IKE_ID_IPV6_ADDR, sa->local.addr, 16);
}

const char *ike_notify_name(uint16_t type)
{
	static const struct {
		uint16_t type;
		const char *name;
	} names[] = {
		{ IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, "UNSUPPORTED_CRITICAL_PAYLOAD" },
		{ IKE_N_INVALID_IKE_SPI, "INVALID_IKE_SPI" },
		{ IKE_N_INVALID_MAJOR_VERSION, "INVALID_MAJOR_VERSION" },
		{ IKE_N_INVALID_SYNTAX, "INVALID_SYNTAX" },
		{ IKE_N_INVALID_MESSAGE_ID, "INVALID_MESSAGE_ID" },
		{ IKE_N_INVALID_SPI, "INVALID_SPI" },
		{ IKE_N_NO_PROPOSAL_CHOSEN, "NO_PROPOSAL_CHOSEN" },
		{ IKE_N_INVALID_KE_PAYLOAD, "INVALID_KE_PAYLOAD" },
		{ IKE_N_AUTHENTICATION_FAILED, "AUTHENTICATION_FAILED" },
		{ IKE_N_SINGLE_PAIR_REQUIRED, "SINGLE_PAIR_REQUIRED" },
		{ IKE_N_NO_ADDITIONAL_SAS, "NO_ADDITIONAL_SAS" },
		{ IKE_N_INTERNAL_ADDRESS_FAILURE, "INTERNAL_ADDRESS_FAILURE" },
		{ IKE_N_FAILED_CP_REQUIRED, "FAILED_CP_REQUIRED" },
		{ IKE_N_TS_UNACCEPTABLE, "TS_UNACCEPTABLE" },
		{ IKE_N_INVALID_SELECTORS, "INVALID_SELECTORS" },
		{ IKE_N_TEMPORARY_FAILURE, "TEMPORARY_FAILURE" },
		{ IKE_N_CHILD_SA_NOT_FOUND, "CHILD_SA_NOT_FOUND" },
	};
	static char buf[24];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == type)
			return names[i].name;
	snprintf(buf, sizeof(buf), "notify %u", type);
	return buf;
}

/*
 * The SA, KE and Nr of an answer that creates an IKE SA (IKE_SA_INIT, or
 * CREATE_CHILD_SA rekeying one), checked against what conn offered; with
 * rekey_spi, the proposal must carry the responder's new IKE SPI, taken
 * into sa.  On success sa holds Nr, the chosen proposal and its suite.
 */
int ike_read_ike_sa_reply(const struct ike_cfg_conn *conn, struct ike_sa *sa,
			  const struct ike_in *in, bool rekey_spi, struct ike_pl_ke *ke)
{
	static struct ike_pl_sa pl;	/* large: not on the stack */
	struct ike_proposal reply;
	struct ike_prop_chosen c;
	int i_sa = ike_in_find(in, IKE_PL_SA), i_ke = ike_in_find(in, IKE_PL_KE);
	int i_n = ike_in_find(in, IKE_PL_NONCE);
	const struct ike_payload *p;
	struct ike_transform dh;

	if (i_sa < 0 || i_ke < 0 || i_n < 0)
		return -EINVAL;
	p = &in->chain.pl[i_sa];
	if (ike_pl_sa_decode(p->body, p->len, &pl) || pl.n_prop != 1 || pl.n_skipped ||
	    ike_conv_proposals(&pl, &reply, 1) != 1 ||
	    (rekey_spi && (reply.protocol != IKE_PROTO_IKE || reply.spi_size != IKE_SPI_LEN)) ||
	    ike_prop_verify_reply(&conn->proposals, &reply, 0, &c))
		return -EINVAL;
	p = &in->chain.pl[i_ke];
	if (ike_pl_ke_decode(p->body, p->len, ke) || ke->group != sa->dh_group ||
	    !ike_prop_get(&c.prop, IKE_TRANS_DH, &dh) || dh.id != sa->dh_group)
		return -EINVAL;
	p = &in->chain.pl[i_n];
	if (ike_pl_nonce_check(p->len))
		return -EINVAL;
	memcpy(sa->nr, p->body, p->len);
	sa->nr_len = p->len;
	if (rekey_spi)
		memcpy(sa->spi_r, reply.spi, IKE_SPI_LEN);
	sa->prop = c.prop;
	ike_conv_suite(&c.prop, &sa->suite);
	return ike_suite_check(&sa->suite, true);
}

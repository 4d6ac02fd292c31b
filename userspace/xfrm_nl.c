// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * XFRM netlink encoders and parsers (see xfrm_nl.h).  The field choices
 * follow what `ip xfrm state add ... mode tunnel` and strongSwan's
 * kernel_netlink send, so `ip xfrm state` prints our SAs the way an operator
 * expects to see them.
 */
#include "xfrm_nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/udp.h>
#include <string.h>
#include <sys/socket.h>

#include "esp.h"

enum { BITS_PER_BYTE = 8, ALGO_BUF = 512 };

static uint16_t to_af(uint8_t xs_family)
{
	return xs_family == XS_AF_INET6 ? AF_INET6 : AF_INET;
}

static size_t xs_alen(uint8_t xs_family)
{
	return xs_family == XS_AF_INET6 ? 16 : 4;
}

static void put_addr(xfrm_address_t *x, const struct dp_addr *a)
{
	memset(x, 0, sizeof(*x));
	memcpy(x, a->addr, xs_alen(a->family));
}

static void put_lifetime_inf(struct xfrm_lifetime_cfg *l)
{
	l->soft_byte_limit = XFRM_INF;
	l->hard_byte_limit = XFRM_INF;
	l->soft_packet_limit = XFRM_INF;
	l->hard_packet_limit = XFRM_INF;
}

/* An algorithm attribute: name, key length in bits, optional extra u32
 * (ICV or truncation length), then the key. */
static void put_algo(struct nl_msg *m, uint16_t type, const char *name, const uint8_t *key,
		     size_t key_len, bool with_extra, uint32_t extra)
{
	uint8_t buf[ALGO_BUF] = { 0 };
	size_t off = 0;
	uint32_t bits = (uint32_t)(key_len * BITS_PER_BYTE);

	/* xfrm_algo, xfrm_algo_auth and xfrm_algo_aead all start like this */
	strncpy((char *)buf, name, sizeof(((struct xfrm_algo *)0)->alg_name) - 1);
	off = sizeof(((struct xfrm_algo *)0)->alg_name);
	memcpy(buf + off, &bits, sizeof(bits));
	off += sizeof(bits);
	if (with_extra) {
		memcpy(buf + off, &extra, sizeof(extra));
		off += sizeof(extra);
	}
	memcpy(buf + off, key, key_len);
	nl_attr_put(m, type, buf, off + key_len);
	memset(buf, 0, sizeof(buf));	/* key material */
	__asm__ __volatile__("" : : "r"(buf) : "memory");
}

static int put_crypto(struct nl_msg *m, const struct esp_sa_params *c)
{
	switch (c->alg) {
	case ESP_ALG_AES_GCM_128:
	case ESP_ALG_AES_GCM_256:
		put_algo(m, XFRMA_ALG_AEAD, XFRM_NL_AEAD_GCM, c->key, c->key_len, true,
			 XFRM_NL_ICV_BITS);
		return 0;
	case ESP_ALG_CHACHA20_POLY1305:
		put_algo(m, XFRMA_ALG_AEAD, XFRM_NL_AEAD_CHACHA, c->key, c->key_len, true,
			 XFRM_NL_ICV_BITS);
		return 0;
	case ESP_ALG_AES_CBC_128:
	case ESP_ALG_AES_CBC_256:
		put_algo(m, XFRMA_ALG_AUTH_TRUNC, XFRM_NL_AUTH_SHA256, c->integ_key,
			 c->integ_key_len, true, XFRM_NL_ICV_BITS);
		put_algo(m, XFRMA_ALG_CRYPT, XFRM_NL_ENC_CBC, c->key, c->key_len, false, 0);
		return 0;
	}
	return -EINVAL;
}

static int put_replay(struct nl_msg *m, const struct xfrm_nl_sa_opts *o)
{
	uint8_t buf[sizeof(struct xfrm_replay_state_esn) + XFRM_NL_REPLAY_MAX / BITS_PER_BYTE];
	struct xfrm_replay_state_esn *rs = (struct xfrm_replay_state_esn *)buf;
	uint32_t words = o->replay_window / 32;

	if (o->replay_window % 32 || o->replay_window > XFRM_NL_REPLAY_MAX)
		return -EINVAL;
	memset(buf, 0, sizeof(buf));
	if (o->replay) {
		size_t have = o->replay->bmp_len < words ? o->replay->bmp_len : words;

		memcpy(rs, o->replay, sizeof(*rs));
		memcpy(rs->bmp, o->replay->bmp, have * sizeof(uint32_t));
	}
	rs->bmp_len = words;
	rs->replay_window = o->replay_window;
	nl_attr_put(m, XFRMA_REPLAY_ESN_VAL, buf, sizeof(*rs) + words * sizeof(uint32_t));
	return 0;
}

static void put_encap(struct nl_msg *m, const struct dp_sa *sa)
{
	struct xfrm_encap_tmpl e;

	memset(&e, 0, sizeof(e));
	e.encap_type = UDP_ENCAP_ESPINUDP;
	e.encap_sport = htons(sa->sport);
	e.encap_dport = htons(sa->dport);
	nl_attr_put(m, XFRMA_ENCAP, &e, sizeof(e));
}

static void put_offload(struct nl_msg *m, const struct dp_sa *sa, const struct xfrm_nl_sa_opts *o)
{
	struct xfrm_user_offload off;

	memset(&off, 0, sizeof(off));
	off.ifindex = o->offload_ifindex;
	if (sa->dst.family == XS_AF_INET6)
		off.flags |= XFRM_OFFLOAD_IPV6;
	if (sa->dir == XS_DIR_IN)
		off.flags |= XFRM_OFFLOAD_INBOUND;
	if (o->offload_packet)
		off.flags |= XFRM_OFFLOAD_PACKET;
	nl_attr_put(m, XFRMA_OFFLOAD_DEV, &off, sizeof(off));
}

int xfrm_nl_sa(struct nl_msg *m, uint16_t type, const struct dp_sa *sa,
	       const struct xfrm_nl_sa_opts *o)
{
	struct xfrm_usersa_info u;
	int rc;

	memset(&u, 0, sizeof(u));
	put_addr(&u.id.daddr, &sa->dst);
	u.id.spi = htonl(sa->spi);
	u.id.proto = IPPROTO_ESP;
	put_addr(&u.saddr, &sa->src);
	put_lifetime_inf(&u.lft);
	u.reqid = o->reqid;
	u.family = to_af(sa->dst.family);
	u.mode = XFRM_MODE_TUNNEL;
	u.replay_window = 0;	/* the ESN attribute carries it */
	if (sa->crypto.esn)
		u.flags |= XFRM_STATE_ESN;
	nl_msg_init(m, type, type == XFRM_MSG_NEWSA ? NLM_F_CREATE | NLM_F_EXCL : 0, &u,
		    sizeof(u));
	rc = put_crypto(m, &sa->crypto);
	if (!rc)
		rc = put_replay(m, o);
	if (rc)
		return rc;
	if (sa->sport && sa->dport)
		put_encap(m, sa);
	if (o->offload_ifindex > 0)
		put_offload(m, sa, o);
	return m->overflow ? -EMSGSIZE : 0;
}

void xfrm_nl_sa_id(struct nl_msg *m, uint16_t type, const struct dp_addr *dst, uint32_t spi)
{
	struct xfrm_usersa_id id;

	memset(&id, 0, sizeof(id));
	put_addr(&id.daddr, dst);
	id.spi = htonl(spi);
	id.family = to_af(dst->family);
	id.proto = IPPROTO_ESP;
	nl_msg_init(m, type, 0, &id, sizeof(id));
}

/* port_lo..port_hi as XFRM's port/mask: any, one port, or an aligned block. */
static int port_mask(const struct xs_selector *s, __be16 *port, __be16 *mask)
{
	uint32_t span = (uint32_t)s->port_hi - s->port_lo + 1;

	if (s->port_lo == 0 && s->port_hi == 65535) {
		*port = *mask = 0;
		return 0;
	}
	if (s->port_hi < s->port_lo || (span & (span - 1)) || (s->port_lo & (span - 1)))
		return -EINVAL;
	*port = htons(s->port_lo);
	*mask = htons((uint16_t)~(span - 1));
	return 0;
}

static int put_selector(struct xfrm_selector *x, const struct xs_selector *src,
			const struct xs_selector *dst)
{
	struct dp_addr a;

	if (src->family != dst->family || (src->proto && dst->proto && src->proto != dst->proto))
		return -EINVAL;
	memset(x, 0, sizeof(*x));
	a.family = src->family;
	memcpy(a.addr, src->addr, sizeof(a.addr));
	put_addr(&x->saddr, &a);
	memcpy(a.addr, dst->addr, sizeof(a.addr));
	put_addr(&x->daddr, &a);
	x->family = to_af(src->family);
	x->prefixlen_s = src->prefixlen;
	x->prefixlen_d = dst->prefixlen;
	x->proto = src->proto ? src->proto : dst->proto;
	if (port_mask(src, &x->sport, &x->sport_mask) || port_mask(dst, &x->dport, &x->dport_mask))
		return -EINVAL;
	return 0;
}

int xfrm_nl_policy(struct nl_msg *m, uint16_t type, const struct xfrm_nl_policy *p)
{
	struct xfrm_userpolicy_info u;
	struct xfrm_user_tmpl t;

	memset(&u, 0, sizeof(u));
	if (put_selector(&u.sel, &p->src, &p->dst))
		return -EINVAL;
	put_lifetime_inf(&u.lft);
	u.priority = p->priority;
	u.dir = p->dir;
	u.action = XFRM_POLICY_ALLOW;
	u.share = XFRM_SHARE_ANY;

	memset(&t, 0, sizeof(t));
	put_addr(&t.id.daddr, &p->tmpl_dst);
	t.id.proto = IPPROTO_ESP;
	t.family = to_af(p->tmpl_dst.family);
	if (p->tmpl_src.family)
		put_addr(&t.saddr, &p->tmpl_src);
	t.reqid = p->reqid;
	t.mode = XFRM_MODE_TUNNEL;
	t.aalgos = t.ealgos = t.calgos = ~0u;

	nl_msg_init(m, type, type == XFRM_MSG_NEWPOLICY ? NLM_F_CREATE | NLM_F_EXCL : 0, &u,
		    sizeof(u));
	nl_attr_put(m, XFRMA_TMPL, &t, sizeof(t));
	return m->overflow ? -EMSGSIZE : 0;
}

int xfrm_nl_policy_del(struct nl_msg *m, const struct xfrm_nl_policy *p)
{
	struct xfrm_userpolicy_id id;

	memset(&id, 0, sizeof(id));
	if (put_selector(&id.sel, &p->src, &p->dst))
		return -EINVAL;
	id.dir = p->dir;
	nl_msg_init(m, XFRM_MSG_DELPOLICY, 0, &id, sizeof(id));
	return 0;
}

static bool same_addr(const struct dp_addr *a, const struct dp_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, xs_alen(a->family));
}

int xfrm_nl_policy_move(struct nl_msg *m, struct xfrm_nl_policy *p, const struct dp_addr *local,
			const struct dp_addr *remote)
{
	bool out = p->dir == XFRM_POLICY_OUT;
	const struct dp_addr *dst = out ? remote : local;
	int rc;

	if (same_addr(&p->tmpl_dst, dst) && (!out || same_addr(&p->tmpl_src, local)))
		return 0;
	p->tmpl_dst = *dst;
	if (out)
		p->tmpl_src = *local;
	rc = xfrm_nl_policy(m, XFRM_MSG_UPDPOLICY, p);
	return rc ? rc : 1;
}

bool xfrm_nl_sa_moves_in_place(const struct dp_sa *sa, const struct dp_addr *src,
			       const struct dp_addr *dst)
{
	return same_addr(&sa->src, src) && same_addr(&sa->dst, dst);
}

static void get_addr(struct dp_addr *a, const xfrm_address_t *x, uint16_t af)
{
	memset(a, 0, sizeof(*a));
	a->family = af == AF_INET6 ? XS_AF_INET6 : XS_AF_INET;
	memcpy(a->addr, x, xs_alen(a->family));
}

static void parse_replay(const struct rtattr *rta, struct xfrm_nl_sa_state *out)
{
	const struct xfrm_replay_state_esn *rs = RTA_DATA(rta);
	size_t len = RTA_PAYLOAD(rta), words;

	if (len < sizeof(*rs))
		return;
	words = (len - sizeof(*rs)) / sizeof(uint32_t);
	if (words > rs->bmp_len)
		words = rs->bmp_len;
	if (words > XFRM_NL_REPLAY_MAX / 32)
		words = XFRM_NL_REPLAY_MAX / 32;
	memcpy(&out->replay, rs, sizeof(*rs));
	out->replay.bmp_len = (uint32_t)words;
	memcpy(out->bitmap, rs->bmp, words * sizeof(uint32_t));
	out->have_replay = true;
}

static void sa_state_from(const struct xfrm_usersa_info *u, const struct rtattr *attrs, int len,
			  struct xfrm_nl_sa_state *out)
{
	const struct rtattr *tb[XFRMA_MAX + 1];

	memset(out, 0, sizeof(*out));
	out->spi = ntohl(u->id.spi);
	out->reqid = u->reqid;
	get_addr(&out->src, &u->saddr, u->family);
	get_addr(&out->dst, &u->id.daddr, u->family);
	out->bytes = u->curlft.bytes;
	out->packets = u->curlft.packets;
	out->add_time = u->curlft.add_time;
	out->use_time = u->curlft.use_time;
	if (len <= 0)
		return;
	nl_parse_attrs(tb, XFRMA_MAX, attrs, len);
	if (tb[XFRMA_REPLAY_ESN_VAL])
		parse_replay(tb[XFRMA_REPLAY_ESN_VAL], out);
}

int xfrm_nl_parse_sa(const struct nlmsghdr *nh, struct xfrm_nl_sa_state *out)
{
	const struct rtattr *attrs;
	int len;

	if ((nh->nlmsg_type != XFRM_MSG_NEWSA && nh->nlmsg_type != XFRM_MSG_UPDSA) ||
	    nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct xfrm_usersa_info)))
		return -EBADMSG;
	attrs = nl_msg_attrs(nh, sizeof(struct xfrm_usersa_info), &len);
	sa_state_from(NLMSG_DATA(nh), attrs, len, out);
	return 0;
}

int xfrm_nl_parse_expire(const struct nlmsghdr *nh, struct xfrm_nl_expire *out)
{
	const struct xfrm_user_expire *e = NLMSG_DATA(nh);
	const struct rtattr *attrs;
	int len;

	if (nh->nlmsg_type != XFRM_MSG_EXPIRE ||
	    nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct xfrm_user_expire)))
		return -EBADMSG;
	attrs = nl_msg_attrs(nh, sizeof(struct xfrm_user_expire), &len);
	sa_state_from(&e->state, attrs, len, &out->sa);
	out->hard = e->hard != 0;
	return 0;
}

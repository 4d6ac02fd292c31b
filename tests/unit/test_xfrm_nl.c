// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * XFRM netlink encoding, field by field: NEWSA for each transform (AEAD
 * name, key and ICV lengths in bits, the salt inside the key), replay state
 * as XFRMA_REPLAY_ESN_VAL, UDP encapsulation, offload flags; DELSA/GETSA
 * ids; policies with their selector (ports as port/mask) and template, and
 * the UPDPOLICY that moves a template when the tunnel moves; and parsing of
 * a GETSA reply and an expire event.  The VM test
 * (tests/vm/run-vm.sh) checks the same SAs against `ip xfrm state`.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/udp.h>
#include <sys/socket.h>

#include "xfrm_nl.h"

static const uint8_t OUR4[4] = { 198, 51, 100, 1 };
static const uint8_t PEER4[4] = { 203, 0, 113, 7 };

static struct dp_sa sa_gcm_in(void)
{
	struct dp_sa sa;

	memset(&sa, 0, sizeof(sa));
	sa.spi = 0xc0ffee01;
	sa.dir = XS_DIR_IN;
	sa.src.family = sa.dst.family = XS_AF_INET;
	memcpy(sa.src.addr, PEER4, 4);
	memcpy(sa.dst.addr, OUR4, 4);
	sa.crypto.alg = ESP_ALG_AES_GCM_128;
	sa.crypto.key_len = 20;
	for (unsigned int i = 0; i < 20; i++)
		sa.crypto.key[i] = (uint8_t)(0xa0 + i);
	return sa;
}

static const struct rtattr *attr(const struct nl_msg *m, size_t hdrlen, uint16_t type)
{
	const struct rtattr *tb[XFRMA_MAX + 1];
	const struct rtattr *a;
	int len;

	a = nl_msg_attrs(&m->nh, hdrlen, &len);
	nl_parse_attrs(tb, XFRMA_MAX, a, len);
	return tb[type];
}

static const struct xfrm_usersa_info *usersa(const struct nl_msg *m)
{
	return NLMSG_DATA(&m->nh);
}

static void test_newsa_gcm_inbound_offload(void **state)
{
	struct dp_sa sa = sa_gcm_in();
	struct xfrm_nl_sa_opts o = { .reqid = 8, .replay_window = 1024, .offload_ifindex = 3 };
	const struct xfrm_usersa_info *u;
	const struct xfrm_algo_aead *aead;
	const struct xfrm_replay_state_esn *rs;
	const struct xfrm_user_offload *off;
	const struct rtattr *a;
	struct nl_msg m;

	(void)state;
	assert_int_equal(xfrm_nl_sa(&m, XFRM_MSG_NEWSA, &sa, &o), 0);
	assert_int_equal(m.nh.nlmsg_type, XFRM_MSG_NEWSA);
	assert_int_equal(m.nh.nlmsg_flags,
			 NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	u = usersa(&m);
	assert_memory_equal(&u->id.daddr, OUR4, 4);
	assert_memory_equal(&u->saddr, PEER4, 4);
	assert_int_equal(u->id.spi, htonl(0xc0ffee01));
	assert_int_equal(u->id.proto, IPPROTO_ESP);
	assert_int_equal(u->family, AF_INET);
	assert_int_equal(u->mode, XFRM_MODE_TUNNEL);
	assert_int_equal(u->reqid, 8);
	assert_int_equal(u->replay_window, 0);
	assert_int_equal(u->flags, 0);
	assert_true(u->lft.hard_byte_limit == XFRM_INF && u->lft.soft_packet_limit == XFRM_INF);
	assert_int_equal(u->sel.family, 0);

	a = attr(&m, sizeof(*u), XFRMA_ALG_AEAD);
	assert_non_null(a);
	aead = RTA_DATA(a);
	assert_string_equal(aead->alg_name, "rfc4106(gcm(aes))");
	assert_int_equal(aead->alg_key_len, 160);	/* key + salt, in bits */
	assert_int_equal(aead->alg_icv_len, 128);
	assert_int_equal(RTA_PAYLOAD(a), sizeof(*aead) + 20);
	assert_memory_equal(aead->alg_key, sa.crypto.key, 20);
	assert_null(attr(&m, sizeof(*u), XFRMA_ALG_CRYPT));
	assert_null(attr(&m, sizeof(*u), XFRMA_ENCAP));

	a = attr(&m, sizeof(*u), XFRMA_REPLAY_ESN_VAL);
	assert_non_null(a);
	rs = RTA_DATA(a);
	assert_int_equal(rs->bmp_len, 32);
	assert_int_equal(rs->replay_window, 1024);
	assert_int_equal(rs->oseq, 0);
	assert_int_equal(RTA_PAYLOAD(a), sizeof(*rs) + 32 * 4);

	a = attr(&m, sizeof(*u), XFRMA_OFFLOAD_DEV);
	assert_non_null(a);
	off = RTA_DATA(a);
	assert_int_equal(off->ifindex, 3);
	assert_int_equal(off->flags, XFRM_OFFLOAD_INBOUND);
}

static void test_newsa_cbc_encap_esn_packet_offload(void **state)
{
	struct dp_sa sa = sa_gcm_in();
	struct xfrm_nl_sa_opts o = { .reqid = 2, .replay_window = 64, .offload_ifindex = 5,
				     .offload_packet = true };
	const struct xfrm_algo_auth *auth;
	const struct xfrm_algo *enc;
	const struct xfrm_encap_tmpl *e;
	const struct xfrm_user_offload *off;
	const struct rtattr *a;
	struct nl_msg m;

	(void)state;
	sa.dir = XS_DIR_OUT;
	sa.crypto.alg = ESP_ALG_AES_CBC_256;
	sa.crypto.key_len = 32;
	sa.crypto.integ_key_len = 32;
	memset(sa.crypto.integ_key, 0x5a, 32);
	sa.crypto.esn = true;
	sa.sport = 4500;
	sa.dport = 34567;
	assert_int_equal(xfrm_nl_sa(&m, XFRM_MSG_UPDSA, &sa, &o), 0);
	assert_int_equal(m.nh.nlmsg_type, XFRM_MSG_UPDSA);
	assert_int_equal(m.nh.nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL), 0);
	assert_int_equal(usersa(&m)->flags, XFRM_STATE_ESN);

	a = attr(&m, sizeof(struct xfrm_usersa_info), XFRMA_ALG_CRYPT);
	assert_non_null(a);
	enc = RTA_DATA(a);
	assert_string_equal(enc->alg_name, "cbc(aes)");
	assert_int_equal(enc->alg_key_len, 256);
	a = attr(&m, sizeof(struct xfrm_usersa_info), XFRMA_ALG_AUTH_TRUNC);
	assert_non_null(a);
	auth = RTA_DATA(a);
	assert_string_equal(auth->alg_name, "hmac(sha256)");
	assert_int_equal(auth->alg_key_len, 256);
	assert_int_equal(auth->alg_trunc_len, 128);
	assert_int_equal(auth->alg_key[0], 0x5a);
	assert_null(attr(&m, sizeof(struct xfrm_usersa_info), XFRMA_ALG_AEAD));

	a = attr(&m, sizeof(struct xfrm_usersa_info), XFRMA_ENCAP);
	assert_non_null(a);
	e = RTA_DATA(a);
	assert_int_equal(e->encap_type, UDP_ENCAP_ESPINUDP);
	assert_int_equal(e->encap_sport, htons(4500));
	assert_int_equal(e->encap_dport, htons(34567));

	off = RTA_DATA(attr(&m, sizeof(struct xfrm_usersa_info), XFRMA_OFFLOAD_DEV));
	assert_int_equal(off->ifindex, 5);
	assert_int_equal(off->flags, XFRM_OFFLOAD_PACKET);	/* outbound, IPv4 */
}

static void test_newsa_chacha_ipv6(void **state)
{
	struct dp_sa sa = sa_gcm_in();
	struct xfrm_nl_sa_opts o = { .replay_window = 32, .offload_ifindex = 1 };
	const struct xfrm_algo_aead *aead;
	struct nl_msg m;

	(void)state;
	sa.crypto.alg = ESP_ALG_CHACHA20_POLY1305;
	sa.crypto.key_len = 36;
	sa.src.family = sa.dst.family = XS_AF_INET6;
	sa.dst.addr[0] = 0x20;
	sa.dst.addr[15] = 1;
	assert_int_equal(xfrm_nl_sa(&m, XFRM_MSG_NEWSA, &sa, &o), 0);
	assert_int_equal(usersa(&m)->family, AF_INET6);
	assert_memory_equal(&usersa(&m)->id.daddr, sa.dst.addr, 16);
	aead = RTA_DATA(attr(&m, sizeof(struct xfrm_usersa_info), XFRMA_ALG_AEAD));
	assert_string_equal(aead->alg_name, "rfc7539esp(chacha20,poly1305)");
	assert_int_equal(aead->alg_key_len, 288);
	assert_int_equal(aead->alg_icv_len, 128);
	assert_int_equal(((const struct xfrm_user_offload *)RTA_DATA(
				  attr(&m, sizeof(struct xfrm_usersa_info), XFRMA_OFFLOAD_DEV)))->flags,
			 XFRM_OFFLOAD_IPV6 | XFRM_OFFLOAD_INBOUND);
}

static void test_newsa_bad_window(void **state)
{
	struct dp_sa sa = sa_gcm_in();
	struct xfrm_nl_sa_opts o = { .replay_window = 100 };
	struct nl_msg m;

	(void)state;
	assert_int_equal(xfrm_nl_sa(&m, XFRM_MSG_NEWSA, &sa, &o), -EINVAL);
	o.replay_window = XFRM_NL_REPLAY_MAX + 32;
	assert_int_equal(xfrm_nl_sa(&m, XFRM_MSG_NEWSA, &sa, &o), -EINVAL);
}

static void test_sa_id(void **state)
{
	struct dp_sa sa = sa_gcm_in();
	const struct xfrm_usersa_id *id;
	struct nl_msg m;

	(void)state;
	xfrm_nl_sa_id(&m, XFRM_MSG_DELSA, &sa.dst, sa.spi);
	assert_int_equal(m.nh.nlmsg_type, XFRM_MSG_DELSA);
	assert_int_equal(m.nh.nlmsg_len, NLMSG_LENGTH(sizeof(*id)));
	id = NLMSG_DATA(&m.nh);
	assert_memory_equal(&id->daddr, OUR4, 4);
	assert_int_equal(id->spi, htonl(0xc0ffee01));
	assert_int_equal(id->family, AF_INET);
	assert_int_equal(id->proto, IPPROTO_ESP);
}

static struct xs_selector sel4(uint8_t a, uint8_t b, uint8_t c, uint8_t plen)
{
	struct xs_selector s = { .family = XS_AF_INET, .prefixlen = plen, .port_hi = 65535 };

	s.addr[0] = a;
	s.addr[1] = b;
	s.addr[2] = c;
	return s;
}

static void test_policy_out(void **state)
{
	struct xfrm_nl_policy p = { .dir = XFRM_POLICY_OUT, .priority = 952, .reqid = 4 };
	const struct xfrm_userpolicy_info *u;
	const struct xfrm_user_tmpl *t;
	const struct rtattr *a;
	struct nl_msg m;

	(void)state;
	p.src = sel4(10, 1, 0, 24);
	p.dst = sel4(10, 2, 0, 24);
	p.dst.proto = IPPROTO_TCP;
	p.dst.port_lo = p.dst.port_hi = 443;
	p.tmpl_src.family = p.tmpl_dst.family = XS_AF_INET;
	memcpy(p.tmpl_src.addr, OUR4, 4);
	memcpy(p.tmpl_dst.addr, PEER4, 4);
	assert_int_equal(xfrm_nl_policy(&m, XFRM_MSG_NEWPOLICY, &p), 0);
	assert_int_equal(m.nh.nlmsg_type, XFRM_MSG_NEWPOLICY);
	u = NLMSG_DATA(&m.nh);
	assert_int_equal(u->sel.family, AF_INET);
	assert_int_equal(u->sel.prefixlen_s, 24);
	assert_int_equal(u->sel.prefixlen_d, 24);
	assert_int_equal(ntohl(u->sel.saddr.a4), 0x0a010000);
	assert_int_equal(ntohl(u->sel.daddr.a4), 0x0a020000);
	assert_int_equal(u->sel.proto, IPPROTO_TCP);
	assert_int_equal(u->sel.dport, htons(443));
	assert_int_equal(u->sel.dport_mask, 0xffff);
	assert_int_equal(u->sel.sport_mask, 0);
	assert_int_equal(u->dir, XFRM_POLICY_OUT);
	assert_int_equal(u->action, XFRM_POLICY_ALLOW);
	assert_int_equal(u->priority, 952);

	a = attr(&m, sizeof(*u), XFRMA_TMPL);
	assert_non_null(a);
	assert_int_equal(RTA_PAYLOAD(a), sizeof(*t));
	t = RTA_DATA(a);
	assert_memory_equal(&t->id.daddr, PEER4, 4);
	assert_memory_equal(&t->saddr, OUR4, 4);
	assert_int_equal(t->id.proto, IPPROTO_ESP);
	assert_int_equal(t->id.spi, 0);
	assert_int_equal(t->family, AF_INET);
	assert_int_equal(t->reqid, 4);
	assert_int_equal(t->mode, XFRM_MODE_TUNNEL);
	assert_int_equal(t->ealgos, 0xffffffffu);
}

static void test_policy_in_any_source_and_del(void **state)
{
	struct xfrm_nl_policy p = { .dir = XFRM_POLICY_FWD };
	const struct xfrm_userpolicy_id *id;
	const struct xfrm_user_tmpl *t;
	struct nl_msg m;

	(void)state;
	p.src = sel4(10, 2, 0, 24);
	p.dst = sel4(0, 0, 0, 0);
	p.src.port_lo = 1024;	/* 1024-2047: one aligned block */
	p.src.port_hi = 2047;
	p.tmpl_dst.family = XS_AF_INET;
	memcpy(p.tmpl_dst.addr, OUR4, 4);
	assert_int_equal(xfrm_nl_policy(&m, XFRM_MSG_NEWPOLICY, &p), 0);
	assert_int_equal(((const struct xfrm_userpolicy_info *)NLMSG_DATA(&m.nh))->sel.sport,
			 htons(1024));
	assert_int_equal(((const struct xfrm_userpolicy_info *)NLMSG_DATA(&m.nh))->sel.sport_mask,
			 htons(0xfc00));
	t = RTA_DATA(attr(&m, sizeof(struct xfrm_userpolicy_info), XFRMA_TMPL));
	assert_int_equal(t->saddr.a4, 0);	/* any source */
	assert_int_equal(t->reqid, 0);

	assert_int_equal(xfrm_nl_policy_del(&m, &p), 0);
	assert_int_equal(m.nh.nlmsg_type, XFRM_MSG_DELPOLICY);
	id = NLMSG_DATA(&m.nh);
	assert_int_equal(id->dir, XFRM_POLICY_FWD);
	assert_int_equal(id->sel.prefixlen_s, 24);
	assert_int_equal(id->sel.sport_mask, htons(0xfc00));
}

static void test_policy_unexpressible(void **state)
{
	struct xfrm_nl_policy p = { .dir = XFRM_POLICY_OUT };
	struct nl_msg m;

	(void)state;
	p.src = sel4(10, 1, 0, 24);
	p.dst = sel4(10, 2, 0, 24);
	p.dst.port_lo = 1000;	/* 1000-1999 is no port/mask */
	p.dst.port_hi = 1999;
	assert_int_equal(xfrm_nl_policy(&m, XFRM_MSG_NEWPOLICY, &p), -EINVAL);
	p.dst = sel4(10, 2, 0, 24);
	p.dst.family = XS_AF_INET6;
	assert_int_equal(xfrm_nl_policy(&m, XFRM_MSG_NEWPOLICY, &p), -EINVAL);
}

static struct xfrm_nl_policy out_policy(void)
{
	struct xfrm_nl_policy p = { .dir = XFRM_POLICY_OUT, .priority = 952, .reqid = 4 };

	p.src = sel4(10, 1, 0, 24);
	p.dst = sel4(10, 2, 0, 24);
	p.tmpl_src.family = p.tmpl_dst.family = XS_AF_INET;
	memcpy(p.tmpl_src.addr, OUR4, 4);
	memcpy(p.tmpl_dst.addr, PEER4, 4);
	return p;
}

/* MOBIKE moved our end: UPDPOLICY with the same selector, the template's new source. */
static void test_policy_move_out(void **state)
{
	static const uint8_t MOVED4[4] = { 192, 0, 2, 77 };
	struct xfrm_nl_policy p = out_policy();
	struct dp_addr local = { .family = XS_AF_INET }, remote = { .family = XS_AF_INET };
	const struct xfrm_userpolicy_info *u;
	const struct xfrm_user_tmpl *t;
	struct nl_msg m;

	(void)state;
	memcpy(local.addr, OUR4, 4);
	memcpy(remote.addr, PEER4, 4);
	assert_int_equal(xfrm_nl_policy_move(&m, &p, &local, &remote), 0);	/* unchanged */
	memcpy(local.addr, MOVED4, 4);
	assert_int_equal(xfrm_nl_policy_move(&m, &p, &local, &remote), 1);
	assert_int_equal(m.nh.nlmsg_type, XFRM_MSG_UPDPOLICY);
	assert_int_equal(m.nh.nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL), 0);
	u = NLMSG_DATA(&m.nh);
	assert_int_equal(u->dir, XFRM_POLICY_OUT);
	assert_int_equal(ntohl(u->sel.daddr.a4), 0x0a020000);	/* the policy it replaces */
	assert_int_equal(u->priority, 952);
	t = RTA_DATA(attr(&m, sizeof(*u), XFRMA_TMPL));
	assert_memory_equal(&t->saddr, MOVED4, 4);
	assert_memory_equal(&t->id.daddr, PEER4, 4);
	assert_int_equal(t->reqid, 4);
	assert_memory_equal(p.tmpl_src.addr, MOVED4, 4);	/* remembered for the next move */
	assert_int_equal(xfrm_nl_policy_move(&m, &p, &local, &remote), 0);
	/* the peer moved to IPv6 */
	remote.family = XS_AF_INET6;
	memset(remote.addr, 0, 16);
	remote.addr[0] = 0x20;
	remote.addr[1] = 0x01;
	remote.addr[2] = 0x0d;
	remote.addr[3] = 0xb8;
	remote.addr[15] = 7;
	assert_int_equal(xfrm_nl_policy_move(&m, &p, &local, &remote), 1);
	t = RTA_DATA(attr(&m, sizeof(*u), XFRMA_TMPL));
	assert_int_equal(t->family, AF_INET6);
	assert_memory_equal(&t->id.daddr, remote.addr, 16);
}

/* In and fwd: only the template's destination (ours) follows; the source stays any. */
static void test_policy_move_in(void **state)
{
	static const uint8_t MOVED4[4] = { 192, 0, 2, 77 };
	struct xfrm_nl_policy p = { .dir = XFRM_POLICY_IN };
	struct dp_addr local = { .family = XS_AF_INET }, remote = { .family = XS_AF_INET };
	const struct xfrm_user_tmpl *t;
	struct nl_msg m;

	(void)state;
	p.src = sel4(10, 2, 0, 24);
	p.dst = sel4(10, 1, 0, 24);
	p.tmpl_dst.family = XS_AF_INET;
	memcpy(p.tmpl_dst.addr, OUR4, 4);
	memcpy(local.addr, OUR4, 4);
	memcpy(remote.addr, MOVED4, 4);
	assert_int_equal(xfrm_nl_policy_move(&m, &p, &local, &remote), 0);	/* the peer moved */
	memcpy(local.addr, MOVED4, 4);
	assert_int_equal(xfrm_nl_policy_move(&m, &p, &local, &remote), 1);
	assert_int_equal(m.nh.nlmsg_type, XFRM_MSG_UPDPOLICY);
	t = RTA_DATA(attr(&m, sizeof(struct xfrm_userpolicy_info), XFRMA_TMPL));
	assert_memory_equal(&t->id.daddr, MOVED4, 4);
	assert_int_equal(t->saddr.a4, 0);
	assert_int_equal(p.tmpl_src.family, 0);
}

/* UPDSA only for new ports: it would keep an address, and daddr names the state. */
static void test_sa_moves_in_place(void **state)
{
	struct dp_sa sa = sa_gcm_in();
	struct dp_addr src = sa.src, dst = sa.dst;

	(void)state;
	assert_true(xfrm_nl_sa_moves_in_place(&sa, &src, &dst));
	src.addr[3]++;
	assert_false(xfrm_nl_sa_moves_in_place(&sa, &src, &dst));
	src = sa.src;
	dst.addr[3]++;
	assert_false(xfrm_nl_sa_moves_in_place(&sa, &src, &dst));
	dst = sa.dst;
	dst.family = XS_AF_INET6;
	assert_false(xfrm_nl_sa_moves_in_place(&sa, &src, &dst));
}

/* A kernel reply is a NEWSA like ours with counters filled in. */
static void test_parse_getsa_reply(void **state)
{
	struct dp_sa sa = sa_gcm_in();
	struct xfrm_nl_sa_opts o = { .reqid = 9, .replay_window = 64 };
	struct xfrm_nl_sa_state st;
	struct xfrm_usersa_info *u;
	struct xfrm_replay_state_esn *rs;
	struct nl_msg m;

	(void)state;
	assert_int_equal(xfrm_nl_sa(&m, XFRM_MSG_NEWSA, &sa, &o), 0);
	u = NLMSG_DATA(&m.nh);
	u->curlft.bytes = 123456;
	u->curlft.packets = 789;
	u->curlft.add_time = 1700000000;
	rs = RTA_DATA(attr(&m, sizeof(*u), XFRMA_REPLAY_ESN_VAL));
	rs->seq = 41;
	rs->oseq = 17;
	rs->bmp[1] = 0x80000001;
	assert_int_equal(xfrm_nl_parse_sa(&m.nh, &st), 0);
	assert_int_equal(st.spi, 0xc0ffee01);
	assert_int_equal(st.reqid, 9);
	assert_int_equal(st.bytes, 123456);
	assert_int_equal(st.packets, 789);
	assert_int_equal(st.add_time, 1700000000);
	assert_memory_equal(st.dst.addr, OUR4, 4);
	assert_memory_equal(st.src.addr, PEER4, 4);
	assert_true(st.have_replay);
	assert_int_equal(st.replay.seq, 41);
	assert_int_equal(st.replay.oseq, 17);
	assert_int_equal(st.replay.bmp_len, 2);
	assert_int_equal(st.bitmap[1], 0x80000001);

	m.nh.nlmsg_len = NLMSG_LENGTH(10);
	assert_int_equal(xfrm_nl_parse_sa(&m.nh, &st), -EBADMSG);
}

static void test_parse_expire(void **state)
{
	struct {
		struct nlmsghdr nh;
		struct xfrm_user_expire e;
	} msg;
	struct xfrm_nl_expire ex;

	(void)state;
	memset(&msg, 0, sizeof(msg));
	msg.nh.nlmsg_type = XFRM_MSG_EXPIRE;
	msg.nh.nlmsg_len = NLMSG_LENGTH(sizeof(msg.e));
	msg.e.state.id.spi = htonl(0x1234);
	msg.e.state.family = AF_INET;
	memcpy(&msg.e.state.id.daddr, OUR4, 4);
	msg.e.state.curlft.bytes = 1 << 20;
	msg.e.hard = 1;
	assert_int_equal(xfrm_nl_parse_expire(&msg.nh, &ex), 0);
	assert_int_equal(ex.sa.spi, 0x1234);
	assert_true(ex.hard);
	assert_int_equal(ex.sa.bytes, 1 << 20);
	assert_false(ex.sa.have_replay);
	msg.nh.nlmsg_type = XFRM_MSG_NEWSA;
	assert_int_equal(xfrm_nl_parse_expire(&msg.nh, &ex), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_newsa_gcm_inbound_offload),
		cmocka_unit_test(test_newsa_cbc_encap_esn_packet_offload),
		cmocka_unit_test(test_newsa_chacha_ipv6),
		cmocka_unit_test(test_newsa_bad_window),
		cmocka_unit_test(test_sa_id),
		cmocka_unit_test(test_policy_out),
		cmocka_unit_test(test_policy_in_any_source_and_del),
		cmocka_unit_test(test_policy_unexpressible),
		cmocka_unit_test(test_policy_move_out),
		cmocka_unit_test(test_policy_move_in),
		cmocka_unit_test(test_sa_moves_in_place),
		cmocka_unit_test(test_parse_getsa_reply),
		cmocka_unit_test(test_parse_expire),
	};

	return cmocka_run_group_tests_name("xfrm_nl", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IKE fragmentation (RFC 7383): IKE_AUTH with certificate chains over paths
 * that drop IP fragments.
 *
 *   negotiation  N(IKEV2_FRAGMENTATION_SUPPORTED) in IKE_SA_INIT, from the
 *                initiator unless its connection says fragmentation = no,
 *                from the responder only in answer to it.  We send
 *                fragments when both announced and the connection says
 *                yes (or force, IKEv1's "fragment IKE_SA_INIT too", which
 *                IKEv2 does not have); accept announces but never sends.
 *   sending      a protected message whose datagram would exceed the
 *                fragment size (ike_engine_params.fragment_size, the whole
 *                IP datagram; 0: 576 octets for IPv4 and 1280 for IPv6,
 *                RFC 7383 2.5.1, or the uplink's MTU, link_mtu, if that is
 *                smaller) leaves as Encrypted Fragment (SKF)
 *                messages, each protected on its own (2.5).  They are
 *                built back to back into one buffer, a "train" that the
 *                request / response cache keeps like any message, so that
 *                a retransmission re-sends every fragment; ike_sa_send cuts
 *                a train at the IKE header lengths.
 *   receiving    per IKE SA one set for the peer's request and one for its
 *                response: each fragment's ICV is verified before it is
 *                kept; duplicates are ignored; a set for another message ID
 *                or older than IKE_FRAG_TIMEOUT_MS is dropped; a larger
 *                Total Fragments restarts the set, a smaller one is ignored
 *                (2.6).  The last fragment in turns the whole plaintext
 *                into the inner chain as if one SK payload had carried it.
 *                Fragments are accepted whatever the connection says, as
 *                strongSwan does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_xchg.h"

enum {
	IKE_FRAG_MAX = 32,		/* fragments of one message, either way */
	IKE_FRAG_TIMEOUT_MS = 30000,	/* an incomplete set is dropped after this */
	IKE_FRAG_SIZE_V4 = 576,		/* RFC 7383 2.5.1: what every IPv4 path carries */
	IKE_FRAG_SIZE_V6 = 1280,	/* and every IPv6 path */
	IPV4_HDR_LEN = 20,
	IPV6_HDR_LEN = 40,
	UDP_HDR_LEN = 8,
	HDR_NEXT_PAYLOAD_OFF = 16,
	HDR_LENGTH_OFF = 24,
	SKF_FRAG_NUM_OFF = IKE_HDR_LEN + IKE_GENERIC_HDR_LEN,
};

/* One message being reassembled. */
struct frag_set {
	bool used;
	uint32_t msg_id;
	uint16_t total, have;
	uint8_t first_type;		/* fragment 1's Next Payload */
	size_t bytes;
	uint64_t started_ms;
	uint8_t *part[IKE_FRAG_MAX + 1];	/* decrypted, by Fragment Number */
	size_t part_len[IKE_FRAG_MAX + 1];
	uint8_t *first_raw;		/* fragment 1 as received: what a retransmission matches */
	size_t first_raw_len;
};

struct ike_frag_rx {
	struct frag_set set[2];		/* [0] the peer's request, [1] its response */
};

/* ---- negotiation ---- */

static void update_send(struct ike_sa *sa)
{
	const struct ike_cfg_conn *c = sa->conn;

	sa->frag_send = sa->frag_ours && sa->frag_peer && c &&
			(c->fragmentation == IKE_CFG_FRAG_YES ||
			 c->fragmentation == IKE_CFG_FRAG_FORCE);
}

int ike_frag_build_notify(struct ike_sa *sa, struct ike_builder *b)
{
	if (!sa->conn || sa->conn->fragmentation == IKE_CFG_FRAG_NO ||
	    (!sa->initiator && !sa->frag_peer))
		return 0;
	sa->frag_ours = true;
	update_send(sa);
	return ike_build_notify_simple(b, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
}

void ike_frag_note(struct ike_sa *sa, const struct ike_in *in)
{
	struct ike_pl_notify n;

	sa->frag_peer = ike_in_notify(in, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, &n);
	update_send(sa);
}

/* ---- sending ---- */

size_t ike_frag_datagram_max(uint32_t fragment_size, uint32_t link_mtu, bool v6)
{
	size_t size = v6 ? IKE_FRAG_SIZE_V6 : IKE_FRAG_SIZE_V4;

	if (fragment_size)
		return fragment_size;	/* the operator's word */
	if (link_mtu && link_mtu < size)
		size = link_mtu > IKE_FRAGMENT_SIZE_MIN ? link_mtu : IKE_FRAGMENT_SIZE_MIN;
	return size;
}

/* The IKE octets one datagram to the peer may carry. */
static size_t datagram_room(const struct ike_sa *sa)
{
	const struct ike_engine *e = sa->e;
	bool v6 = sa->remote.family == XS_AF_INET6;
	size_t size = ike_frag_datagram_max(e->params.fragment_size, e->params.link_mtu, v6);
	size_t over = UDP_HDR_LEN;

	over += v6 ? IPV6_HDR_LEN : IPV4_HDR_LEN;
	if (sa->local.port != e->params.port)
		over += IKE_NON_ESP_MARKER_LEN;
	return size > over ? size - over : 0;
}

bool ike_frag_needed(const struct ike_sa *sa, size_t sk_off, size_t plain_len)
{
	return sa->frag_send && sk_off == IKE_HDR_LEN &&
	       sk_off + ike_sk_payload_len(&sa->sk_out, plain_len) > datagram_room(sa);
}

/* Inner octets per fragment so that each fragment fits room; 0 if none fit. */
static size_t chunk_size(const struct ike_sa *sa, size_t room)
{
	size_t fixed = IKE_HDR_LEN + IKE_SKF_FRAG_LEN, chunk;

	if (room <= fixed)
		return 0;
	for (chunk = room - fixed; chunk > 0; chunk--)
		if (fixed + ike_sk_payload_len(&sa->sk_out, chunk) <= room)
			return chunk;
	return 0;
}

/* Fragment num of total at out (cap octets), data its share of the plaintext. */
static int write_fragment(struct ike_sa *sa, uint8_t *out, size_t cap, const uint8_t *hdr,
			  uint8_t next, unsigned int num, unsigned int total,
			  const uint8_t *data, size_t len, size_t *out_len)
{
	size_t pt_off = SKF_FRAG_NUM_OFF + IKE_SKF_FRAG_LEN + ike_sk_iv_len(&sa->sk_out);

	if (cap < pt_off + len)
		return -ENOSPC;
	memcpy(out, hdr, IKE_HDR_LEN);
	out[IKE_HDR_LEN] = next;
	out[IKE_HDR_LEN + 1] = 0;
	ike_put16(out + SKF_FRAG_NUM_OFF, (uint16_t)num);
	ike_put16(out + SKF_FRAG_NUM_OFF + 2, (uint16_t)total);
	memcpy(out + pt_off, data, len);
	return ike_sk_encrypt_frag(&sa->sk_out, out, cap, IKE_HDR_LEN, len, out_len);
}

int ike_frag_encrypt(struct ike_sa *sa, size_t plain_len, size_t *len)
{
	struct ike_engine *e = sa->e;
	size_t chunk = chunk_size(sa, datagram_room(sa)), off = 0, out = 0, n, flen = 0;
	uint8_t hdr[IKE_HDR_LEN], first_type = e->buf[IKE_HDR_LEN], *plain;
	unsigned int total, i;
	int ret = 0;

	if (!chunk || !plain_len)
		return -EMSGSIZE;
	total = (unsigned int)((plain_len + chunk - 1) / chunk);
	if (total > IKE_FRAG_MAX)
		return -EMSGSIZE;
	plain = malloc(plain_len);
	if (!plain)
		return -ENOMEM;
	memcpy(plain, e->buf + IKE_HDR_LEN + IKE_GENERIC_HDR_LEN + ike_sk_iv_len(&sa->sk_out),
	       plain_len);
	memcpy(hdr, e->buf, IKE_HDR_LEN);
	hdr[HDR_NEXT_PAYLOAD_OFF] = IKE_PL_SKF;
	for (i = 1; i <= total && !ret; i++, off += n, out += flen) {
		n = plain_len - off < chunk ? plain_len - off : chunk;
		ret = write_fragment(sa, e->buf + out, sizeof(e->buf) - out, hdr,
				     i == 1 ? first_type : IKE_PL_NONE, i, total, plain + off, n,
				     &flen);
	}
	OPENSSL_cleanse(plain, plain_len);
	free(plain);
	*len = out;
	return ret;
}

size_t ike_frag_train_next(const uint8_t *msg, size_t len)
{
	size_t one;

	if (len < IKE_HDR_LEN)
		return len;
	one = ike_get32(msg + HDR_LENGTH_OFF);
	return one >= IKE_HDR_LEN && one < len ? one : len;
}

/* ---- receiving ---- */

unsigned int ike_frag_number(const uint8_t *msg, size_t len)
{
	if (len < SKF_FRAG_NUM_OFF + IKE_SKF_FRAG_LEN || msg[HDR_NEXT_PAYLOAD_OFF] != IKE_PL_SKF)
		return 0;
	return ike_get16(msg + SKF_FRAG_NUM_OFF);
}

static void set_reset(struct frag_set *s)
{
	unsigned int i;

	for (i = 1; i <= IKE_FRAG_MAX; i++) {
		if (s->part[i])
			OPENSSL_cleanse(s->part[i], s->part_len[i]);
		free(s->part[i]);
	}
	free(s->first_raw);
	memset(s, 0, sizeof(*s));
}

static bool set_stale(const struct ike_sa *sa, const struct frag_set *s)
{
	return s->used && s->have < s->total &&
	       sa->e->now_ms >= s->started_ms + IKE_FRAG_TIMEOUT_MS;
}

/* Keeps fragment num (plaintext data, len; raw as received); false if out of memory. */
static bool set_keep(struct frag_set *s, const struct ike_msg *m, const uint8_t *data, size_t len,
		     const struct ike_in *in)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		return false;
	memcpy(copy, data, len);
	if (m->frag_num == 1) {
		s->first_raw = malloc(in->raw_len);
		if (!s->first_raw) {
			free(copy);
			return false;
		}
		memcpy(s->first_raw, in->raw, in->raw_len);
		s->first_raw_len = in->raw_len;
		s->first_type = m->sk.next;
	}
	s->part[m->frag_num] = copy;
	s->part_len[m->frag_num] = len;
	s->bytes += len;
	s->have++;
	return true;
}

/* The whole plaintext into e->rx, parsed as in's inner chain. */
static int set_complete(struct ike_sa *sa, struct frag_set *s, struct ike_in *in,
			uint16_t *notify, uint8_t *crit)
{
	struct ike_engine *e = sa->e;
	enum ike_parse_result r;
	size_t off = 0;
	unsigned int i;

	for (i = 1; i <= s->total; i++) {
		memcpy(e->rx + off, s->part[i], s->part_len[i]);
		off += s->part_len[i];
		OPENSSL_cleanse(s->part[i], s->part_len[i]);
		free(s->part[i]);
		s->part[i] = NULL;
	}
	in->raw = s->first_raw;		/* kept until the next message: the response cache */
	in->raw_len = s->first_raw_len;
	r = ike_chain_parse(s->first_type, e->rx, off, &in->chain, crit);
	if (r == IKE_PARSE_OK)
		return 0;
	*notify = r == IKE_PARSE_UNSUPPORTED_CRITICAL ? IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD :
							 IKE_N_INVALID_SYNTAX;
	return 1;
}

/* -EBADMSG, or -EINPROGRESS if m (authentic) is not the set's business. */
static int set_admit(struct frag_set *s, const struct ike_msg *m, uint64_t now_ms)
{
	if (s->used && m->frag_total < s->total)
		return -EINPROGRESS;		/* older than what we collect (2.6) */
	if (s->used && m->frag_total > s->total)
		set_reset(s);			/* sent again in smaller pieces */
	if (!s->used) {
		s->used = true;
		s->msg_id = m->hdr.msg_id;
		s->total = m->frag_total;
		s->started_ms = now_ms;
	}
	return 0;
}

int ike_frag_input(struct ike_sa *sa, struct ike_in *in, const struct ike_msg *m,
		   uint16_t *notify, uint8_t *crit)
{
	struct ike_engine *e = sa->e;
	struct frag_set *s;
	size_t off, len;
	int ret;

	if (m->chain.n != 1 || m->frag_total > IKE_FRAG_MAX)
		return -EBADMSG;
	if (!sa->frag_rx) {
		sa->frag_rx = calloc(1, sizeof(*sa->frag_rx));
		if (!sa->frag_rx)
			return -EBADMSG;
	}
	s = &sa->frag_rx->set[(m->hdr.flags & IKE_FLAG_RESPONSE) ? 1 : 0];
	if (s->used && (s->msg_id != m->hdr.msg_id || set_stale(sa, s)))
		set_reset(s);
	if (s->used && (s->have == s->total ||
			(m->frag_total == s->total && s->part[m->frag_num])))
		return -EINPROGRESS;		/* done already, or a duplicate */
	if (ike_sk_decrypt_frag(&sa->sk_in, e->rx, m->len, m->sk.off, &off, &len))
		return -EBADMSG;
	ret = set_admit(s, m, e->now_ms);
	if (ret)
		return ret;
	if (s->bytes + len > IKE_MAX_MSG || !set_keep(s, m, e->rx + off, len, in)) {
		set_reset(s);
		return -EBADMSG;
	}
	if (s->have < s->total)
		return -EINPROGRESS;
	return set_complete(sa, s, in, notify, crit);
}

void ike_frag_expire(struct ike_sa *sa)
{
	unsigned int i;

	for (i = 0; sa->frag_rx && i < 2; i++)
		if (set_stale(sa, &sa->frag_rx->set[i]))
			set_reset(&sa->frag_rx->set[i]);
}

void ike_frag_free(struct ike_sa *sa)
{
	if (!sa->frag_rx)
		return;
	set_reset(&sa->frag_rx->set[0]);
	set_reset(&sa->frag_rx->set[1]);
	free(sa->frag_rx);
	sa->frag_rx = NULL;
}

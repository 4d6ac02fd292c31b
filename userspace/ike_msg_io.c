// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Messages of one IKE SA in and out (RFC 7296 2.1 - 2.3), window size 1:
 *
 *   our requests   next_req_id; the one outstanding request is kept as
 *                  sent and retransmitted unchanged after base, 2 base,
 *                  4 base ... ms; after retransmit_tries sends without an
 *                  answer the SA is deleted (logged once).
 *   peer requests  peer_req_id is the only ID processed; the previous one
 *                  gets our cached response again, byte for byte, when its
 *                  request is the same (SHA-256 of the datagram); anything
 *                  else is dropped.
 *   responses      only the one to our outstanding request is looked at.
 *
 * Protected messages are decrypted in place in a copy (e->rx); one that
 * fails its integrity check is dropped and counted, before any state
 * changes.  A request whose inner payloads do not parse is answered
 * INVALID_SYNTAX or UNSUPPORTED_CRITICAL_PAYLOAD (RFC 7296 2.21.1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ike_xchg.h"
#include "log.h"

void ike_sha256(const uint8_t *data, size_t len, uint8_t out[IKE_HASH_LEN])
{
	unsigned int olen = IKE_HASH_LEN;

	if (!EVP_Digest(data, len, out, &olen, EVP_sha256(), NULL))
		memset(out, 0, IKE_HASH_LEN);
}

void ike_send_raw(struct ike_engine *e, const struct ike_endpoint *local,
		  const struct ike_endpoint *remote, const uint8_t *msg, size_t len)
{
	int ret = e->ops.send(e->ctx, local, remote, msg, len);

	if (ret)
		xs_debug("send failed: %d", ret);
	e->stats.messages_out++;
}

void ike_sa_send(struct ike_sa *sa, const struct ike_endpoint *local,
		 const struct ike_endpoint *remote, const uint8_t *msg, size_t len)
{
	size_t one;

	for (; len; msg += one, len -= one) {	/* RFC 7383 fragments: one datagram each */
		one = ike_frag_train_next(msg, len);
		ike_send_raw(sa->e, local, remote, msg, one);
	}
	sa->last_out_ms = sa->e->now_ms;
}

/* ---- building ---- */

void ike_msg_begin(struct ike_sa *sa, struct ike_builder *b, uint8_t exchange,
		   const struct ike_in *in)
{
	struct ike_hdr h = {
		.version = IKE_VERSION_2,
		.exchange = exchange,
		.flags = (uint8_t)((sa->initiator ? IKE_FLAG_INITIATOR : 0) |
				   (in ? IKE_FLAG_RESPONSE : 0)),
		.msg_id = in ? in->hdr->msg_id : sa->next_req_id,
	};

	memcpy(h.spi_i, sa->spi_i, IKE_SPI_LEN);
	memcpy(h.spi_r, sa->spi_r, IKE_SPI_LEN);
	ike_build_begin(b, sa->e->buf, sizeof(sa->e->buf), &h);
	if (exchange != IKE_SA_INIT)
		ike_build_sk_begin(b, ike_sk_iv_len(&sa->sk_out));
}

/* Finishes e->buf: IKE_SA_INIT as is, everything else encrypted. */
static int msg_end(struct ike_sa *sa, struct ike_builder *b, size_t *len)
{
	size_t sk_off, plain_len;
	int ret;

	if (sa->e->buf[18] == IKE_SA_INIT)
		return ike_build_finish(b, len);
	ret = ike_build_sk_detach(b, &sk_off, &plain_len);
	if (ret)
		return ret;
	if (ike_frag_needed(sa, sk_off, plain_len))
		return ike_frag_encrypt(sa, plain_len, len);
	return ike_sk_encrypt(&sa->sk_out, sa->e->buf, sizeof(sa->e->buf), sk_off, plain_len,
			      len);
}

static uint8_t *msg_copy(struct ike_sa *sa, struct ike_builder *b, size_t *len)
{
	char name[IKE_SA_NAME_MAX + 16];
	uint8_t *copy;
	int ret;

	ret = msg_end(sa, b, len);
	if (ret) {
		xs_warn("%s: cannot build message: %s", ike_sa_name(sa, name, sizeof(name)),
			strerror(-ret));
		return NULL;
	}
	copy = malloc(*len);
	if (copy)
		memcpy(copy, sa->e->buf, *len);
	return copy;
}

static uint64_t retransmit_timeout(const struct ike_engine *e, unsigned int sent)
{
	unsigned int shift = sent > 1 ? sent - 1 : 0;

	if (shift > 16)
		shift = 16;
	return (uint64_t)e->params.retransmit_base_ms << shift;
}

int ike_request_send(struct ike_sa *sa, struct ike_builder *b, enum ike_req_kind kind,
		     struct ike_child *child)
{
	struct ike_engine *e = sa->e;
	uint8_t *copy;
	size_t len;

	copy = msg_copy(sa, b, &len);
	if (!copy)
		return -ENOMEM;
	free(sa->req.buf);
	sa->req = (struct ike_req){
		.kind = kind,
		.child = child,
		.buf = copy,
		.len = len,
		.msg_id = ike_get32(copy + 20),
		.exchange = copy[18],
		.sent = 1,
		.first_ms = e->now_ms,
		.next_ms = e->now_ms + retransmit_timeout(e, 1),
	};
	ike_sa_send(sa, &sa->local, &sa->remote, copy, len);
	return 0;
}

int ike_response_send(struct ike_sa *sa, struct ike_builder *b, const struct ike_in *in)
{
	uint8_t *copy;
	size_t len;

	copy = msg_copy(sa, b, &len);
	if (!copy)
		return -ENOMEM;
	free(sa->resp.buf);
	sa->resp.buf = copy;
	sa->resp.len = len;
	sa->resp.msg_id = in->hdr->msg_id;
	ike_sha256(in->raw, in->raw_len, sa->resp.req_hash);
	ike_sa_send(sa, &in->local, &in->remote, copy, len);
	return 0;
}

int ike_response_notify(struct ike_sa *sa, const struct ike_in *in, uint16_t type,
			const void *data, size_t len)
{
	struct ike_builder b;

	ike_msg_begin(sa, &b, in->hdr->exchange, in);
	ike_build_notify_simple(&b, type, data, len);
	return ike_response_send(sa, &b, in);
}

/* ---- the received message ---- */

int ike_in_find(const struct ike_in *in, uint8_t type)
{
	return ike_chain_find(&in->chain, type, 0);
}

bool ike_in_notify(const struct ike_in *in, uint16_t type, struct ike_pl_notify *n)
{
	unsigned int i;

	for (i = 0; i < in->chain.n; i++) {
		const struct ike_payload *p = &in->chain.pl[i];

		if (p->type == IKE_PL_NOTIFY && !ike_pl_notify_decode(p->body, p->len, n) &&
		    n->type == type)
			return true;
	}
	return false;
}

uint16_t ike_in_error(const struct ike_in *in)
{
	struct ike_pl_notify n;
	unsigned int i;

	for (i = 0; i < in->chain.n; i++) {
		const struct ike_payload *p = &in->chain.pl[i];

		if (p->type == IKE_PL_NOTIFY && !ike_pl_notify_decode(p->body, p->len, &n) &&
		    n.type <= IKE_N_ERROR_MAX)
			return n.type;
	}
	return 0;
}

/* The peer repeats its last request: our cached response again, if it is the same. */
static bool retransmitted_request(struct ike_sa *sa, const struct ike_in *in)
{
	uint8_t hash[IKE_HASH_LEN];

	if (!sa->resp.buf || in->hdr->msg_id != sa->resp.msg_id ||
	    in->hdr->msg_id + 1 != sa->peer_req_id)
		return false;
	if (ike_frag_number(in->raw, in->raw_len) > 1)
		return true;	/* RFC 7383 2.6.1: fragment 1 alone asks again */
	ike_sha256(in->raw, in->raw_len, hash);
	if (CRYPTO_memcmp(hash, sa->resp.req_hash, IKE_HASH_LEN)) {
		sa->e->stats.invalid_messages++;
		return true;
	}
	ike_sa_send(sa, &in->local, &in->remote, sa->resp.buf, sa->resp.len);
	return true;
}

/*
 * Decrypts a protected message into e->rx and parses its inner chain.
 * -EBADMSG: not authentic or not well formed outside (drop); 1 with
 * *notify set: authentic, but the inner chain is bad.
 */
static int decrypt(struct ike_sa *sa, struct ike_in *in, uint16_t *notify, uint8_t *crit)
{
	struct ike_engine *e = sa->e;
	size_t off, plain_len;
	enum ike_parse_result r;
	struct ike_msg m;

	memcpy(e->rx, in->raw, in->raw_len);
	if (ike_msg_parse(e->rx, in->raw_len, &m, NULL) || !m.has_sk)
		return -EBADMSG;
	if (m.sk.type == IKE_PL_SKF)
		return ike_frag_input(sa, in, &m, notify, crit);
	if (ike_sk_decrypt(&sa->sk_in, e->rx, in->raw_len, m.sk.off, &off, &plain_len))
		return -EBADMSG;
	r = ike_chain_parse(m.sk.next, e->rx + off, plain_len, &in->chain, crit);
	if (r == IKE_PARSE_OK)
		return 0;
	*notify = r == IKE_PARSE_UNSUPPORTED_CRITICAL ? IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD :
							 IKE_N_INVALID_SYNTAX;
	return 1;
}

/*
 * May this request be processed at all?  Before IKE_AUTH completes it
 * must be IKE_AUTH (RFC 7296 1.2); exchanges we do not know get no answer.
 */
static bool request_expected(const struct ike_sa *sa, uint8_t exchange)
{
	if (sa->state == IKE_SA_HALF_OPEN)
		return exchange == IKE_AUTH;
	return exchange == IKE_AUTH || exchange == IKE_CREATE_CHILD_SA ||
	       exchange == IKE_INFORMATIONAL;
}

static void dispatch_request(struct ike_sa *sa, const struct ike_in *in)
{
	switch (in->hdr->exchange) {
	case IKE_AUTH:
		if (sa->state == IKE_SA_HALF_OPEN)
			ike_auth_request(sa, in);
		else
			ike_response_notify(sa, in, IKE_N_INVALID_SYNTAX, NULL, 0);
		break;
	case IKE_CREATE_CHILD_SA:
		ike_xchild_request(sa, in);
		break;
	default:
		ike_info_request(sa, in);
		break;
	}
}

static void dispatch_response(struct ike_sa *sa, const struct ike_in *in)
{
	enum ike_req_kind kind = sa->req.kind;
	struct ike_child *child = sa->req.child;

	free(sa->req.buf);
	memset(&sa->req, 0, sizeof(sa->req));
	sa->next_req_id++;
	switch (kind) {
	case IKE_REQ_INIT:
		ike_init_response(sa, in);
		break;
	case IKE_REQ_AUTH:
		ike_auth_response(sa, in);
		break;
	case IKE_REQ_CHILD:
		ike_xchild_response(sa, in, child);
		break;
	case IKE_REQ_REKEY_IKE:
		ike_rekey_ike_response(sa, in);
		break;
	case IKE_REQ_MOBIKE:
		ike_mobike_update_response(sa, in);
		break;
	case IKE_REQ_DELETE_IKE:
	case IKE_REQ_DELETE_CHILD:
	case IKE_REQ_DPD:
	case IKE_REQ_REDIRECT:
		ike_info_response(sa, in, kind, child);
		break;
	case IKE_REQ_NONE:
		break;
	}
	ike_sa_run_tasks(sa);
	ike_reauth_progress(sa);
}

/* IKE_SA_INIT responses come in clear. */
static void init_response_input(struct ike_sa *sa, struct ike_in *in)
{
	struct ike_msg m;

	if (ike_msg_parse(in->raw, in->raw_len, &m, NULL) || m.has_sk) {
		sa->e->stats.invalid_messages++;
		return;
	}
	in->chain = m.chain;
	if (ike_redirect_init_foreign(sa, in))
		return;		/* RFC 5685: dropped, our request stays out */
	dispatch_response(sa, in);
}

void ike_sa_input(struct ike_sa *sa, const struct ike_endpoint *local,
		  const struct ike_endpoint *remote, const uint8_t *msg, size_t len,
		  const struct ike_hdr *h)
{
	struct ike_in in = { .hdr = h, .local = *local, .remote = *remote, .raw = msg,
			     .raw_len = len };
	bool response = h->flags & IKE_FLAG_RESPONSE;
	uint16_t notify = 0;
	uint8_t crit = 0;
	int ret;

	if (response && (sa->req.kind == IKE_REQ_NONE || h->msg_id != sa->req.msg_id ||
			 h->exchange != sa->req.exchange))
		return;		/* late, duplicated or unsolicited: RFC 7296 2.3 */
	if (!response && (retransmitted_request(sa, &in) || h->msg_id != sa->peer_req_id ||
			  !request_expected(sa, h->exchange))) {
		if (h->msg_id == sa->peer_req_id)
			sa->e->stats.invalid_messages++;
		return;
	}
	if (h->exchange == IKE_SA_INIT) {
		if (response)
			init_response_input(sa, &in);
		return;
	}
	if (!sa->have_keys) {
		sa->e->stats.invalid_messages++;
		return;
	}
	ret = decrypt(sa, &in, &notify, &crit);
	if (ret == -EINPROGRESS)
		return;		/* a fragment kept for later (ike_frag.c) */
	if (ret < 0) {
		sa->e->stats.invalid_messages++;
		return;
	}
	sa->last_in_ms = sa->e->now_ms;
	if (response) {
		if (ret) {
			sa->e->stats.invalid_messages++;	/* retransmission will tell */
			return;
		}
		ike_natd_track(sa, &in);
		dispatch_response(sa, &in);
		return;
	}
	sa->peer_req_id++;
	ike_natd_track(sa, &in);
	if (ret) {
		ike_response_notify(sa, &in, notify, &crit, notify == IKE_N_INVALID_SYNTAX ? 0 : 1);
		if (sa->state != IKE_SA_ESTABLISHED)
			ike_sa_kill(sa, "deleted: malformed message during setup");
		return;
	}
	dispatch_request(sa, &in);
}

/* ---- timers and tasks ---- */

static void give_up(struct ike_sa *sa)
{
	char why[96];

	if (sa->req.kind == IKE_REQ_DPD) {
		ike_dpd_timeout(sa);
		return;
	}
	if (sa->state != IKE_SA_ESTABLISHED && sa->state != IKE_SA_DELETING)
		sa->e->stats.handshakes_failed++;
	snprintf(why, sizeof(why), "deleted: giving up after %u retransmits",
		 sa->req.sent - 1);
	ike_sa_timed_out(sa, why);
}

static void min_time(uint64_t *next, uint64_t t)
{
	if (t < *next)
		*next = t;
}

void ike_sa_run_tasks(struct ike_sa *sa)
{
	struct ike_task t;

	while (sa->state == IKE_SA_ESTABLISHED && sa->req.kind == IKE_REQ_NONE && sa->n_tasks) {
		t = sa->tasks[0];
		memmove(sa->tasks, sa->tasks + 1, --sa->n_tasks * sizeof(t));
		switch (t.kind) {
		case IKE_TASK_CHILD:
			ike_xchild_start(sa, t.child);
			break;
		case IKE_TASK_DELETE:
			ike_info_delete_start(sa);
			break;
		case IKE_TASK_DELETE_CHILD:
			ike_info_delete_child_start(sa, t.c);
			break;
		case IKE_TASK_DPD:
			ike_info_dpd_start(sa);
			break;
		case IKE_TASK_REKEY_CHILD:
			ike_rekey_child_start(sa, t.c);
			break;
		case IKE_TASK_REKEY_IKE:
			ike_rekey_ike_start(sa);
			break;
		case IKE_TASK_MOBIKE:
			ike_mobike_update_start(sa);
			break;
		case IKE_TASK_REDIRECT:
			ike_redirect_info_start(sa);
			break;
		}
	}
}

static void dpd_timer(struct ike_sa *sa, uint64_t *next)
{
	uint64_t due;

	if (sa->state != IKE_SA_ESTABLISHED || !sa->conn || !sa->conn->dpd_delay ||
	    sa->req.kind != IKE_REQ_NONE || sa->rekeyed)
		return;
	/* ESP from the peer counts (ike_lifetime.c): busy tunnels are not probed */
	due = ike_dpd_last_seen(sa) + sa->conn->dpd_delay * 1000;
	if (sa->e->now_ms >= due) {
		ike_info_dpd_start(sa);
		return;
	}
	min_time(next, due);
}

static void retransmit_timer(struct ike_sa *sa, uint64_t *next)
{
	struct ike_engine *e = sa->e;

	if (sa->req.kind == IKE_REQ_NONE)
		return;
	if (sa->req.kind == IKE_REQ_DPD && sa->conn && sa->conn->dpd_timeout &&
	    e->now_ms >= sa->req.first_ms + sa->conn->dpd_timeout * 1000) {
		give_up(sa);
		return;
	}
	if (e->now_ms >= sa->req.next_ms) {
		if (sa->req.sent >= e->params.retransmit_tries) {
			give_up(sa);
			return;
		}
		sa->req.sent++;
		sa->req.next_ms = e->now_ms + retransmit_timeout(e, sa->req.sent);
		e->stats.retransmits++;
		ike_sa_send(sa, &sa->local, &sa->remote, sa->req.buf, sa->req.len);
	}
	min_time(next, sa->req.next_ms);
}

void ike_sa_timers(struct ike_sa *sa, uint64_t *next)
{
	struct ike_engine *e = sa->e;

	if (sa->state == IKE_SA_HALF_OPEN) {
		if (e->now_ms >= sa->expire_ms) {
			ike_sa_timed_out(sa, "deleted: half-open, no IKE_AUTH in time");
			return;
		}
		min_time(next, sa->expire_ms);
	}
	ike_life_timers(sa, next);
	if (sa->state == IKE_SA_DEAD)
		return;
	ike_frag_expire(sa);
	ike_sa_run_tasks(sa);
	dpd_timer(sa, next);
	retransmit_timer(sa, next);
	ike_natd_keepalive(sa, next);	/* last: whatever went out above counts */
}

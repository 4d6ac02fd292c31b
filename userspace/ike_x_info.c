// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * INFORMATIONAL exchanges (RFC 7296 1.4, 2.4):
 *
 *   delete the IKE SA     INFORMATIONAL { D(IKE) }  -->
 *                                              <--  INFORMATIONAL { }
 *   delete a Child SA     INFORMATIONAL { D(ESP, our inbound SPI) }  -->
 *                                              <--  INFORMATIONAL { D(ESP, theirs) }
 *   liveness              INFORMATIONAL { }  -->
 *                                              <--  INFORMATIONAL { }
 *
 * Deleting the IKE SA takes its Child SAs with it: their outbound SAs and
 * policies leave the data plane when the Delete goes out, their inbound
 * SAs (ESP still in flight) with the answer.  Notifies in a request are
 * status we ignore, except AUTHENTICATION_FAILED (the peer refused our
 * AUTH after answering IKE_AUTH), which ends the SA, and INVALID_SPI (RFC
 * 7296 1.5: the peer got ESP on an SPI it has no SA for), which ends the
 * Child SA sending there:
 *
 *                       <--  INFORMATIONAL { N(INVALID_SPI, our outbound SPI) }
 *   INFORMATIONAL { }  -->   (the child leaves our data plane at once)
 *   INFORMATIONAL { D(ESP, our inbound SPI) }  -->   (the peer drops its half)
 *                       <--  INFORMATIONAL { ... }
 *
 * ESP SPIs we do not know are skipped, in Deletes and INVALID_SPI alike.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "ike_xchg.h"
#include "log.h"

enum { MAX_DELETE_SPIS = 64 };

static void build_delete_ike(struct ike_builder *b)
{
	ike_build_delete(b, &(struct ike_pl_delete){ .proto = IKE_PROTO_IKE });
}

/*
 * Ends sa and says so once: the human line and, for an SA that was
 * established, the deleted event (after its Child SAs' own).
 */
static void sa_deleted(struct ike_sa *sa, const char *why)
{
	char name[IKE_SA_NAME_MAX + 16];
	struct ike_event ev;

	if (sa->state == IKE_SA_DEAD)
		return;
	if (!sa->established_ms) {
		ike_sa_kill(sa, why);
		return;
	}
	ike_sa_kill(sa, NULL);
	sa->e->stats.ike_sas_deleted++;
	ike_event_init(&ev, IKE_EV_DELETED, sa, NULL);
	ev.reason = why;
	ike_event(&ev, "IKE_SA %s %s", ike_sa_name(sa, name, sizeof(name)), why);
}

int ike_info_delete_start(struct ike_sa *sa)
{
	char name[IKE_SA_NAME_MAX + 16];
	struct ike_builder b;
	struct ike_child *c;

	if (sa->state != IKE_SA_ESTABLISHED) {
		sa_deleted(sa, "deleted");
		return 0;
	}
	/* inbound SAs stay until the answer: the peer sends on them until our Delete arrives */
	for (c = sa->children; c; c = c->next)
		ike_child_stop_sending(sa, c);
	ike_msg_begin(sa, &b, IKE_INFORMATIONAL, NULL);
	build_delete_ike(&b);
	if (ike_request_send(sa, &b, IKE_REQ_DELETE_IKE, NULL)) {
		sa_deleted(sa, "deleted");
		return -EIO;
	}
	sa->state = IKE_SA_DELETING;
	xs_info("deleting IKE_SA %s", ike_sa_name(sa, name, sizeof(name)));
	return 0;
}

int ike_info_delete_child_start(struct ike_sa *sa, struct ike_child *c)
{
	uint8_t spi[IKE_ESP_SPI_LEN];
	struct ike_builder b;

	ike_put32(spi, c->spi_in);
	ike_msg_begin(sa, &b, IKE_INFORMATIONAL, NULL);
	ike_build_delete(&b, &(struct ike_pl_delete){ .proto = IKE_PROTO_ESP,
						      .spi_len = IKE_ESP_SPI_LEN, .n_spi = 1,
						      .spis = spi });
	c->state = IKE_CHILD_DELETING;
	return ike_request_send(sa, &b, IKE_REQ_DELETE_CHILD, c);
}

int ike_info_dpd_start(struct ike_sa *sa)
{
	struct ike_builder b;

	ike_msg_begin(sa, &b, IKE_INFORMATIONAL, NULL);
	ike_mobike_build_dpd(sa, &b);
	return ike_request_send(sa, &b, IKE_REQ_DPD, NULL);
}

/* A request sent once and forgotten: the SA is going away. */
static void send_once(struct ike_sa *sa, struct ike_builder *b)
{
	size_t sk_off, plain_len, len;

	if (!ike_build_sk_detach(b, &sk_off, &plain_len) &&
	    !ike_sk_encrypt(&sa->sk_out, sa->e->buf, sizeof(sa->e->buf), sk_off, plain_len,
			    &len))
		ike_sa_send(sa, &sa->local, &sa->remote, sa->e->buf, len);
	sa->next_req_id++;
}

void ike_info_delete_now(struct ike_sa *sa)
{
	struct ike_builder b;

	/* window size 1: with a request outstanding the peer would drop it */
	if (!sa->have_keys || sa->req.kind != IKE_REQ_NONE)
		return;
	ike_msg_begin(sa, &b, IKE_INFORMATIONAL, NULL);
	build_delete_ike(&b);
	send_once(sa, &b);
}

void ike_info_auth_failed_now(struct ike_sa *sa)
{
	struct ike_builder b;

	if (!sa->have_keys)
		return;
	ike_msg_begin(sa, &b, IKE_INFORMATIONAL, NULL);
	ike_build_notify_simple(&b, IKE_N_AUTHENTICATION_FAILED, NULL, 0);
	send_once(sa, &b);
}

/* ---- responder ---- */

struct info_req {
	bool delete_ike, auth_failed;
	uint8_t spis[MAX_DELETE_SPIS][IKE_ESP_SPI_LEN];	/* our inbound SPIs, for the reply */
	unsigned int n_spis;
};

/* D(ESP) from the peer names its inbound SPIs: our outbound ones. */
static void delete_children(struct ike_sa *sa, const struct ike_pl_delete *d,
			    struct info_req *r)
{
	struct ike_child *c;
	unsigned int i;

	if (d->spi_len != IKE_ESP_SPI_LEN)
		return;
	for (i = 0; i < d->n_spi; i++) {
		c = ike_child_by_spi_out(sa, ike_get32(d->spis + i * IKE_ESP_SPI_LEN));
		if (!c)
			continue;
		/* RFC 7296 1.4.1: deletes that crossed are not answered with the pair */
		if (c->state != IKE_CHILD_DELETING && r->n_spis < MAX_DELETE_SPIS)
			ike_put32(r->spis[r->n_spis++], c->spi_in);
		ike_child_remove(sa, c);
	}
}

/*
 * N(INVALID_SPI): the SPI is the notification data (RFC 7296 1.5); some
 * put it in the notify's SPI field instead, which is accepted too.  The
 * child is said to be going once: a repeated notify finds it DELETING.
 */
static void invalid_spi(struct ike_sa *sa, const struct ike_pl_notify *n)
{
	struct ike_child *c;
	char why[64];
	uint32_t spi;

	if (n->len == IKE_ESP_SPI_LEN)
		spi = ike_get32(n->data);
	else if (!n->len && n->spi_len == IKE_ESP_SPI_LEN)
		spi = ike_get32(n->spi);
	else
		return;
	c = ike_child_by_spi_out(sa, spi);
	if (!c || c->state != IKE_CHILD_INSTALLED)
		return;
	snprintf(why, sizeof(why), "peer reports INVALID_SPI for %08x", spi);
	ike_child_reject(sa, c, why);
}

static void read_notify(struct ike_sa *sa, const struct ike_payload *p, struct info_req *r)
{
	struct ike_pl_notify n;

	if (ike_pl_notify_decode(p->body, p->len, &n))
		return;
	if (n.type == IKE_N_AUTHENTICATION_FAILED)
		r->auth_failed = true;
	else if (n.type == IKE_N_INVALID_SPI)
		invalid_spi(sa, &n);
}

static void read_request(struct ike_sa *sa, const struct ike_in *in, struct info_req *r)
{
	struct ike_pl_delete d;
	unsigned int i;

	for (i = 0; i < in->chain.n; i++) {
		const struct ike_payload *p = &in->chain.pl[i];

		if (p->type == IKE_PL_DELETE && !ike_pl_delete_decode(p->body, p->len, &d)) {
			if (d.proto == IKE_PROTO_IKE)
				r->delete_ike = true;
			else if (d.proto == IKE_PROTO_ESP || d.proto == IKE_PROTO_AH)
				delete_children(sa, &d, r);
		} else if (p->type == IKE_PL_NOTIFY) {
			read_notify(sa, p, r);
		}
	}
}

void ike_info_request(struct ike_sa *sa, const struct ike_in *in)
{
	struct ike_builder b;
	struct info_req r;

	if (ike_mobike_request(sa, in))
		return;		/* UPDATE_SA_ADDRESSES, a path check (ike_mobike.c) */
	memset(&r, 0, sizeof(r));
	read_request(sa, in, &r);
	ike_msg_begin(sa, &b, IKE_INFORMATIONAL, in);
	if (!r.delete_ike && r.n_spis)
		ike_build_delete(&b, &(struct ike_pl_delete){ .proto = IKE_PROTO_ESP,
							      .spi_len = IKE_ESP_SPI_LEN,
							      .n_spi = (uint16_t)r.n_spis,
							      .spis = r.spis[0] });
	ike_response_send(sa, &b, in);
	if (r.delete_ike)
		sa_deleted(sa, "deleted by peer");
	else if (r.auth_failed)
		sa_deleted(sa, "deleted: peer reports AUTHENTICATION_FAILED");
	else
		ike_redirect_info_request(sa, in);
}

void ike_info_response(struct ike_sa *sa, const struct ike_in *in, enum ike_req_kind kind,
		       struct ike_child *c)
{
	(void)in;
	switch (kind) {
	case IKE_REQ_DELETE_IKE:
		sa_deleted(sa, "deleted");
		break;
	case IKE_REQ_DELETE_CHILD:
		if (c)
			ike_child_remove(sa, c);
		break;
	case IKE_REQ_DPD:
		ike_mobike_dpd_response(sa, in);	/* did our NAT mapping change? */
		break;
	default:
		break;	/* liveness: the answer was the point */
	}
}

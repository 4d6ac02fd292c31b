// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IKE_AUTH, both roles, with the first Child SA (RFC 7296 1.2, 2.15, 2.21.2):
 *
 *   HDR, SK { IDi, [CERT,] N(INITIAL_CONTACT), [CERTREQ,] [IDr,] AUTH,
 *             SA, TSi, TSr }  -->
 *                          <--  HDR, SK { IDr, [CERT,] AUTH, SA, TSi, TSr }
 *
 * The responder picks the connection again, now by identities too, and
 * checks the AUTH.  A failure is answered with N(AUTHENTICATION_FAILED)
 * and the SA dies.  A Child SA that cannot be made (no proposal, no
 * selectors) is answered with its notify instead of SA, TSi, TSr: the IKE
 * SA is still established.  N(MOBIKE_SUPPORTED) goes both ways when the
 * connection wants MOBIKE (ike_mobike.c).  Status notifies we do not
 * implement (EAP_ONLY, MULTIPLE_AUTH ...) and a configuration request are
 * ignored.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "ike_xchg.h"
#include "log.h"
#include "selector.h"

enum { ID_BODY_MAX = 1024 };	/* ID payload body: type, reserved, data (DNs can be long) */

/* Another live IKE SA of ours for the same connection and peer address? */
static bool have_other_sa(const struct ike_sa *sa)
{
	const struct ike_sa *s;

	for (s = sa->e->sas; s; s = s->next)
		if (s != sa && s->state != IKE_SA_DEAD && s->conn == sa->conn &&
		    ike_ep_addr_equal(&s->remote, &sa->remote))
			return true;
	return false;
}

static int build_id(struct ike_sa *sa, struct ike_builder *b, uint8_t type, uint8_t *body,
		    size_t *body_len)
{
	*body_len = ike_conv_id_body(sa->our_id_type, sa->our_id, sa->our_id_len, body,
				     ID_BODY_MAX);
	if (!*body_len)
		return ike_build_fail(b, -E2BIG);
	return ike_build_id(b, type, &(struct ike_pl_id){ .type = sa->our_id_type,
							  .data = sa->our_id,
							  .len = sa->our_id_len });
}

int ike_auth_start(struct ike_sa *sa)
{
	const struct ike_cfg_child *cfg = sa->auth_child_cfg;
	uint8_t body[ID_BODY_MAX];
	struct ike_child *c = NULL;
	struct ike_builder b;
	struct ike_id idr;
	size_t body_len;
	int ret;

	ret = ike_authn_our_id(sa, sa->conn);
	if (ret)
		return ret;
	if (cfg) {
		c = ike_child_new(sa, cfg);
		if (!c || ike_child_alloc_spi(sa, &c->spi_in))
			return -ENOMEM;
		sa->auth_child = c;
	}
	ike_msg_begin(sa, &b, IKE_AUTH, NULL);
	build_id(sa, &b, IKE_PL_IDI, body, &body_len);
	ike_authn_build_certs(sa, &b);
	if (!have_other_sa(sa))
		ike_build_notify_simple(&b, IKE_N_INITIAL_CONTACT, NULL, 0);
	ike_authn_build_certreq(sa, sa->conn, &b);
	if (ike_conv_cfg_id(&sa->conn->remote.id, &idr))
		ike_build_id(&b, IKE_PL_IDR, &(struct ike_pl_id){ .type = idr.type,
								  .data = idr.data,
								  .len = idr.len });
	ike_authn_build(sa, &b, body, body_len);
	if (c) {
		ike_nego_build_sa(sa, &b, cfg, c->spi_in, false);
		ike_nego_build_ts(sa, &b, cfg);
	}
	ike_mobike_build_auth(sa, &b);
	return ike_request_send(sa, &b, IKE_REQ_AUTH, c);
}

void ike_auth_established(struct ike_sa *sa)
{
	char name[IKE_SA_NAME_MAX + 16], l[ADDR_STR_MAX], r[ADDR_STR_MAX];
	struct ike_event ev;

	ike_sa_set_half_open(sa, false);
	sa->state = IKE_SA_ESTABLISHED;
	sa->established_ms = sa->e->now_ms;
	ike_life_sa_established(sa);
	/* what AUTH signed is no longer needed */
	free(sa->init_ours);
	free(sa->init_peer);
	sa->init_ours = sa->init_peer = NULL;
	sa->init_ours_len = sa->init_peer_len = 0;
	sa->e->stats.handshakes_ok++;
	ike_event_init(&ev, IKE_EV_ESTABLISHED, sa, NULL);
	ike_event(&ev, "IKE_SA %s established between %s[%s] and %s[%s]",
		  ike_sa_name(sa, name, sizeof(name)), ike_ep_addr_format(&sa->local, l, sizeof(l)),
		  sa->our_id_str, ike_ep_addr_format(&sa->remote, r, sizeof(r)), sa->peer_id_str);
}

static void auth_failed_log(struct ike_sa *sa, const char *why)
{
	char name[IKE_SA_NAME_MAX + 16], r[ADDR_STR_MAX];
	struct ike_event ev;

	ike_event_init(&ev, IKE_EV_AUTH_FAILED, sa, NULL);
	ev.reason = why;
	ike_event(&ev, "IKE_SA %s: authentication of '%s' from %s failed: %s",
		  ike_sa_name(sa, name, sizeof(name)), sa->peer_id ? sa->peer_id_str : "%any",
		  ike_ep_addr_format(&sa->remote, r, sizeof(r)), why);
}

/* The peer refused what we sent: its AUTHENTICATION_FAILED, as an event. */
static void auth_refused_event(struct ike_sa *sa)
{
	struct ike_event ev;

	ike_event_init(&ev, IKE_EV_AUTH_FAILED, sa, NULL);
	ev.reason = "peer sent AUTHENTICATION_FAILED";
	ike_event_emit(&ev);
}

/* Decodes an ID payload; its body (what AUTH covers) stays in the message. */
static int read_id(const struct ike_in *in, uint8_t type, struct ike_id *id,
		   const uint8_t **body, size_t *body_len)
{
	struct ike_pl_id pl;
	int i = ike_in_find(in, type);

	if (i < 0 || ike_pl_id_decode(in->chain.pl[i].body, in->chain.pl[i].len, &pl))
		return -ENOENT;
	*id = (struct ike_id){ .type = pl.type, .len = pl.len, .data = pl.data };
	if (body) {
		*body = in->chain.pl[i].body;
		*body_len = in->chain.pl[i].len;
	}
	return 0;
}

/* ---- initiator: the response ---- */

static void child_from_response(struct ike_sa *sa, const struct ike_in *in, struct ike_child *c)
{
	struct ike_kdf_input kdf = { .ni = sa->ni, .ni_len = sa->ni_len, .nr = sa->nr,
				     .nr_len = sa->nr_len };
	uint16_t err = ike_in_error(in);
	struct ike_nego n;

	if (!c)
		return;
	if (err || !c->cfg) {
		xs_info("CHILD_SA %s{%u} not established: received %s", c->name, c->uid,
			err ? ike_notify_name(err) : "no configuration");
		ike_child_remove(sa, c);
		return;
	}
	if (ike_nego_verify(sa, in, c->cfg, IKE_PROP_SKIP_DH, &n) ||
	    ike_child_install(sa, c, &n, &kdf, true))
		ike_child_reject(sa, c, "unacceptable response");
}

void ike_auth_response(struct ike_sa *sa, const struct ike_in *in)
{
	struct ike_child *c = sa->auth_child;
	const uint8_t *body;
	struct ike_id id;
	size_t body_len;
	char why[256] = "identity not accepted";
	uint16_t err;

	sa->auth_child = NULL;
	if (read_id(in, IKE_PL_IDR, &id, &body, &body_len) || ike_in_find(in, IKE_PL_AUTH) < 0) {
		err = ike_in_error(in);
		if (err == IKE_N_AUTHENTICATION_FAILED) {
			sa->e->stats.auth_failures++;
			auth_refused_event(sa);
		}
		sa->e->stats.handshakes_failed++;
		ike_sa_kill(sa, err ? (err == IKE_N_AUTHENTICATION_FAILED ?
				       "deleted: received AUTHENTICATION_FAILED" :
				       "deleted: IKE_AUTH failed with an error notify") :
				      "deleted: IKE_AUTH response without IDr or AUTH");
		return;
	}
	if (ike_sa_set_id(sa, true, id.type, id.data, id.len) ||
	    !ike_cfg_id_match(&sa->conn->remote.id, &id) ||
	    ike_authn_verify(sa, sa->conn, in, body, body_len, why, sizeof(why))) {
		auth_failed_log(sa, why);
		sa->e->stats.auth_failures++;
		sa->e->stats.handshakes_failed++;
		ike_info_auth_failed_now(sa);
		ike_sa_kill(sa, "deleted");
		return;
	}
	ike_mobike_note_auth(sa, in);
	ike_auth_established(sa);
	if (ike_redirect_auth_response(sa, in, c))
		return;
	child_from_response(sa, in, c);
}

/* ---- responder: the request ---- */

/* Another established responder SA of this connection with the same peer identity. */
static struct ike_sa *same_peer(struct ike_sa *sa, struct ike_sa *from)
{
	struct ike_sa *s;

	for (s = from; s; s = s->next)
		if (s != sa && s->state == IKE_SA_ESTABLISHED && !s->first_initiator &&
		    !strcmp(s->conn->name, sa->conn->name) && s->peer_id_type == sa->peer_id_type &&
		    s->peer_id_len == sa->peer_id_len &&
		    !memcmp(s->peer_id, sa->peer_id, sa->peer_id_len))
			return s;
	return NULL;
}

/*
 * RFC 7296 2.4 and strongSwan's 'unique': INITIAL_CONTACT retires the
 * peer's older SAs (not with unique = never), unique = replace does so
 * always (with a Delete); unique = keep refuses the newcomer (false).
 */
static bool uniqueness(struct ike_sa *sa, bool initial_contact)
{
	char name[IKE_SA_NAME_MAX + 16], why[IKE_SA_NAME_MAX + 64];
	enum ike_cfg_unique u = sa->conn->unique;
	struct ike_sa *s;

	if (u == IKE_CFG_UNIQUE_KEEP && same_peer(sa, sa->e->sas))
		return false;
	if (u == IKE_CFG_UNIQUE_NEVER || (!initial_contact && u != IKE_CFG_UNIQUE_REPLACE))
		return true;
	snprintf(why, sizeof(why), "deleted: replaced by IKE_SA %s",
		 ike_sa_name(sa, name, sizeof(name)));
	for (s = same_peer(sa, sa->e->sas); s; s = same_peer(sa, s->next)) {
		if (!initial_contact)
			ike_info_delete_now(s);
		ike_sa_kill(s, why);
	}
	return true;
}

/* The connection for the identities; the IKE proposal must suit it too. */
static const struct ike_cfg_conn *find_conn(struct ike_sa *sa, const struct ike_id *peer,
					    const struct ike_id *idr)
{
	const struct ike_cfg_conn *conn;
	struct ike_prop_chosen c;
	struct dp_addr l, r;

	ike_ep_to_dp(&sa->local, &l);
	ike_ep_to_dp(&sa->remote, &r);
	conn = ike_cfg_find_conn_by_id(sa->e->cfg, &l, &r, peer, idr);
	if (!conn || conn == sa->conn)
		return conn;
	if (ike_prop_select(&conn->proposals, &sa->prop, 1, 0, &c))
		return NULL;
	return conn;
}

/* Child SA of IKE_AUTH: installed, or the notify that replaces SA, TSi, TSr. */
static uint16_t child_for_request(struct ike_sa *sa, const struct ike_in *in,
				  struct ike_nego *n, struct ike_child **out)
{
	struct ike_kdf_input kdf = { .ni = sa->ni, .ni_len = sa->ni_len, .nr = sa->nr,
				     .nr_len = sa->nr_len };
	struct ike_child *c;
	uint16_t notify;

	*out = NULL;
	if (ike_in_find(in, IKE_PL_SA) < 0)
		return 0;	/* childless (RFC 6023) */
	notify = ike_nego_select(sa, in, IKE_PROP_SKIP_DH, n);
	if (notify)
		return notify;
	c = ike_child_new(sa, n->cfg);
	if (!c || ike_child_alloc_spi(sa, &c->spi_in) ||
	    ike_child_install(sa, c, n, &kdf, false)) {
		if (c)
			ike_child_remove(sa, c);
		return IKE_N_NO_PROPOSAL_CHOSEN;
	}
	*out = c;
	return 0;
}

static void respond(struct ike_sa *sa, const struct ike_in *in)
{
	const struct ike_cfg_redirect *rd = ike_redirect_auth_rule(sa);
	uint8_t body[ID_BODY_MAX];
	struct ike_child *c = NULL;
	struct ike_builder b;
	struct ike_nego n;
	size_t body_len;
	uint16_t notify = 0;

	if (!rd)	/* RFC 5685 6: a redirected peer gets no Child SA */
		notify = child_for_request(sa, in, &n, &c);
	if (notify == IKE_N_INVALID_SYNTAX) {	/* SA without TSi/TSr: fatal in IKE_AUTH */
		ike_response_notify(sa, in, notify, NULL, 0);
		sa->e->stats.handshakes_failed++;
		ike_sa_kill(sa, "deleted: malformed IKE_AUTH request");
		return;
	}
	ike_msg_begin(sa, &b, IKE_AUTH, in);
	build_id(sa, &b, IKE_PL_IDR, body, &body_len);
	ike_authn_build_certs(sa, &b);
	ike_authn_build(sa, &b, body, body_len);
	if (rd) {
		ike_redirect_build_auth(sa, &b, rd);
	} else if (c) {
		ike_nego_build_reply_sa(&b, &n, c->spi_in);
		ike_nego_build_reply_ts(&b, &n);
	} else if (notify) {
		xs_info("IKE_SA %s[%u]: no CHILD_SA for '%s': %s", sa->conn->name, sa->uid,
			sa->peer_id_str, ike_notify_name(notify));
		ike_build_notify_simple(&b, notify, NULL, 0);
	}
	ike_mobike_build_auth(sa, &b);
	if (ike_response_send(sa, &b, in)) {
		ike_sa_kill(sa, "deleted: cannot answer IKE_AUTH");
		return;
	}
	ike_auth_established(sa);
	if (rd)
		ike_redirect_auth_sent(sa, rd);
}

static void reject(struct ike_sa *sa, const struct ike_in *in, const char *reason,
		   const char *why)
{
	auth_failed_log(sa, reason);
	sa->e->stats.auth_failures++;
	sa->e->stats.handshakes_failed++;
	ike_response_notify(sa, in, IKE_N_AUTHENTICATION_FAILED, NULL, 0);
	ike_sa_kill(sa, why);
}

void ike_auth_request(struct ike_sa *sa, const struct ike_in *in)
{
	const struct ike_cfg_conn *conn;
	char why[256] = "";
	struct ike_pl_notify ic;
	struct ike_id peer, idr;
	const uint8_t *body;
	size_t body_len;
	bool have_idr, initial_contact;

	if (read_id(in, IKE_PL_IDI, &peer, &body, &body_len) ||
	    ike_sa_set_id(sa, true, peer.type, peer.data, peer.len)) {
		ike_response_notify(sa, in, IKE_N_INVALID_SYNTAX, NULL, 0);
		ike_sa_kill(sa, "deleted: IKE_AUTH without IDi");
		return;
	}
	if (ike_in_find(in, IKE_PL_AUTH) < 0) {
		reject(sa, in, "no AUTH payload (EAP is not supported)", "deleted");
		return;
	}
	have_idr = !read_id(in, IKE_PL_IDR, &idr, NULL, NULL);
	conn = find_conn(sa, &peer, have_idr ? &idr : NULL);
	if (!conn) {
		reject(sa, in, "no matching peer config", "deleted");
		return;
	}
	sa->conn = conn;
	if (ike_authn_our_id(sa, conn)) {
		reject(sa, in, "no identity of ours", "deleted");
		return;
	}
	if (ike_authn_verify(sa, conn, in, body, body_len, why, sizeof(why))) {
		reject(sa, in, why, "deleted");
		return;
	}
	ike_pk_note(sa, in);
	initial_contact = ike_in_notify(in, IKE_N_INITIAL_CONTACT, &ic);
	if (!uniqueness(sa, initial_contact)) {
		reject(sa, in, "unique = keep and an IKE_SA with it is up", "deleted");
		return;
	}
	ike_reauth_note_peer(sa, initial_contact);	/* before its Child SA goes in */
	ike_mobike_note_auth(sa, in);
	respond(sa, in);
}

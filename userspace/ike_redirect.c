// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Redirect (RFC 5685): a gateway sends a device to another gateway.
 *
 * Device (the initiator; connection option follow_redirect, default yes):
 *
 *   IKE_SA_INIT { ..., N(REDIRECT_SUPPORTED) }  -->
 *                        <--  IKE_SA_INIT { N(REDIRECT, GW, Ni) }   (SPIr 0)
 *     the half-made SA goes; IKE_SA_INIT { ..., N(REDIRECTED_FROM, old GW) } to GW
 *                        <--  IKE_AUTH { IDr, AUTH, N(REDIRECT, GW) }
 *     the SA is up without children: to GW, and Delete for this one
 *                        <--  INFORMATIONAL { N(REDIRECT, GW) }   (established)
 *     answered; make before break to GW (ike_reauth.c), then Delete
 *
 * At most IKE_REDIRECT_MAX redirects per IKE_REDIRECT_WINDOW_MS are
 * followed (the history travels to each new SA), then the attempt ends.
 * A GW given as an FQDN is resolved with getaddrinfo (this blocks).
 *
 * Gateway (the responder): 'redirects' rules (ike_redirect_cfg.c) applied
 * at IKE_SA_INIT by address or at IKE_AUTH by authenticated identity, and
 * the operator's `xdpsecctl redirect` (INFORMATIONAL), only to peers that
 * announced REDIRECT_SUPPORTED (or REDIRECTED_FROM).
 *
 * Each redirect is logged once with the identities, as the 'redirect'
 * event (from, to), and counted in stats.redirects, on both sides.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "events.h"
#include "ike_xchg.h"
#include "log.h"
#include "selector.h"

enum {
	GW_IPV4 = 1, GW_IPV6 = 2, GW_FQDN = 3,	/* RFC 5685 9: GW Identity Types */
	GW_HDR = 2,				/* type, length */
	GW_DATA_MAX = GW_HDR + 255 + IKE_NONCE_MAX,
	AUTH_LINGER_MS = 30000,			/* a redirected SA without Delete goes then */
};

/* ---- the GW identity: type | length | identity [| nonce] ---- */

/* GW text (address or FQDN) to wire form in out; its length, 0 if unusable. */
static size_t gw_encode(const char *gw, uint8_t *out)
{
	size_t len = strlen(gw);
	struct dp_addr a;

	if (!addr_parse(gw, &a)) {
		out[0] = a.family == XS_AF_INET ? GW_IPV4 : GW_IPV6;
		out[1] = a.family == XS_AF_INET ? 4 : 16;
		memcpy(out + GW_HDR, a.addr, out[1]);
		return GW_HDR + out[1];
	}
	if (!len || len > 255 || strchr(gw, ' '))
		return 0;
	out[0] = GW_FQDN;
	out[1] = (uint8_t)len;
	memcpy(out + GW_HDR, gw, len);
	return GW_HDR + len;
}

static size_t ep_encode(const struct ike_endpoint *ep, uint8_t *out)
{
	char a[ADDR_STR_MAX];

	return gw_encode(ike_ep_addr_format(ep, a, sizeof(a)), out);
}

static int resolve(const char *name, struct ike_endpoint *to)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM }, *res;
	int ret = getaddrinfo(name, NULL, &hints, &res);

	if (ret)
		return -EHOSTUNREACH;
	if (res->ai_family == AF_INET) {
		to->family = XS_AF_INET;
		memcpy(to->addr, &((struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
	} else {
		to->family = XS_AF_INET6;
		memcpy(to->addr, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, 16);
	}
	freeaddrinfo(res);
	return 0;
}

/* An FQDN as text we may log and look up: printable ASCII, no spaces or NULs. */
static bool fqdn_printable(const uint8_t *name, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] > '~')
			return false;
	return true;
}

/*
 * The GW identity of a REDIRECT or REDIRECTED_FROM notify, checked before
 * anything is done with it: a known type of the length that type has (an
 * address not all zeros, a name of printable characters), and after it
 * our Ni when nonce is set (the IKE_SA_INIT response), else nothing.
 * -EBADMSG, -EPERM (not our nonce).
 */
static int gw_parse(const struct ike_sa *sa, const struct ike_pl_notify *n, bool nonce,
		    const uint8_t **id, size_t *id_len)
{
	static const uint8_t zero[16];
	size_t rest;

	if (n->len < GW_HDR || n->len < GW_HDR + (size_t)n->data[1])
		return -EBADMSG;
	*id = n->data + GW_HDR;
	*id_len = n->data[1];
	rest = n->len - GW_HDR - *id_len;
	if (nonce ? rest != sa->ni_len || memcmp(*id + *id_len, sa->ni, rest) : rest != 0)
		return -EPERM;
	switch (n->data[0]) {
	case GW_IPV4:
	case GW_IPV6:
		if (*id_len != (n->data[0] == GW_IPV4 ? 4u : 16u) || !memcmp(*id, zero, *id_len))
			return -EBADMSG;
		return 0;
	case GW_FQDN:
		return *id_len && fqdn_printable(*id, *id_len) ? 0 : -EBADMSG;
	default:
		return -EBADMSG;
	}
}

/*
 * A REDIRECT notify's GW into to (port: the connection's) and gw (text,
 * gwlen > 255); an FQDN is resolved only if resolve_fqdn (else to is
 * left empty: REDIRECTED_FROM, from an unauthenticated request, is only
 * logged, never looked up).
 */
static int gw_decode(const struct ike_sa *sa, const struct ike_pl_notify *n, bool nonce,
		     bool resolve_fqdn, struct ike_endpoint *to, char *gw, size_t gwlen)
{
	size_t id_len;
	const uint8_t *id;
	struct dp_addr a;
	int ret = gw_parse(sa, n, nonce, &id, &id_len);

	if (ret)
		return ret;
	memset(to, 0, sizeof(*to));
	to->port = sa->conn->remote_port;
	if (n->data[0] != GW_FQDN) {
		memset(&a, 0, sizeof(a));
		a.family = id_len == 4 ? XS_AF_INET : XS_AF_INET6;
		memcpy(a.addr, id, id_len);
		to->family = a.family;
		memcpy(to->addr, a.addr, sizeof(to->addr));
		addr_format(&a, gw, gwlen);
		return 0;
	}
	if (id_len >= gwlen)
		return -EBADMSG;
	memcpy(gw, id, id_len);
	gw[id_len] = '\0';
	return resolve_fqdn ? resolve(gw, to) : 0;
}

/* ---- device ---- */

int ike_redirect_build_init(struct ike_sa *sa, struct ike_builder *b)
{
	uint8_t data[GW_DATA_MAX];
	size_t len;

	if (!sa->conn->follow_redirect)
		return 0;
	if (!sa->redirected_from.family)
		return ike_build_notify_simple(b, IKE_N_REDIRECT_SUPPORTED, NULL, 0);
	len = ep_encode(&sa->redirected_from, data);
	return len ? ike_build_notify_simple(b, IKE_N_REDIRECTED_FROM, data, len) : 0;
}

/* Loop protection: false (logged) past IKE_REDIRECT_MAX in the window; else noted. */
static bool redirect_allowed(struct ike_sa *sa)
{
	char name[IKE_SA_NAME_MAX + 16];
	uint64_t now = sa->e->now_ms;
	unsigned int i, n = 0;

	for (i = 0; i < sa->n_redirects; i++)
		if (sa->redirect_ms[i] + IKE_REDIRECT_WINDOW_MS > now)
			sa->redirect_ms[n++] = sa->redirect_ms[i];
	sa->n_redirects = n;
	if (n >= IKE_REDIRECT_MAX) {
		xs_warn("IKE_SA %s: redirected %u times within %u s, giving up (a redirect loop?)",
			ike_sa_name(sa, name, sizeof(name)), n, IKE_REDIRECT_WINDOW_MS / 1000);
		return false;
	}
	sa->redirect_ms[sa->n_redirects++] = now;
	return true;
}

static void redirect_event(struct ike_sa *sa, const char *from, const char *to, const char *where,
			   bool sent)
{
	char name[IKE_SA_NAME_MAX + 16];
	struct ike_event ev;

	sa->e->stats.redirects++;
	if (!sent && !sa->our_id)	/* IKE_SA_INIT: our identity is not chosen yet */
		ike_authn_our_id(sa, sa->conn);
	ike_event_init(&ev, IKE_EV_REDIRECT, sa, NULL);
	if (!ev.remote_id)
		ev.remote_id = sa->conn->remote.id.str;
	ev.from = from;
	ev.to = to;
	ev.reason = where;
	if (sent)
		ike_event(&ev, "IKE_SA %s: redirecting '%s' from %s to %s (%s)",
			  ike_sa_name(sa, name, sizeof(name)), ev.remote_id, from, to, where);
	else
		ike_event(&ev, "IKE_SA %s: '%s' redirected by '%s' from %s to %s (%s)",
			  ike_sa_name(sa, name, sizeof(name)), sa->our_id_str, ev.remote_id, from,
			  to, where);
}

/* The REDIRECT in in, decoded and allowed: 0 with to and gw set. */
static int follow_check(struct ike_sa *sa, const struct ike_in *in, bool nonce,
			struct ike_endpoint *to, char *gw, size_t gwlen)
{
	char name[IKE_SA_NAME_MAX + 16];
	struct ike_pl_notify n;
	int ret;

	if (!sa->first_initiator || !ike_in_notify(in, IKE_N_REDIRECT, &n))
		return -ENOENT;		/* a gateway is not redirected, also after the device rekeyed */
	if (!sa->conn->follow_redirect) {
		xs_info("IKE_SA %s: REDIRECT ignored (follow_redirect = no)",
			ike_sa_name(sa, name, sizeof(name)));
		return -ENOENT;
	}
	ret = gw_decode(sa, &n, nonce, true, to, gw, gwlen);
	if (ret) {
		xs_warn("IKE_SA %s: REDIRECT ignored: %s", ike_sa_name(sa, name, sizeof(name)),
			ret == -EPERM ? "its nonce data is not our nonce" :
			ret == -EHOSTUNREACH ? "cannot resolve the gateway" : "malformed");
		sa->e->stats.invalid_messages += ret == -EBADMSG || ret == -EPERM;
		return ret;
	}
	return redirect_allowed(sa) ? 0 : -ELOOP;
}

/* A fresh IKE_SA_INIT to: old's child, queued children and history come along. */
static int restart_to(struct ike_sa *old, const struct ike_endpoint *to)
{
	struct ike_sa *sa;
	unsigned int i;
	int ret;

	ret = ike_init_start_to(old->e, old->conn, old->auth_child_cfg, to, &old->remote, &sa);
	if (ret)
		return ret;
	for (i = 0; i < old->n_tasks; i++)
		if (old->tasks[i].kind == IKE_TASK_CHILD)
			ike_sa_queue(sa, IKE_TASK_CHILD, old->tasks[i].child);
	memcpy(sa->redirect_ms, old->redirect_ms, sizeof(sa->redirect_ms));
	sa->n_redirects = old->n_redirects;
	return 0;
}

/*
 * Anyone who saw our SPI could answer with a REDIRECT; the nonce data
 * proves it saw our request.  A foreign one is dropped as if never
 * received, so that the real answer (or our retransmission) still counts;
 * so is one we did not ask for (follow_redirect = no: no
 * REDIRECT_SUPPORTED went out, RFC 5685 4) and one whose GW identity is
 * malformed: none of them may end the attempt.
 */
bool ike_redirect_init_foreign(struct ike_sa *sa, const struct ike_in *in)
{
	char name[IKE_SA_NAME_MAX + 16];
	struct ike_pl_notify n;
	const uint8_t *id;
	size_t id_len;
	int ret;

	if (sa->req.kind != IKE_REQ_INIT || !ike_in_notify(in, IKE_N_REDIRECT, &n))
		return false;
	ret = sa->conn->follow_redirect ? gw_parse(sa, &n, true, &id, &id_len) : -ENOENT;
	if (!ret)
		return false;
	xs_warn("IKE_SA %s: REDIRECT %s, dropped", ike_sa_name(sa, name, sizeof(name)),
		ret == -EPERM ? "without our nonce" :
		ret == -ENOENT ? "we did not announce support for" : "malformed");
	sa->e->stats.invalid_messages++;
	return true;
}

bool ike_redirect_init_response(struct ike_sa *sa, const struct ike_in *in)
{
	char gw[256], from[ADDR_STR_MAX], why[320];
	struct ike_endpoint to;
	int ret;

	ret = follow_check(sa, in, true, &to, gw, sizeof(gw));
	if (ret == -ENOENT || ret == -EPERM || ret == -EBADMSG)
		return false;	/* not a usable REDIRECT: read as any other answer */
	ike_ep_addr_format(&sa->remote, from, sizeof(from));
	if (ret) {
		sa->e->stats.handshakes_failed++;
		ike_sa_kill(sa, ret == -ELOOP ? "deleted: too many redirects" :
						"deleted: redirected to a gateway we cannot reach");
		return true;
	}
	redirect_event(sa, from, gw, "IKE_SA_INIT", false);
	ret = restart_to(sa, &to);
	snprintf(why, sizeof(why), "deleted: redirected to %s%s", gw,
		 ret ? ", which we cannot initiate to" : "");
	ike_sa_kill(sa, why);
	return true;
}

bool ike_redirect_auth_response(struct ike_sa *sa, const struct ike_in *in, struct ike_child *c)
{
	char gw[256], from[ADDR_STR_MAX];
	struct ike_endpoint to;
	int ret;

	ret = follow_check(sa, in, false, &to, gw, sizeof(gw));
	if (ret == -ENOENT || ret == -EPERM || ret == -EBADMSG)
		return false;
	if (c)
		ike_child_remove(sa, c);
	if (!ret) {
		redirect_event(sa, ike_ep_addr_format(&sa->remote, from, sizeof(from)), gw,
			       "IKE_AUTH", false);
		restart_to(sa, &to);
	}
	ike_info_delete_start(sa);
	return true;
}

void ike_redirect_info_request(struct ike_sa *sa, const struct ike_in *in)
{
	char gw[256], from[ADDR_STR_MAX], name[IKE_SA_NAME_MAX + 16];
	struct ike_endpoint to;

	if (sa->state != IKE_SA_ESTABLISHED || ike_reauth_pending(sa) ||
	    follow_check(sa, in, false, &to, gw, sizeof(gw)))
		return;
	redirect_event(sa, ike_ep_addr_format(&sa->remote, from, sizeof(from)), gw,
		       "INFORMATIONAL", false);
	if (ike_reauth_start(sa, &to, &sa->remote))
		xs_warn("IKE_SA %s: cannot initiate to %s, staying", ike_sa_name(sa, name, sizeof(name)),
			gw);
}

/* ---- gateway ---- */

static bool addr_in(const struct ike_cfg_redirect *r, const struct ike_endpoint *ep)
{
	unsigned int i;

	if (!r->n_remote_addrs)
		return true;
	for (i = 0; i < r->n_remote_addrs; i++)
		if (selector_match(&r->remote_addrs[i], ep->family, ep->addr, 0, 0))
			return true;
	return false;
}

void ike_redirect_note_init(struct ike_sa *sa, const struct ike_in *in)
{
	char peer[ADDR_STR_MAX], gw[256];
	struct ike_endpoint from;
	struct ike_pl_notify n;

	if (ike_in_notify(in, IKE_N_REDIRECT_SUPPORTED, &n))
		sa->peer_redirect_ok = true;
	if (!ike_in_notify(in, IKE_N_REDIRECTED_FROM, &n))
		return;
	sa->peer_redirect_ok = true;
	if (!gw_decode(sa, &n, false, false, &from, gw, sizeof(gw)))
		xs_info("IKE_SA_INIT from %s: redirected here by %s",
			ike_ep_addr_format(&in->remote, peer, sizeof(peer)), gw);
}

/* The stateless answer: HDR(SPIi, 0), N(REDIRECT, GW, Ni). */
static void send_init_redirect(struct ike_engine *e, const struct ike_in *in, const uint8_t *data,
			       size_t len)
{
	struct ike_hdr h = { .version = IKE_VERSION_2, .exchange = IKE_SA_INIT,
			     .flags = IKE_FLAG_RESPONSE };
	struct ike_builder b;
	size_t out_len;

	memcpy(h.spi_i, in->hdr->spi_i, IKE_SPI_LEN);
	ike_build_begin(&b, e->buf, sizeof(e->buf), &h);
	ike_build_notify_simple(&b, IKE_N_REDIRECT, data, len);
	if (!ike_build_finish(&b, &out_len))
		ike_send_raw(e, &in->local, &in->remote, e->buf, out_len);
}

static void init_redirect_event(struct ike_engine *e, const struct ike_in *in,
				const struct ike_cfg_redirect *r)
{
	char from[ADDR_STR_MAX], why[128];
	struct ike_event ev = { .kind = IKE_EV_REDIRECT };

	e->stats.redirects++;
	ike_ep_format(&in->local, ev.local, sizeof(ev.local));
	ike_ep_format(&in->remote, ev.remote, sizeof(ev.remote));
	ev.ike_spi_i = (uint64_t)ike_get32(in->hdr->spi_i) << 32 | ike_get32(in->hdr->spi_i + 4);
	ev.from = ike_ep_addr_format(&in->local, from, sizeof(from));
	ev.to = r->gateway;
	snprintf(why, sizeof(why), "IKE_SA_INIT, rule %s", r->name);
	ev.reason = why;
	ike_event(&ev, "IKE_SA_INIT from %s: redirecting to %s (rule '%s')", ev.remote, r->gateway,
		  r->name);
}

bool ike_redirect_init_request(struct ike_engine *e, const struct ike_in *in, const uint8_t *ni,
			       size_t ni_len)
{
	const struct ike_cfg_redirect *r;
	uint8_t data[GW_DATA_MAX];
	struct ike_pl_notify n;
	unsigned int i;
	size_t len;

	if (!e->cfg->n_redirects || (!ike_in_notify(in, IKE_N_REDIRECT_SUPPORTED, &n) &&
				     !ike_in_notify(in, IKE_N_REDIRECTED_FROM, &n)))
		return false;
	for (i = 0; i < e->cfg->n_redirects; i++) {
		r = &e->cfg->redirects[i];
		if (r->remote_id.type != IKE_CFG_ID_ANY || !addr_in(r, &in->remote))
			continue;
		len = gw_encode(r->gateway, data);
		if (!len || len + ni_len > sizeof(data))
			continue;
		memcpy(data + len, ni, ni_len);
		init_redirect_event(e, in, r);
		send_init_redirect(e, in, data, len + ni_len);
		return true;
	}
	return false;
}

const struct ike_cfg_redirect *ike_redirect_auth_rule(const struct ike_sa *sa)
{
	const struct ike_cfg *cfg = sa->e->cfg;
	const struct ike_cfg_redirect *r;
	struct ike_id id = { .type = sa->peer_id_type, .len = sa->peer_id_len,
			     .data = sa->peer_id };
	uint8_t data[GW_DATA_MAX];
	unsigned int i;

	if (!sa->peer_redirect_ok)
		return NULL;
	for (i = 0; i < cfg->n_redirects; i++) {
		r = &cfg->redirects[i];
		if (r->remote_id.type != IKE_CFG_ID_ANY && addr_in(r, &sa->remote) &&
		    ike_cfg_id_match(&r->remote_id, &id) && gw_encode(r->gateway, data))
			return r;
	}
	return NULL;
}

int ike_redirect_build_auth(struct ike_sa *sa, struct ike_builder *b,
			    const struct ike_cfg_redirect *rule)
{
	uint8_t data[GW_DATA_MAX];
	size_t len = gw_encode(rule->gateway, data);

	(void)sa;
	return ike_build_notify_simple(b, IKE_N_REDIRECT, data, len);
}

void ike_redirect_auth_sent(struct ike_sa *sa, const struct ike_cfg_redirect *rule)
{
	char from[ADDR_STR_MAX], why[128];

	snprintf(why, sizeof(why), "IKE_AUTH, rule %s", rule->name);
	redirect_event(sa, ike_ep_addr_format(&sa->local, from, sizeof(from)), rule->gateway, why,
		       true);
	sa->rekey_ms = 0;
	sa->hard_ms = sa->e->now_ms + AUTH_LINGER_MS;	/* the device should delete it first */
}

int ike_redirect_info_start(struct ike_sa *sa)
{
	char from[ADDR_STR_MAX];
	uint8_t data[GW_DATA_MAX];
	struct ike_builder b;
	size_t len = gw_encode(sa->redirect_to, data);
	int ret;

	if (!len || sa->state != IKE_SA_ESTABLISHED)
		return -EINVAL;
	ike_msg_begin(sa, &b, IKE_INFORMATIONAL, NULL);
	ike_build_notify_simple(&b, IKE_N_REDIRECT, data, len);
	ret = ike_request_send(sa, &b, IKE_REQ_REDIRECT, NULL);
	if (!ret)
		redirect_event(sa, ike_ep_addr_format(&sa->local, from, sizeof(from)),
			       sa->redirect_to, "INFORMATIONAL", true);
	return ret;
}

/* ---- the operator's command ---- */

static bool selected(const struct ike_sa *s, const char *ike, const struct ike_cfg_id *peer)
{
	struct ike_id id = { .type = s->peer_id_type, .len = s->peer_id_len, .data = s->peer_id };

	if (s->state != IKE_SA_ESTABLISHED || s->first_initiator || s->rekeyed)
		return false;
	if (ike && strcmp(s->conn->name, ike))
		return false;
	return !peer || ike_cfg_id_match(peer, &id);
}

static void redirect_one(struct ike_sa *s, const char *gw)
{
	snprintf(s->redirect_to, sizeof(s->redirect_to), "%s", gw);
	if (s->req.kind == IKE_REQ_NONE)
		ike_redirect_info_start(s);
	else if (ike_sa_queue(s, IKE_TASK_REDIRECT, NULL))
		xs_warn("IKE_SA %s[%u]: task queue full, not redirected", s->conn->name, s->uid);
}

int ike_engine_redirect(struct ike_engine *e, const char *ike, const char *peer, const char *gw,
			uint64_t now_ms, char *err, size_t errlen)
{
	struct ike_cfg_id pat = { 0 };
	uint8_t data[GW_DATA_MAX];
	unsigned int n = 0, unsupported = 0;
	struct ike_sa *s;

	e->now_ms = now_ms;
	e->timers_stale = true;
	if (!gw || !gw_encode(gw, data) || strlen(gw) >= IKE_REDIRECT_GW_MAX) {
		snprintf(err, errlen, "'%s' is not an address or FQDN", gw ? gw : "");
		return -EINVAL;
	}
	if ((!ike && !peer) || (peer && ike_cfg_id_parse(peer, &pat, err, errlen))) {
		if (!ike && !peer)
			snprintf(err, errlen, "redirect needs --ike NAME or --peer ID");
		return -EINVAL;
	}
	for (s = e->sas; s; s = s->next) {
		if (!selected(s, ike, peer ? &pat : NULL))
			continue;
		if (!s->peer_redirect_ok) {
			unsupported++;
			continue;
		}
		redirect_one(s, gw);
		n++;
	}
	ike_cfg_id_free(&pat);
	ike_sa_reap(e);
	if (!n)
		snprintf(err, errlen, "no established IKE_SA matches%s",
			 unsupported ? " whose peer supports redirects" : "");
	return n ? (int)n : -ENOENT;
}

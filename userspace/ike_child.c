// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Child SAs into and out of the data plane (dataplane.h), the narrow
 * interface strongSwan's kernel_ipsec is for charon:
 *
 *   inbound   SPI we chose, peer -> us, keys of the direction towards us
 *   outbound  SPI the peer chose, us -> peer, plus one policy per remote
 *             selector prefix routing into it
 *
 * KEYMAT (RFC 7296 2.17) is split encr_i | integ_i | encr_r | integ_r,
 * "_i" protecting what the exchange's initiator sends.  The keys live only
 * on this stack frame and in the data plane.  Outer ports are set (ESP in
 * UDP, RFC 3948) when the IKE SA floated to NAT-T.  The device is the
 * peer's IKE identity.  A policy for the same selector held by another
 * child of this engine (a device that reconnected) is taken over; the old
 * child then leaves it alone when it goes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "events.h"
#include "ike_xchg.h"
#include "log.h"
#include "selector.h"

static bool spi_in_use(struct ike_engine *e, uint32_t spi)
{
	struct ike_sa *s;

	for (s = e->sas; s; s = s->next)
		if (s->state != IKE_SA_DEAD && ike_child_by_spi_in(s, spi))
			return true;
	return e->dp->ops->find_sa(e->dp, spi, XS_DIR_IN, NULL) != -ENOENT;
}

int ike_child_alloc_spi(struct ike_sa *sa, uint32_t *spi)
{
	unsigned int tries;
	uint32_t v;

	for (tries = 0; tries < 64; tries++) {
		if (ike_random(&v, sizeof(v)))
			return -EIO;
		if (v >= IKE_SPI_MIN && !spi_in_use(sa->e, v)) {
			*spi = v;
			return 0;
		}
	}
	return -EAGAIN;
}

struct ike_child *ike_child_offer(struct ike_sa *sa, const struct ike_cfg_child *cfg,
				  uint16_t group, uint8_t *pub, size_t *pub_len)
{
	struct ike_child *c = ike_child_new(sa, cfg);

	if (!c)
		return NULL;
	if (ike_child_alloc_spi(sa, &c->spi_in) || ike_random(c->nonce, sizeof(c->nonce)))
		goto fail;
	if (group) {
		c->dh = ike_dh_new(group);
		if (!c->dh || ike_dh_public(c->dh, pub, pub_len))
			goto fail;
	}
	return c;
fail:
	ike_child_remove(sa, c);
	return NULL;
}

static int to_selectors(const struct ike_ts *ts, unsigned int n, struct xs_selector *out,
			unsigned int *n_out)
{
	unsigned int i;
	int k;

	*n_out = 0;
	for (i = 0; i < n; i++) {
		k = ike_ts_to_selectors(&ts[i], out + *n_out, XS_MAX_TS - *n_out);
		if (k < 0)
			return k;
		*n_out += (unsigned int)k;
	}
	return 0;
}

/* Addresses, ports, selectors and device of one direction. */
static int fill(const struct ike_sa *sa, const struct ike_child *c, enum xs_sa_dir dir,
		struct dp_sa *d)
{
	const struct ike_endpoint *src = dir == XS_DIR_IN ? &sa->remote : &sa->local;
	const struct ike_endpoint *dst = dir == XS_DIR_IN ? &sa->local : &sa->remote;
	int ret;

	d->dir = dir;
	d->spi = dir == XS_DIR_IN ? c->spi_in : c->spi_out;
	ike_ep_to_dp(src, &d->src);
	ike_ep_to_dp(dst, &d->dst);
	if (c->encap) {
		d->sport = src->port;
		d->dport = dst->port;
	}
	/* the device is the peer's identity, cut to what the data plane takes */
	memcpy(d->device, sa->peer_id_str, sizeof(d->device) - 1);
	d->device[sizeof(d->device) - 1] = '\0';
	ret = to_selectors(c->remote_ts, c->n_remote_ts, d->remote_ts, &d->n_remote_ts);
	if (!ret)
		ret = to_selectors(c->local_ts, c->n_local_ts, d->local_ts, &d->n_local_ts);
	return ret;
}

static int set_key(struct esp_sa_params *p, enum esp_alg alg, bool esn, uint32_t spi,
		   const struct ike_key *encr, const struct ike_key *integ)
{
	p->spi = spi;
	p->alg = alg;
	p->esn = esn;
	if (encr->len > sizeof(p->key) || integ->len > sizeof(p->integ_key))
		return -EINVAL;
	memcpy(p->key, encr->buf, encr->len);
	p->key_len = encr->len;
	memcpy(p->integ_key, integ->buf, integ->len);
	p->integ_key_len = integ->len;
	return 0;
}

/* The child of this engine holding the policy for sel, if any. */
static struct ike_child *policy_owner(struct ike_engine *e, const struct xs_selector *sel,
				      unsigned int *idx)
{
	struct ike_child *c;
	struct ike_sa *s;
	unsigned int i;

	for (s = e->sas; s; s = s->next)
		for (c = s->children; c; c = c->next)
			for (i = 0; i < c->n_policy; i++)
				if (c->policy_owned[i] && selector_equal(&c->policy[i], sel)) {
					*idx = i;
					return c;
				}
	return NULL;
}

/* In one step where the data plane can: no packet finds the selector without a policy. */
static int replace_policy(struct dataplane *dp, const struct xs_selector *sel, uint32_t slot)
{
	if (dp->ops->replace_policy)
		return dp->ops->replace_policy(dp, sel, slot);
	dp->ops->del_policy(dp, sel);
	return dp->ops->add_policy(dp, sel, slot);
}

/* Routes c->policy[i] into c's outbound SA, taking it over from another child of ours. */
static int claim(struct ike_sa *sa, struct ike_child *c, unsigned int i)
{
	const struct xs_selector *sel = &c->policy[i];
	struct dataplane *dp = sa->e->dp;
	struct ike_child *old;
	unsigned int j;
	int ret;

	ret = dp->ops->add_policy(dp, sel, (uint32_t)c->slot_out);
	if (ret == -EEXIST) {
		old = policy_owner(sa->e, sel, &j);
		if (!old)
			return ret;	/* not ours (a manual SA): leave it */
		ret = replace_policy(dp, sel, (uint32_t)c->slot_out);
		if (!ret)
			old->policy_owned[j] = false;
	}
	if (!ret)
		c->policy_owned[i] = true;
	return ret;
}

void ike_child_claim_policies(struct ike_sa *sa, struct ike_child *c)
{
	unsigned int i;
	int ret;

	if (c->slot_out < 0)
		return;
	c->out_pending = false;
	for (i = 0; i < c->n_policy; i++) {
		if (c->policy_owned[i])
			continue;
		ret = claim(sa, c, i);
		if (ret)
			xs_warn("CHILD_SA %s{%u}: cannot route a selector into it: %s", c->name,
				c->uid, strerror(-ret));
	}
}

static int add_both(struct ike_sa *sa, struct ike_child *c, struct dp_sa *in, struct dp_sa *out)
{
	struct dataplane *dp = sa->e->dp;
	char err[DP_ERR_MAX];
	unsigned int i;
	int ret;

	ret = c->slot_in = dp->ops->add_sa(dp, in, err, sizeof(err));
	if (ret >= 0)
		ret = c->slot_out = dp->ops->add_sa(dp, out, err, sizeof(err));
	if (ret < 0) {
		xs_warn("CHILD_SA %s{%u}: data plane refused the SA: %s", c->name, c->uid, err);
		return ret;
	}
	for (i = 0; i < out->n_remote_ts; i++) {
		c->policy[i] = out->remote_ts[i];
		c->policy_owned[i] = false;
	}
	c->n_policy = out->n_remote_ts;
	if (c->replaces || c->out_pending) {
		/* a rekey (ike_x_rekey.c), a reauthentication (ike_reauth.c): not yet */
		c->out_pending = true;
		return 0;
	}
	for (i = 0; i < c->n_policy; i++) {
		ret = claim(sa, c, i);
		if (ret) {
			xs_warn("CHILD_SA %s{%u}: cannot add a policy: %s", c->name, c->uid,
				strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static void format_ts(const struct ike_ts *ts, unsigned int n, char *buf, size_t len)
{
	char one[IKE_TS_STR_MAX];
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " " : "",
					ike_ts_format(&ts[i], one, sizeof(one)));
}

static void log_installed(const struct ike_sa *sa, const struct ike_child *c)
{
	char l[4 * IKE_TS_STR_MAX], r[4 * IKE_TS_STR_MAX];
	struct ike_event ev;

	format_ts(c->local_ts, c->n_local_ts, l, sizeof(l));
	format_ts(c->remote_ts, c->n_remote_ts, r, sizeof(r));
	ike_event_init(&ev, IKE_EV_CHILD_INSTALLED, sa, c);
	ev.local_ts = l;
	ev.remote_ts = r;
	ev.reason = c->encap ? "ESP in UDP" : NULL;
	ike_event(&ev, "CHILD_SA %s{%u} installed: %s === %s, SPIs %08x in / %08x out%s", c->name,
		  c->uid, l, r, c->spi_in, c->spi_out, c->encap ? ", ESP in UDP" : "");
}

static void strip_suffix(char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	if (n >= k && !strcmp(s + n - k, suffix))
		s[n - k] = '\0';
}

int ike_child_install(struct ike_sa *sa, struct ike_child *c, const struct ike_nego *n,
		      const struct ike_kdf_input *kdf, bool exch_initiator)
{
	struct dp_sa in = { 0 }, out = { 0 };
	struct ike_child_keys k;
	struct ike_suite esp;
	enum esp_alg alg;
	bool esn;
	int ret;

	ike_conv_suite(&n->esp, &esp);
	ret = ike_prop_esp_alg(&n->esp, &alg, &esn);
	if (ret)
		return ret;
	ret = ike_derive_child_keys(sa->suite.prf, &sa->keys.d, &esp, kdf, &k);
	if (ret)
		return ret;
	c->spi_out = n->peer_spi;
	c->encap = sa->natt;
	memcpy(c->local_ts, exch_initiator ? n->tsi : n->tsr, sizeof(c->local_ts));
	memcpy(c->remote_ts, exch_initiator ? n->tsr : n->tsi, sizeof(c->remote_ts));
	c->n_local_ts = exch_initiator ? n->n_tsi : n->n_tsr;
	c->n_remote_ts = exch_initiator ? n->n_tsr : n->n_tsi;
	ike_prop_format(&n->esp, IKE_PROP_NAMES, c->alg, sizeof(c->alg));
	strip_suffix(c->alg, "/NO_EXT_SEQ");	/* as swanctl shows it: ESN only when used */
	ret = fill(sa, c, XS_DIR_IN, &in);
	if (!ret)
		ret = fill(sa, c, XS_DIR_OUT, &out);
	if (!ret)
		ret = set_key(&in.crypto, alg, esn, c->spi_in, exch_initiator ? &k.encr_r : &k.encr_i,
			      exch_initiator ? &k.integ_r : &k.integ_i);
	if (!ret)
		ret = set_key(&out.crypto, alg, esn, c->spi_out,
			      exch_initiator ? &k.encr_i : &k.encr_r,
			      exch_initiator ? &k.integ_i : &k.integ_r);
	ike_child_keys_wipe(&k);
	if (!exch_initiator && !c->replaces && ike_reauth_defers(sa))
		c->out_pending = true;
	if (!ret)
		ret = add_both(sa, c, &in, &out);
	OPENSSL_cleanse(&in.crypto, sizeof(in.crypto));
	OPENSSL_cleanse(&out.crypto, sizeof(out.crypto));
	if (ret)
		return ret;	/* the caller removes c, and with it what got in */
	c->state = IKE_CHILD_INSTALLED;
	c->was_installed = true;
	c->installed_ms = sa->e->now_ms;
	ike_life_child_installed(sa, c);
	sa->e->stats.child_sas_installed++;
	log_installed(sa, c);
	return 0;
}

/*
 * A child of sa that can take over sel from c: its outbound SA is in and
 * it routes sel too, but does not hold it (the successor of a rekey);
 * pending_only: only one still waiting for it (out_pending).
 */
static struct ike_child *heir_in(struct ike_sa *sa, const struct ike_child *c,
				 const struct xs_selector *sel, bool pending_only, unsigned int *idx)
{
	struct ike_child *h;
	unsigned int i;

	for (h = sa->children; h; h = h->next) {
		if (h == c || h->state != IKE_CHILD_INSTALLED || h->slot_out < 0 ||
		    (pending_only && !h->out_pending))
			continue;
		for (i = 0; i < h->n_policy; i++)
			if (!h->policy_owned[i] && selector_equal(&h->policy[i], sel)) {
				*idx = i;
				return h;
			}
	}
	return NULL;
}

/* ... of sa, else the successor of a reauthentication waiting on another IKE SA. */
static struct ike_child *heir(struct ike_sa *sa, const struct ike_child *c,
			      const struct xs_selector *sel, unsigned int *idx)
{
	struct ike_child *h = heir_in(sa, c, sel, false, idx);
	struct ike_sa *s;

	for (s = sa->e->sas; !h && s; s = s->next)
		if (s != sa && s->state == IKE_SA_ESTABLISHED)
			h = heir_in(s, c, sel, true, idx);
	return h;
}

static bool owns_all(const struct ike_child *c)
{
	unsigned int i;

	for (i = 0; i < c->n_policy; i++)
		if (!c->policy_owned[i])
			return false;
	return true;
}

void ike_child_stop_sending(struct ike_sa *sa, struct ike_child *c)
{
	struct dataplane *dp = sa->e->dp;
	struct ike_child *h;
	unsigned int i, j;

	for (i = 0; i < c->n_policy; i++) {
		if (!c->policy_owned[i])
			continue;
		h = heir(sa, c, &c->policy[i], &j);
		if (h && !replace_policy(dp, &c->policy[i], (uint32_t)h->slot_out)) {
			h->policy_owned[j] = true;
			h->out_pending = !owns_all(h);
			continue;
		}
		dp->ops->del_policy(dp, &c->policy[i]);
	}
	c->n_policy = 0;
	if (c->slot_out >= 0)
		dp->ops->del_sa(dp, (uint32_t)c->slot_out);
	c->slot_out = -1;
}

/* Takes c out of the data plane; the record stays.  Its policies go to an heir. */
static void uninstall(struct ike_sa *sa, struct ike_child *c)
{
	ike_child_stop_sending(sa, c);
	if (c->slot_in >= 0)
		sa->e->dp->ops->del_sa(sa->e->dp, (uint32_t)c->slot_in);
	c->slot_in = -1;
}

void ike_child_reject(struct ike_sa *sa, struct ike_child *c, const char *why)
{
	uninstall(sa, c);
	xs_warn("CHILD_SA %s{%u}: %s, asking the peer to delete it", c->name, c->uid, why);
	c->state = IKE_CHILD_DELETING;
	if (ike_sa_queue_child_delete(sa, c))
		ike_child_remove(sa, c);
}

void ike_child_remove(struct ike_sa *sa, struct ike_child *c)
{
	uninstall(sa, c);
	if (c->was_installed) {
		struct ike_event ev;

		sa->e->stats.child_sas_deleted++;
		ike_event_init(&ev, IKE_EV_CHILD_DELETED, sa, c);
		ike_event(&ev, "CHILD_SA %s{%u} deleted: SPIs %08x in / %08x out", c->name, c->uid,
			  c->spi_in, c->spi_out);
	}
	ike_child_free(sa, c);
}

void ike_child_update_addrs(struct ike_sa *sa)
{
	struct dataplane *dp = sa->e->dp;
	struct dp_addr l, r;
	struct ike_child *c;

	ike_ep_to_dp(&sa->local, &l);
	ike_ep_to_dp(&sa->remote, &r);
	for (c = sa->children; c; c = c->next) {
		uint16_t lport = sa->natt ? sa->local.port : 0;
		uint16_t rport = sa->natt ? sa->remote.port : 0;

		if (c->slot_in < 0 || c->slot_out < 0)
			continue;	/* not (or no longer) in the data plane */
		c->encap = sa->natt;
		dp->ops->update_sa_addrs(dp, (uint32_t)c->slot_in, &r, &l, rport, lport);
		dp->ops->update_sa_addrs(dp, (uint32_t)c->slot_out, &l, &r, lport, rport);
	}
}

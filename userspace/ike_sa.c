// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * IKE SA records: creation with a fresh random SPI, the two lookup tables
 * (our SPI -> SA; the peer's SPIi and address -> half-open responder SA,
 * for retransmitted IKE_SA_INITs), the half-open list the DoS protection
 * counts, Child SA records, killing (data plane emptied, logged once) and
 * freeing with every secret wiped.
 *
 * Both tables hash with a random per-engine key: the init table is keyed
 * by values an attacker chooses.
 */
#include "ike_sa.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ike_xchg.h"
#include "log.h"
#include "selector.h"

int ike_random(void *buf, size_t len)
{
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -EIO;
}

/* ---- endpoints ---- */

void ike_ep_to_dp(const struct ike_endpoint *ep, struct dp_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->family = ep->family;
	memcpy(out->addr, ep->addr, sizeof(out->addr));
}

bool ike_ep_addr_equal(const struct ike_endpoint *a, const struct ike_endpoint *b)
{
	size_t n = a->family == XS_AF_INET ? 4 : 16;

	return a->family == b->family && !memcmp(a->addr, b->addr, n);
}

bool ike_ep_equal(const struct ike_endpoint *a, const struct ike_endpoint *b)
{
	return ike_ep_addr_equal(a, b) && a->port == b->port;
}

const char *ike_ep_addr_format(const struct ike_endpoint *ep, char *buf, size_t len)
{
	struct dp_addr a;

	ike_ep_to_dp(ep, &a);
	return addr_format(&a, buf, len);
}

const char *ike_ep_format(const struct ike_endpoint *ep, char *buf, size_t len)
{
	struct dp_addr a;

	ike_ep_to_dp(ep, &a);
	return addr_port_format(&a, ep->port, buf, len);
}

/* ---- tables ---- */

static uint64_t hash_bytes(uint64_t key, const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ key;

	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h;
}

static unsigned int spi_bucket(const struct ike_engine *e, const uint8_t *spi)
{
	return (unsigned int)hash_bytes(e->hash_key, spi, IKE_SPI_LEN) & (e->tab_size - 1);
}

static unsigned int init_bucket(const struct ike_engine *e, const uint8_t *spi_i,
				const struct ike_endpoint *remote)
{
	uint8_t k[IKE_SPI_LEN + 16 + 2] = { 0 };

	memcpy(k, spi_i, IKE_SPI_LEN);
	memcpy(k + IKE_SPI_LEN, remote->addr, remote->family == XS_AF_INET ? 4 : 16);
	k[IKE_SPI_LEN + 16] = (uint8_t)(remote->port >> 8);
	k[IKE_SPI_LEN + 17] = (uint8_t)remote->port;
	return (unsigned int)hash_bytes(e->hash_key, k, sizeof(k)) & (e->tab_size - 1);
}

uint8_t *ike_sa_our_spi(struct ike_sa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

static bool spi_taken(struct ike_engine *e, const uint8_t *spi)
{
	struct ike_sa *s;

	for (s = e->spi_tab[spi_bucket(e, spi)]; s; s = s->hnext_spi)
		if (!memcmp(ike_sa_our_spi(s), spi, IKE_SPI_LEN))
			return true;
	return false;
}

static void spi_tab_add(struct ike_sa *sa)
{
	struct ike_engine *e = sa->e;
	unsigned int b = spi_bucket(e, ike_sa_our_spi(sa));

	sa->hnext_spi = e->spi_tab[b];
	e->spi_tab[b] = sa;
	sa->in_spi_tab = true;
}

static void spi_tab_del(struct ike_sa *sa)
{
	struct ike_sa **pp;

	if (!sa->in_spi_tab)
		return;
	for (pp = &sa->e->spi_tab[spi_bucket(sa->e, ike_sa_our_spi(sa))]; *pp;
	     pp = &(*pp)->hnext_spi) {
		if (*pp == sa) {
			*pp = sa->hnext_spi;
			break;
		}
	}
	sa->in_spi_tab = false;
}

static void init_tab_del(struct ike_sa *sa)
{
	struct ike_sa **pp;

	if (!sa->in_init_tab)
		return;
	for (pp = &sa->e->init_tab[init_bucket(sa->e, sa->spi_i, &sa->init_remote)]; *pp;
	     pp = &(*pp)->hnext_init) {
		if (*pp == sa) {
			*pp = sa->hnext_init;
			break;
		}
	}
	sa->in_init_tab = false;
}

/*
 * A responder SA is half-open from its IKE_SA_INIT response until IKE_AUTH
 * completes: it counts against the DoS limits and a retransmitted
 * IKE_SA_INIT finds it by the peer's SPI and address.
 */
void ike_sa_set_half_open(struct ike_sa *sa, bool on)
{
	struct ike_engine *e = sa->e;
	unsigned int b;

	if (on && !sa->in_ho_list) {
		sa->init_remote = sa->remote;
		b = init_bucket(e, sa->spi_i, &sa->init_remote);
		sa->hnext_init = e->init_tab[b];
		e->init_tab[b] = sa;
		sa->in_init_tab = true;
		sa->ho_prev = NULL;
		sa->ho_next = e->half_open;
		if (e->half_open)
			e->half_open->ho_prev = sa;
		e->half_open = sa;
		sa->in_ho_list = true;
		e->n_half_open++;
	} else if (!on && sa->in_ho_list) {
		init_tab_del(sa);
		if (sa->ho_prev)
			sa->ho_prev->ho_next = sa->ho_next;
		else
			e->half_open = sa->ho_next;
		if (sa->ho_next)
			sa->ho_next->ho_prev = sa->ho_prev;
		sa->in_ho_list = false;
		e->n_half_open--;
	}
}

struct ike_sa *ike_sa_lookup(struct ike_engine *e, const struct ike_hdr *h)
{
	bool from_initiator = h->flags & IKE_FLAG_INITIATOR;
	const uint8_t *ours = from_initiator ? h->spi_r : h->spi_i;
	static const uint8_t zero[IKE_SPI_LEN];
	struct ike_sa *s;

	for (s = e->spi_tab[spi_bucket(e, ours)]; s; s = s->hnext_spi) {
		if (s->state == IKE_SA_DEAD || s->initiator == from_initiator ||
		    memcmp(ike_sa_our_spi(s), ours, IKE_SPI_LEN))
			continue;
		if (from_initiator && memcmp(s->spi_i, h->spi_i, IKE_SPI_LEN))
			continue;
		/* the initiator learns SPIr from the first IKE_SA_INIT response */
		if (!from_initiator && memcmp(s->spi_r, h->spi_r, IKE_SPI_LEN) &&
		    (memcmp(s->spi_r, zero, IKE_SPI_LEN) || h->exchange != IKE_SA_INIT))
			continue;
		return s;
	}
	return NULL;
}

struct ike_sa *ike_sa_lookup_init(struct ike_engine *e, const uint8_t *spi_i,
				  const struct ike_endpoint *remote)
{
	struct ike_sa *s;

	for (s = e->init_tab[init_bucket(e, spi_i, remote)]; s; s = s->hnext_init)
		if (s->state != IKE_SA_DEAD && !memcmp(s->spi_i, spi_i, IKE_SPI_LEN) &&
		    ike_ep_equal(&s->init_remote, remote))
			return s;
	return NULL;
}

unsigned int ike_sa_half_open_from(const struct ike_engine *e, const struct ike_endpoint *remote)
{
	const struct ike_sa *s;
	unsigned int n = 0;

	for (s = e->half_open; s; s = s->ho_next)
		if (ike_ep_addr_equal(&s->init_remote, remote))
			n++;
	return n;
}

/* Doubles the buckets when chains grow past two on average. */
static void tab_grow(struct ike_engine *e)
{
	unsigned int size = e->tab_size * 2;
	struct ike_sa **spi, **init, *s;

	if (e->n_sas < 2 * e->tab_size)
		return;
	spi = calloc(size, sizeof(*spi));
	init = calloc(size, sizeof(*init));
	if (!spi || !init) {
		free(spi);
		free(init);
		return;		/* longer chains, still correct */
	}
	for (s = e->sas; s; s = s->next) {
		s->in_spi_tab = s->in_init_tab = false;
	}
	free(e->spi_tab);
	free(e->init_tab);
	e->spi_tab = spi;
	e->init_tab = init;
	e->tab_size = size;
	for (s = e->sas; s; s = s->next) {
		if (s->state == IKE_SA_DEAD)
			continue;
		spi_tab_add(s);
		if (s->in_ho_list) {
			unsigned int b = init_bucket(e, s->spi_i, &s->init_remote);

			s->hnext_init = e->init_tab[b];
			e->init_tab[b] = s;
			s->in_init_tab = true;
		}
	}
}

/* ---- lifecycle ---- */

struct ike_sa *ike_sa_new(struct ike_engine *e, const struct ike_cfg_conn *conn, bool initiator,
			  const struct ike_endpoint *local, const struct ike_endpoint *remote)
{
	static const uint8_t zero[IKE_SPI_LEN];
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	uint8_t *spi;

	if (!sa)
		return NULL;
	sa->e = e;
	sa->conn = conn;
	sa->initiator = initiator;
	sa->first_initiator = initiator;
	sa->local = *local;
	sa->remote = *remote;
	sa->created_ms = sa->last_in_ms = sa->last_out_ms = e->now_ms;
	sa->uid = ++e->next_ike_uid;
	spi = initiator ? sa->spi_i : sa->spi_r;
	do {
		if (ike_random(spi, IKE_SPI_LEN)) {
			free(sa);
			return NULL;
		}
	} while (!memcmp(spi, zero, IKE_SPI_LEN) || spi_taken(e, spi));
	sa->state = initiator ? IKE_SA_CONNECTING : IKE_SA_HALF_OPEN;
	sa->next = e->sas;
	if (e->sas)
		e->sas->prev = sa;
	e->sas = sa;
	e->n_sas++;
	spi_tab_add(sa);
	tab_grow(e);
	return sa;
}

const char *ike_sa_state_name(enum ike_sa_state s)
{
	static const char *const names[] = {
		[IKE_SA_CONNECTING] = "CONNECTING",
		[IKE_SA_AUTHENTICATING] = "CONNECTING",
		[IKE_SA_HALF_OPEN] = "CONNECTING",
		[IKE_SA_ESTABLISHED] = "ESTABLISHED",
		[IKE_SA_DELETING] = "DELETING",
		[IKE_SA_DEAD] = "DESTROYING",
	};

	return s <= IKE_SA_DEAD ? names[s] : "?";
}

const char *ike_sa_name(const struct ike_sa *sa, char *buf, size_t len)
{
	snprintf(buf, len, "%s[%u]", sa->conn ? sa->conn->name : "%none", sa->uid);
	return buf;
}

int ike_sa_set_id(struct ike_sa *sa, bool peer, uint8_t type, const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct ike_id id = { .type = type, .len = len, .data = copy };

	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	if (peer) {
		free(sa->peer_id);
		sa->peer_id = copy;
		sa->peer_id_len = len;
		sa->peer_id_type = type;
		ike_id_format(&id, sa->peer_id_str, sizeof(sa->peer_id_str));
	} else {
		free(sa->our_id);
		sa->our_id = copy;
		sa->our_id_len = len;
		sa->our_id_type = type;
		ike_id_format(&id, sa->our_id_str, sizeof(sa->our_id_str));
	}
	return 0;
}

int ike_sa_queue(struct ike_sa *sa, enum ike_task_kind kind, const struct ike_cfg_child *child)
{
	if (sa->n_tasks == IKE_SA_MAX_TASKS)
		return -EBUSY;
	sa->tasks[sa->n_tasks] = (struct ike_task){ .kind = kind, .child = child };
	sa->n_tasks++;
	return 0;
}

int ike_sa_queue_child_delete(struct ike_sa *sa, struct ike_child *c)
{
	if (sa->n_tasks == IKE_SA_MAX_TASKS)
		return -EBUSY;
	sa->tasks[sa->n_tasks++] = (struct ike_task){ .kind = IKE_TASK_DELETE_CHILD, .c = c };
	return 0;
}

void ike_sa_kill(struct ike_sa *sa, const char *why)
{
	char name[IKE_SA_NAME_MAX + 16];

	if (sa->state == IKE_SA_DEAD)
		return;
	ike_rekey_sa_gone(sa);
	while (sa->children)
		ike_child_remove(sa, sa->children);
	if (why)
		xs_info("IKE_SA %s %s", ike_sa_name(sa, name, sizeof(name)), why);
	ike_sa_set_half_open(sa, false);
	spi_tab_del(sa);
	sa->state = IKE_SA_DEAD;
	sa->e->n_dead++;
	sa->req.kind = IKE_REQ_NONE;
	sa->n_tasks = 0;
}

static void wipe_free(uint8_t *p, size_t len)
{
	if (p)
		OPENSSL_cleanse(p, len);
	free(p);
}

void ike_sa_free(struct ike_sa *sa)
{
	struct ike_engine *e = sa->e;

	if (sa->state != IKE_SA_DEAD)
		ike_sa_kill(sa, NULL);
	while (sa->children)
		ike_child_free(sa, sa->children);
	if (sa->prev)
		sa->prev->next = sa->next;
	else
		e->sas = sa->next;
	if (sa->next)
		sa->next->prev = sa->prev;
	e->n_sas--;
	ike_dh_free(sa->dh);
	ike_keys_wipe(&sa->keys);
	ike_sk_wipe(&sa->sk_in);
	ike_sk_wipe(&sa->sk_out);
	wipe_free(sa->init_ours, sa->init_ours_len);
	wipe_free(sa->init_peer, sa->init_peer_len);
	wipe_free(sa->req.buf, sa->req.len);
	wipe_free(sa->resp.buf, sa->resp.len);
	ike_frag_free(sa);
	free(sa->peer_id);
	free(sa->our_id);
	OPENSSL_cleanse(sa, sizeof(*sa));
	free(sa);
}

void ike_sa_reap(struct ike_engine *e)
{
	struct ike_sa *s, *next;

	if (!e->n_dead)		/* the common case: nothing died in this event */
		return;
	for (s = e->sas; s; s = next) {
		next = s->next;
		if (s->state == IKE_SA_DEAD)
			ike_sa_free(s);
	}
	e->n_dead = 0;
}

/* ---- child records ---- */

struct ike_child *ike_child_new(struct ike_sa *sa, const struct ike_cfg_child *cfg)
{
	struct ike_child *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cfg = cfg;
	snprintf(c->name, sizeof(c->name), "%s", cfg ? cfg->name : "?");
	c->uid = ++sa->e->next_child_uid;
	c->slot_in = c->slot_out = -1;
	c->state = IKE_CHILD_NEGOTIATING;
	c->next = sa->children;
	sa->children = c;
	return c;
}

/* Unlinks c if sa holds it; forgets it in sa's tasks and request either way. */
static bool child_forget(struct ike_sa *sa, struct ike_child *c)
{
	struct ike_child **pp;
	unsigned int i, n = 0;
	bool held = false;

	for (pp = &sa->children; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			held = true;
			break;
		}
	}
	for (i = 0; i < sa->n_tasks; i++)	/* queued deletes of c have nothing to do */
		if (sa->tasks[i].c != c)
			sa->tasks[n++] = sa->tasks[i];
	sa->n_tasks = n;
	if (sa->req.child == c)
		sa->req.child = NULL;
	if (sa->auth_child == c)
		sa->auth_child = NULL;
	return held;
}

void ike_child_free(struct ike_sa *sa, struct ike_child *c)
{
	struct ike_sa *s;

	/*
	 * An IKE rekey moves the children to the new SA (sa_adopt) while the
	 * old one may still have a request out for one of them: the answer
	 * frees c through the old SA, so unlink it from the SA that holds it.
	 */
	if (!child_forget(sa, c))
		for (s = sa->e->sas; s; s = s->next)
			if (s != sa && child_forget(s, c))
				break;
	ike_dh_free(c->dh);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

struct ike_child *ike_child_by_spi_out(struct ike_sa *sa, uint32_t spi)
{
	struct ike_child *c;

	for (c = sa->children; c; c = c->next)
		if (c->state != IKE_CHILD_NEGOTIATING && c->spi_out == spi)
			return c;
	return NULL;
}

struct ike_child *ike_child_by_spi_in(struct ike_sa *sa, uint32_t spi)
{
	struct ike_child *c;

	for (c = sa->children; c; c = c->next)
		if (c->spi_in == spi)
			return c;
	return NULL;
}

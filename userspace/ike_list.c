// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * list-sas and list-conns, as text (close to swanctl's) and as JSON.  The
 * Child SAs' packet and byte counters come from the data plane
 * (dp->ops->list_sas), matched by slot.  No key material is ever shown.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_xchg.h"
#include "json.h"
#include "selector.h"

struct counters {
	struct dp_sa_info *v;
	int n;
};

static void counters_load(struct dataplane *dp, struct counters *c)
{
	int n = dp->ops->list_sas(dp, NULL, 0);

	c->v = NULL;
	c->n = 0;
	if (n <= 0)
		return;
	c->v = calloc((size_t)n, sizeof(*c->v));
	if (c->v)
		c->n = dp->ops->list_sas(dp, c->v, (unsigned int)n);
	if (c->n > n)
		c->n = n;
}

static struct xs_sa_stats slot_stats(const struct counters *c, int slot)
{
	struct xs_sa_stats none = { 0 };
	int i;

	for (i = 0; slot >= 0 && i < c->n; i++)
		if (c->v[i].slot == (uint32_t)slot)
			return c->v[i].stats;
	return none;
}

static void spi_hex(const uint8_t *spi, char *out)
{
	unsigned int i;

	for (i = 0; i < IKE_SPI_LEN; i++)
		sprintf(out + 2 * i, "%02x", spi[i]);
}

static uint64_t secs_since(uint64_t now_ms, uint64_t then_ms)
{
	return now_ms > then_ms ? (now_ms - then_ms) / 1000 : 0;
}

static const char *child_state(const struct ike_child *c)
{
	return c->state == IKE_CHILD_INSTALLED ? "INSTALLED" :
	       c->state == IKE_CHILD_DELETING ? "DELETING" :
	       c->state == IKE_CHILD_REKEYED ? "REKEYED" : "INSTALLING";
}

/* ---- text ---- */

static void text_ts(struct strbuf *out, const char *what, const struct ike_ts *ts,
		    unsigned int n)
{
	char buf[IKE_TS_STR_MAX];
	unsigned int i;

	strbuf_printf(out, "    %s", what);
	for (i = 0; i < n; i++)
		strbuf_printf(out, " %s", ike_ts_format(&ts[i], buf, sizeof(buf)));
	strbuf_putc(out, '\n');
}

static void text_child(struct strbuf *out, const struct ike_child *c, const struct counters *k,
		       uint64_t now_ms)
{
	struct xs_sa_stats in = slot_stats(k, c->slot_in), o = slot_stats(k, c->slot_out);

	strbuf_printf(out, "  %s{%u}: %s, TUNNEL%s, SPIs %08x_i %08x_o\n", c->name, c->uid,
		      child_state(c), c->encap ? ", ESP in UDP" : "", c->spi_in, c->spi_out);
	strbuf_printf(out, "    %s, %llu bytes_i (%llu pkts), %llu bytes_o (%llu pkts), "
		      "installed %llu seconds ago\n", c->alg, (unsigned long long)in.bytes,
		      (unsigned long long)in.packets, (unsigned long long)o.bytes,
		      (unsigned long long)o.packets,
		      (unsigned long long)secs_since(now_ms, c->installed_ms));
	text_ts(out, "local ", c->local_ts, c->n_local_ts);
	text_ts(out, "remote", c->remote_ts, c->n_remote_ts);
}

static void text_sa(struct strbuf *out, const struct ike_sa *sa, const struct counters *k,
		    uint64_t now_ms)
{
	char l[ADDR_STR_MAX], r[ADDR_STR_MAX], si[2 * IKE_SPI_LEN + 1], sr[2 * IKE_SPI_LEN + 1];
	const struct ike_child *c;

	spi_hex(sa->spi_i, si);
	spi_hex(sa->spi_r, sr);
	strbuf_printf(out, "%s[%u]: %s", sa->conn->name, sa->uid, ike_sa_state_name(sa->state));
	if (sa->state == IKE_SA_ESTABLISHED)
		strbuf_printf(out, " %llu seconds ago",
			      (unsigned long long)secs_since(now_ms, sa->established_ms));
	strbuf_printf(out, ", %s[%s]...%s[%s]\n", ike_ep_addr_format(&sa->local, l, sizeof(l)),
		      sa->our_id_str[0] ? sa->our_id_str : "%any",
		      ike_ep_addr_format(&sa->remote, r, sizeof(r)),
		      sa->peer_id_str[0] ? sa->peer_id_str : "%any");
	strbuf_printf(out, "  %s, SPIs %s_i%s %s_r%s, ports %u/%u%s%s\n",
		      sa->initiator ? "initiator" : "responder", si, sa->initiator ? "*" : "", sr,
		      sa->initiator ? "" : "*", sa->local.port, sa->remote.port,
		      sa->nat_local ? ", local behind NAT" : "",
		      sa->nat_remote ? ", remote behind NAT" : "");
	if (sa->prop_str[0])
		strbuf_printf(out, "  %s\n", sa->prop_str);
	for (c = sa->children; c; c = c->next)
		text_child(out, c, k, now_ms);
}

/* ---- JSON ---- */

static void json_ts(struct json *j, const char *key, const struct ike_ts *ts, unsigned int n)
{
	char buf[IKE_TS_STR_MAX];
	unsigned int i;

	json_key(j, key);
	json_array_begin(j);
	for (i = 0; i < n; i++)
		json_string(j, ike_ts_format(&ts[i], buf, sizeof(buf)));
	json_array_end(j);
}

static void json_child(struct json *j, const struct ike_child *c, const struct counters *k,
		       uint64_t now_ms)
{
	struct xs_sa_stats in = slot_stats(k, c->slot_in), o = slot_stats(k, c->slot_out);
	char spi[9];

	json_object_begin(j);
	json_kv_string(j, "name", c->name);
	json_kv_u64(j, "uniqueid", c->uid);
	json_kv_string(j, "state", child_state(c));
	json_kv_string(j, "esp_proposal", c->alg);
	json_kv_bool(j, "encap", c->encap);
	snprintf(spi, sizeof(spi), "%08x", c->spi_in);
	json_kv_string(j, "spi_in", spi);
	snprintf(spi, sizeof(spi), "%08x", c->spi_out);
	json_kv_string(j, "spi_out", spi);
	json_ts(j, "local_ts", c->local_ts, c->n_local_ts);
	json_ts(j, "remote_ts", c->remote_ts, c->n_remote_ts);
	json_kv_u64(j, "bytes_in", in.bytes);
	json_kv_u64(j, "packets_in", in.packets);
	json_kv_u64(j, "bytes_out", o.bytes);
	json_kv_u64(j, "packets_out", o.packets);
	json_kv_u64(j, "installed_s", secs_since(now_ms, c->installed_ms));
	json_object_end(j);
}

static void json_sa(struct json *j, const struct ike_sa *sa, const struct counters *k,
		    uint64_t now_ms)
{
	char a[ADDR_STR_MAX], spi[2 * IKE_SPI_LEN + 1];
	const struct ike_child *c;

	json_object_begin(j);
	json_kv_string(j, "name", sa->conn->name);
	json_kv_u64(j, "uniqueid", sa->uid);
	json_kv_string(j, "state", ike_sa_state_name(sa->state));
	json_kv_bool(j, "initiator", sa->initiator);
	json_kv_string(j, "local_addr", ike_ep_addr_format(&sa->local, a, sizeof(a)));
	json_kv_u64(j, "local_port", sa->local.port);
	json_kv_string(j, "local_id", sa->our_id_str);
	json_kv_string(j, "remote_addr", ike_ep_addr_format(&sa->remote, a, sizeof(a)));
	json_kv_u64(j, "remote_port", sa->remote.port);
	json_kv_string(j, "remote_id", sa->peer_id_str);
	spi_hex(sa->spi_i, spi);
	json_kv_string(j, "spi_i", spi);
	spi_hex(sa->spi_r, spi);
	json_kv_string(j, "spi_r", spi);
	json_kv_string(j, "ike_proposal", sa->prop_str);
	json_kv_bool(j, "nat_local", sa->nat_local);
	json_kv_bool(j, "nat_remote", sa->nat_remote);
	json_kv_bool(j, "encap", sa->natt);
	json_kv_bool(j, "mobike", sa->mobike);
	if (sa->state == IKE_SA_ESTABLISHED)
		json_kv_u64(j, "established_s", secs_since(now_ms, sa->established_ms));
	json_key(j, "child_sas");
	json_array_begin(j);
	for (c = sa->children; c; c = c->next)
		json_child(j, c, k, now_ms);
	json_array_end(j);
	json_object_end(j);
}

int ike_list_sas(const struct ike_engine *e, bool json, uint64_t now_ms, struct strbuf *out)
{
	const struct ike_sa *sa;
	struct counters k;
	struct json j;
	int ret;

	counters_load(e->dp, &k);
	if (json) {
		json_init(&j, out);
		json_object_begin(&j);
		json_key(&j, "ike_sas");
		json_array_begin(&j);
	}
	for (sa = e->sas; sa; sa = sa->next) {
		if (sa->state == IKE_SA_DEAD)
			continue;
		if (json)
			json_sa(&j, sa, &k, now_ms);
		else
			text_sa(out, sa, &k, now_ms);
	}
	free(k.v);
	if (!json)
		return strbuf_error(out);
	json_array_end(&j);
	json_object_end(&j);
	ret = json_error(&j);
	return ret ? ret : strbuf_error(out);
}

/* ---- connections ---- */

static const char *cfg_addr_format(const struct ike_cfg_addr *a, char *buf, size_t len)
{
	struct dp_addr lo = { .family = a->family }, hi = { .family = a->family };
	char l[ADDR_STR_MAX], h[ADDR_STR_MAX];

	memcpy(lo.addr, a->lo, sizeof(lo.addr));
	memcpy(hi.addr, a->hi, sizeof(hi.addr));
	if (a->kind == IKE_CFG_ADDR_ANY)
		snprintf(buf, len, "%s", a->family == XS_AF_INET ? "%any4" :
					 a->family == XS_AF_INET6 ? "%any6" : "%any");
	else if (a->kind == IKE_CFG_ADDR_HOST)
		addr_format(&lo, buf, len);
	else if (a->kind == IKE_CFG_ADDR_PREFIX)
		snprintf(buf, len, "%s/%u", addr_format(&lo, l, sizeof(l)), a->prefixlen);
	else
		snprintf(buf, len, "%s-%s", addr_format(&lo, l, sizeof(l)),
			 addr_format(&hi, h, sizeof(h)));
	return buf;
}

static void conn_addrs(struct strbuf *out, struct json *j, const char *key,
		       const struct ike_cfg_addr *v, unsigned int n)
{
	char buf[2 * ADDR_STR_MAX + 2];
	unsigned int i;

	if (j) {
		json_key(j, key);
		json_array_begin(j);
	}
	for (i = 0; i < n; i++) {
		cfg_addr_format(&v[i], buf, sizeof(buf));
		if (j)
			json_string(j, buf);
		else
			strbuf_printf(out, "%s%s", i ? "," : "", buf);
	}
	if (j)
		json_array_end(j);
}

static void conn_ts(struct strbuf *out, struct json *j, const char *key,
		    const struct ike_ts_cfg *v, unsigned int n)
{
	char buf[IKE_TS_STR_MAX];
	unsigned int i;

	if (j) {
		json_key(j, key);
		json_array_begin(j);
	} else {
		strbuf_printf(out, "    %s", key);
	}
	for (i = 0; i < n; i++) {
		ike_ts_cfg_format(&v[i], buf, sizeof(buf));
		if (j)
			json_string(j, buf);
		else
			strbuf_printf(out, " %s", buf);
	}
	if (j)
		json_array_end(j);
	else
		strbuf_putc(out, '\n');
}

static void text_conn(struct strbuf *out, const struct ike_cfg_conn *c)
{
	char props[IKE_PROP_STR_MAX];
	unsigned int i;

	strbuf_printf(out, "%s: IKEv2, ", c->name);
	conn_addrs(out, NULL, NULL, c->local_addrs, c->n_local_addrs);
	strbuf_puts(out, "...");
	conn_addrs(out, NULL, NULL, c->remote_addrs, c->n_remote_addrs);
	strbuf_printf(out, ", ports %u/%u%s\n  %s\n", c->local_port, c->remote_port,
		      c->encap ? ", encap" : "",
		      ike_prop_list_format(&c->proposals, IKE_PROP_KEYWORDS, props, sizeof(props)));
	strbuf_printf(out, "  local:  %s, id %s\n  remote: %s, id %s\n", c->local.auth,
		      c->local.id.str, c->remote.auth, c->remote.id.str);
	for (i = 0; i < c->n_children; i++) {
		const struct ike_cfg_child *ch = &c->children[i];

		strbuf_printf(out, "  %s: TUNNEL, %s%s\n", ch->name,
			      ike_prop_list_format(&ch->esp_proposals, IKE_PROP_KEYWORDS, props,
						   sizeof(props)),
			      ch->start_action & IKE_CFG_ACTION_START ? ", start" : "");
		conn_ts(out, NULL, "local ", ch->local_ts, ch->n_local_ts);
		conn_ts(out, NULL, "remote", ch->remote_ts, ch->n_remote_ts);
	}
}

static void json_conn(struct json *j, const struct ike_cfg_conn *c)
{
	char props[IKE_PROP_STR_MAX];
	unsigned int i;

	json_object_begin(j);
	json_kv_string(j, "name", c->name);
	conn_addrs(NULL, j, "local_addrs", c->local_addrs, c->n_local_addrs);
	conn_addrs(NULL, j, "remote_addrs", c->remote_addrs, c->n_remote_addrs);
	json_kv_u64(j, "local_port", c->local_port);
	json_kv_u64(j, "remote_port", c->remote_port);
	json_kv_string(j, "proposals", ike_prop_list_format(&c->proposals, IKE_PROP_KEYWORDS,
							    props, sizeof(props)));
	json_kv_bool(j, "encap", c->encap);
	json_kv_string(j, "local_auth", c->local.auth);
	json_kv_string(j, "local_id", c->local.id.str);
	json_kv_string(j, "remote_auth", c->remote.auth);
	json_kv_string(j, "remote_id", c->remote.id.str);
	json_key(j, "children");
	json_array_begin(j);
	for (i = 0; i < c->n_children; i++) {
		const struct ike_cfg_child *ch = &c->children[i];

		json_object_begin(j);
		json_kv_string(j, "name", ch->name);
		conn_ts(NULL, j, "local_ts", ch->local_ts, ch->n_local_ts);
		conn_ts(NULL, j, "remote_ts", ch->remote_ts, ch->n_remote_ts);
		json_kv_string(j, "esp_proposals",
			       ike_prop_list_format(&ch->esp_proposals, IKE_PROP_KEYWORDS, props,
						    sizeof(props)));
		json_kv_bool(j, "start", ch->start_action & IKE_CFG_ACTION_START);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

int ike_list_conns(const struct ike_engine *e, bool json, struct strbuf *out)
{
	unsigned int i;
	struct json j;
	int ret;

	if (!json) {
		for (i = 0; i < e->cfg->n_conns; i++)
			text_conn(out, &e->cfg->conns[i]);
		return strbuf_error(out);
	}
	json_init(&j, out);
	json_object_begin(&j);
	json_key(&j, "connections");
	json_array_begin(&j);
	for (i = 0; i < e->cfg->n_conns; i++)
		json_conn(&j, &e->cfg->conns[i]);
	json_array_end(&j);
	json_object_end(&j);
	ret = json_error(&j);
	return ret ? ret : strbuf_error(out);
}

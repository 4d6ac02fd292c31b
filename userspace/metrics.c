// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The metrics page: every family with HELP and TYPE, base units, _total
 * for counters, the reason names of reasons.c as label values, so that the
 * page, `xdpsecctl stats` and the README agree.  Counters come from the
 * same calls as `stats -j` (read_reasons, list_sas, list_devices).
 */
#include "metrics.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd_internal.h"
#include "ike_engine.h"
#include "reasons.h"
#include "worker.h"

enum { NS_PER_SEC = 1000000000 };

static void family(struct strbuf *out, const char *name, const char *type, const char *help)
{
	strbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value, escaped as the format wants (backslash, quote, newline). */
static void label_value(struct strbuf *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			strbuf_putc(out, '\\');
		if (*v == '\n')
			strbuf_puts(out, "\\n");
		else
			strbuf_putc(out, *v);
	}
}

static void sample_u64(struct strbuf *out, const char *name, const char *labels, uint64_t v)
{
	strbuf_printf(out, "%s%s%s%s %llu\n", name, labels[0] ? "{" : "", labels,
		      labels[0] ? "}" : "", (unsigned long long)v);
}

/* spi="0x00001001",dir="in",device="site-b" into buf (device names need no escaping). */
static void sa_labels(struct strbuf *lb, const struct dp_sa_info *sa)
{
	strbuf_reset(lb);
	strbuf_printf(lb, "spi=\"0x%08x\",dir=\"%s\",device=\"", sa->spi, cmd_dir_name(sa->dir));
	label_value(lb, sa->device);
	strbuf_putc(lb, '"');
}

static int render_reasons(const struct metrics_source *src, struct strbuf *out)
{
	struct xs_counter r[XS_R_MAX];
	char lb[64];
	int i, ret;

	ret = src->dp->ops->read_reasons(src->dp, r);
	if (ret)
		return ret;
	family(out, "xdpsec_packets_total", "counter",
	       "Packets by verdict reason (uplink and tunnel programs, workers).");
	for (i = 0; i < XS_R_MAX; i++) {
		snprintf(lb, sizeof(lb), "reason=\"%s\"", xs_reason_names[i]);
		sample_u64(out, "xdpsec_packets_total", lb, r[i].packets);
	}
	family(out, "xdpsec_bytes_total", "counter",
	       "Bytes by verdict reason, of the frame where the decision was made.");
	for (i = 0; i < XS_R_MAX; i++) {
		snprintf(lb, sizeof(lb), "reason=\"%s\"", xs_reason_names[i]);
		sample_u64(out, "xdpsec_bytes_total", lb, r[i].bytes);
	}
	return 0;
}

static void render_sas(const struct dp_sa_info *sas, int n, struct strbuf *out)
{
	struct strbuf lb = STRBUF_INIT;
	int i;
	unsigned int k;

	family(out, "xdpsec_sas", "gauge", "SAs in the data plane.");
	sample_u64(out, "xdpsec_sas", "", (uint64_t)n);
	family(out, "xdpsec_sa_packets_total", "counter", "Inner packets through an SA.");
	for (i = 0; i < n; i++) {
		sa_labels(&lb, &sas[i]);
		sample_u64(out, "xdpsec_sa_packets_total", strbuf_str(&lb), sas[i].stats.packets);
	}
	family(out, "xdpsec_sa_bytes_total", "counter", "Inner IP bytes through an SA.");
	for (i = 0; i < n; i++) {
		sa_labels(&lb, &sas[i]);
		sample_u64(out, "xdpsec_sa_bytes_total", strbuf_str(&lb), sas[i].stats.bytes);
	}
	family(out, "xdpsec_sa_errors_total", "counter", "Packets of an SA dropped, by reason.");
	for (i = 0; i < n; i++) {
		for (k = 0; k < XS_N_SA_ERRORS; k++) {
			sa_labels(&lb, &sas[i]);
			strbuf_printf(&lb, ",reason=\"%s\"", xs_reason_names[xs_sa_errors[k].reason]);
			sample_u64(out, "xdpsec_sa_errors_total", strbuf_str(&lb),
				   xs_sa_error_value(&sas[i].stats, k));
		}
	}
	family(out, "xdpsec_sa_esp_source_changes_total", "counter",
	       "New outer sources of an inbound SA's authenticated ESP in UDP (NAT rebinding).");
	for (i = 0; i < n; i++) {
		if (sas[i].dir != XS_DIR_IN)
			continue;	/* only inbound SAs note sources */
		sa_labels(&lb, &sas[i]);
		sample_u64(out, "xdpsec_sa_esp_source_changes_total", strbuf_str(&lb),
			   sas[i].seen_changes);
	}
	strbuf_free(&lb);
}

static void dev_labels(struct strbuf *lb, const char *name, const char *reason)
{
	strbuf_reset(lb);
	strbuf_puts(lb, "device=\"");
	label_value(lb, name);
	strbuf_putc(lb, '"');
	if (reason)
		strbuf_printf(lb, ",reason=\"%s\"", reason);
}

static void render_devices(const struct dp_device_info *devs, int n, struct strbuf *out)
{
	struct strbuf lb = STRBUF_INIT;
	int i;

	family(out, "xdpsec_device_packets_total", "counter",
	       "Decrypted packets delivered for a device.");
	for (i = 0; i < n; i++) {
		dev_labels(&lb, devs[i].name, NULL);
		sample_u64(out, "xdpsec_device_packets_total", strbuf_str(&lb),
			   devs[i].stats.packets);
	}
	family(out, "xdpsec_device_bytes_total", "counter",
	       "Decrypted inner IP bytes delivered for a device.");
	for (i = 0; i < n; i++) {
		dev_labels(&lb, devs[i].name, NULL);
		sample_u64(out, "xdpsec_device_bytes_total", strbuf_str(&lb), devs[i].stats.bytes);
	}
	family(out, "xdpsec_device_denied_total", "counter",
	       "Decrypted packets of a device dropped by its ACL or the SA's selectors.");
	for (i = 0; i < n; i++) {
		dev_labels(&lb, devs[i].name, xs_reason_names[XS_R_ACL_DENIED]);
		sample_u64(out, "xdpsec_device_denied_total", strbuf_str(&lb),
			   devs[i].stats.acl_denied);
		dev_labels(&lb, devs[i].name, xs_reason_names[XS_R_TS_MISMATCH]);
		sample_u64(out, "xdpsec_device_denied_total", strbuf_str(&lb),
			   devs[i].stats.ts_mismatch);
	}
	strbuf_free(&lb);
}

static int render_dataplane(const struct metrics_source *src, struct strbuf *out)
{
	struct dp_device_info *devs = NULL;
	struct dp_sa_info *sas = NULL;
	int nsas, ndevs;

	nsas = cmd_list_sas(src->dp, &sas);
	if (nsas < 0)
		return nsas;
	ndevs = cmd_list_devices(src->dp, &devs);
	if (ndevs < 0) {
		free(sas);
		return ndevs;
	}
	render_sas(sas, nsas, out);
	render_devices(devs, ndevs, out);
	free(sas);
	free(devs);
	return 0;
}

/* The engine's counters that are one unlabelled series each. */
static const struct ike_counter {
	const char *name, *help;
	size_t offset;		/* in struct ike_engine_stats */
} ike_counters[] = {
	{ "xdpsec_ike_auth_failures_total",
	  "IKE_AUTH exchanges whose peer authentication failed.",
	  offsetof(struct ike_engine_stats, auth_failures) },
	{ "xdpsec_ike_child_sas_installed_total",
	  "Child SAs installed in the data plane.",
	  offsetof(struct ike_engine_stats, child_sas_installed) },
	{ "xdpsec_ike_child_sas_deleted_total",
	  "Child SAs removed from the data plane.",
	  offsetof(struct ike_engine_stats, child_sas_deleted) },
	{ "xdpsec_ike_invalid_messages_total",
	  "Received IKE messages that did not parse.",
	  offsetof(struct ike_engine_stats, invalid_messages) },
	{ "xdpsec_ike_retransmits_total",
	  "IKE requests retransmitted.",
	  offsetof(struct ike_engine_stats, retransmits) },
	{ "xdpsec_ike_rekey_collisions_total",
	  "Simultaneous rekeys resolved (RFC 7296 2.8.1).",
	  offsetof(struct ike_engine_stats, rekey_collisions) },
	{ "xdpsec_ike_child_sas_expired_total",
	  "Child SAs deleted at their hard lifetime.",
	  offsetof(struct ike_engine_stats, child_sas_expired) },
	{ "xdpsec_ike_dpd_timeouts_total",
	  "IKE SAs whose peer did not answer dead peer detection.",
	  offsetof(struct ike_engine_stats, dpd_timeouts) },
	{ "xdpsec_ike_sas_deleted_total",
	  "IKE SAs deleted after they were up.",
	  offsetof(struct ike_engine_stats, ike_sas_deleted) },
	{ "xdpsec_ike_sas_timed_out_total",
	  "IKE SAs ended by unanswered retransmissions or the half-open timeout.",
	  offsetof(struct ike_engine_stats, ike_sas_timed_out) },
	{ "xdpsec_ike_address_changes_total",
	  "Peers followed to a new address or port (NAT rebinding).",
	  offsetof(struct ike_engine_stats, address_changes) },
	{ "xdpsec_ike_redirects_total",
	  "Peers redirected to another gateway (RFC 5685), sent or followed.",
	  offsetof(struct ike_engine_stats, redirects) },
	{ "xdpsec_ike_reauthentications_total",
	  "IKE SAs replaced by a reauthentication (make before break).",
	  offsetof(struct ike_engine_stats, ike_sas_reauthenticated) },
};

static void render_ike_counters(const struct ike_engine_stats *st, struct strbuf *out)
{
	family(out, "xdpsec_ike_sas", "gauge", "IKE SAs by state.");
	sample_u64(out, "xdpsec_ike_sas", "state=\"established\"", st->ike_sas_established);
	sample_u64(out, "xdpsec_ike_sas", "state=\"half_open\"", st->ike_sas_half_open);
	family(out, "xdpsec_ike_handshakes_total", "counter",
	       "IKE SA setups (IKE_SA_INIT + IKE_AUTH) by result.");
	sample_u64(out, "xdpsec_ike_handshakes_total", "result=\"ok\"", st->handshakes_ok);
	sample_u64(out, "xdpsec_ike_handshakes_total", "result=\"failed\"", st->handshakes_failed);
	family(out, "xdpsec_ike_messages_total", "counter", "IKE messages by direction.");
	sample_u64(out, "xdpsec_ike_messages_total", "dir=\"in\"", st->messages_in);
	sample_u64(out, "xdpsec_ike_messages_total", "dir=\"out\"", st->messages_out);
	family(out, "xdpsec_ike_rekeys_total", "counter", "Completed rekeys by kind.");
	sample_u64(out, "xdpsec_ike_rekeys_total", "sa=\"ike\"", st->ike_sas_rekeyed);
	sample_u64(out, "xdpsec_ike_rekeys_total", "sa=\"child\"", st->child_sas_rekeyed);
	for (size_t i = 0; i < sizeof(ike_counters) / sizeof(ike_counters[0]); i++) {
		const struct ike_counter *c = &ike_counters[i];

		family(out, c->name, "counter", c->help);
		sample_u64(out, c->name, "", *(const uint64_t *)((const char *)st + c->offset));
	}
}

/* One series per configured connection: 0 while it has no established IKE SA. */
static int render_conns(const struct ike_engine *e, struct strbuf *out)
{
	struct strbuf lb = STRBUF_INIT;
	struct ike_conn_state *cs;
	unsigned int i, n = ike_engine_conn_states(e, NULL, 0);

	cs = calloc(n + 1, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	n = ike_engine_conn_states(e, cs, n);
	family(out, "xdpsec_ike_connection_up", "gauge",
	       "1 if a configured connection has an established IKE SA, else 0.");
	for (i = 0; i < n; i++) {
		strbuf_reset(&lb);
		strbuf_puts(&lb, "conn=\"");
		label_value(&lb, cs[i].name);
		strbuf_putc(&lb, '"');
		sample_u64(out, "xdpsec_ike_connection_up", strbuf_str(&lb),
			   cs[i].ike_sas_established > 0);
	}
	family(out, "xdpsec_ike_connection_child_sas", "gauge",
	       "Installed Child SAs of a configured connection.");
	for (i = 0; i < n; i++) {
		strbuf_reset(&lb);
		strbuf_puts(&lb, "conn=\"");
		label_value(&lb, cs[i].name);
		strbuf_putc(&lb, '"');
		sample_u64(out, "xdpsec_ike_connection_child_sas", strbuf_str(&lb),
			   cs[i].child_sas_installed);
	}
	strbuf_free(&lb);
	free(cs);
	return 0;
}

static void render_workers(const struct metrics_source *src, struct strbuf *out)
{
	char lb[32];
	unsigned int i;

	family(out, "xdpsec_worker_busy_seconds_total", "counter",
	       "Time an AF_XDP worker spent outside its idle wait.");
	for (i = 0; i < src->n_workers; i++) {
		uint64_t ns = worker_busy_ns(src->workers[i]);

		snprintf(lb, sizeof(lb), "worker=\"%u\"", i);
		strbuf_printf(out, "xdpsec_worker_busy_seconds_total{%s} %llu.%09llu\n", lb,
			      (unsigned long long)(ns / NS_PER_SEC),
			      (unsigned long long)(ns % NS_PER_SEC));
	}
}

int metrics_render(const struct metrics_source *src, struct strbuf *out)
{
	struct ike_engine_stats st = { 0 };
	int ret;

	family(out, "xdpsec_up", "gauge", "1 while xdpsecd serves metrics.");
	sample_u64(out, "xdpsec_up", "", 1);
	family(out, "xdpsec_build_info", "gauge", "xdpsecd's version, as a label.");
	strbuf_puts(out, "xdpsec_build_info{version=\"");
	label_value(out, src->version);
	strbuf_puts(out, "\"} 1\n");
	ret = render_reasons(src, out);
	ret = ret ?: render_dataplane(src, out);
	if (ret)
		return ret;
	if (src->ike)
		ike_engine_get_stats(src->ike, &st);
	render_ike_counters(&st, out);
	if (src->ike && (ret = render_conns(src->ike, out)))
		return ret;
	render_workers(src, out);
	return strbuf_error(out);
}

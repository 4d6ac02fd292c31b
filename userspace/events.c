// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * SA lifecycle events (events.h): an SA's identities, addresses and SPIs
 * in one record, written as key=value text or as a JSON object on one line.
 * The engine's exchanges call ike_event() where the decision is made; the
 * line goes where log.h sends events.
 */
#include "events.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ike_config.h"
#include "ike_msg.h"
#include "ike_sa.h"
#include "json.h"
#include "log.h"

static const char *const event_names[IKE_EV_COUNT] = {
	[IKE_EV_ESTABLISHED] = "established",
	[IKE_EV_AUTH_FAILED] = "auth_failed",
	[IKE_EV_REKEYED] = "rekeyed",
	[IKE_EV_DELETED] = "deleted",
	[IKE_EV_ADDRESS_CHANGED] = "address_changed",
	[IKE_EV_DPD_TIMEOUT] = "dpd_timeout",
	[IKE_EV_REDIRECT] = "redirect",
	[IKE_EV_REAUTHENTICATED] = "reauthenticated",
	[IKE_EV_CHILD_INSTALLED] = "child_installed",
	[IKE_EV_CHILD_REKEYED] = "child_rekeyed",
	[IKE_EV_CHILD_DELETED] = "child_deleted",
	[IKE_EV_CHILD_EXPIRED] = "child_expired",
};

static bool events_json;

const char *ike_event_name(enum ike_event_kind kind)
{
	return kind < IKE_EV_COUNT ? event_names[kind] : "unknown";
}

void ike_events_set_json(bool json)
{
	events_json = json;
}

static uint64_t spi64(const uint8_t *spi)
{
	return (uint64_t)ike_get32(spi) << 32 | ike_get32(spi + 4);
}

void ike_event_init(struct ike_event *ev, enum ike_event_kind kind, const struct ike_sa *sa,
		    const struct ike_child *c)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->conn = sa->conn ? sa->conn->name : NULL;
	ev->ike_uid = sa->uid;
	ev->local_id = sa->our_id_str;
	ev->remote_id = sa->peer_id ? sa->peer_id_str : NULL;
	ike_ep_format(&sa->local, ev->local, sizeof(ev->local));
	ike_ep_format(&sa->remote, ev->remote, sizeof(ev->remote));
	ev->ike_spi_i = spi64(sa->spi_i);
	ev->ike_spi_r = spi64(sa->spi_r);
	if (c) {
		ev->child = c->name;
		ev->child_uid = c->uid;
		ev->spi_in = c->spi_in;
		ev->spi_out = c->spi_out;
	}
}

/* ---- key=value text ---- */

static bool needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f || *s == '"' ||
		    *s == '\\' || *s == '=')
			return true;
	return false;
}

/* The value on one line whatever the peer put in it. */
static void text_string(struct strbuf *out, const char *key, const char *v)
{
	if (!v || !*v)
		return;
	strbuf_printf(out, " %s=", key);
	if (!needs_quotes(v)) {
		strbuf_puts(out, v);
		return;
	}
	strbuf_putc(out, '"');
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_printf(out, "\\%c", *p);
		else if (*p < ' ' || *p >= 0x7f)
			strbuf_printf(out, "\\x%02x", *p);
		else
			strbuf_putc(out, (char)*p);
	}
	strbuf_putc(out, '"');
}

static void text_uint(struct strbuf *out, const char *key, uint64_t v)
{
	if (v)
		strbuf_printf(out, " %s=%" PRIu64, key, v);
}

static void text_hex(struct strbuf *out, const char *key, uint64_t v, int width)
{
	if (v)
		strbuf_printf(out, " %s=%0*" PRIx64, key, width, v);
}

/* ---- JSON ---- */

static void json_opt_string(struct json *j, const char *key, const char *v)
{
	if (v && *v)
		json_kv_string(j, key, v);
}

static void json_opt_uint(struct json *j, const char *key, uint64_t v)
{
	if (v)
		json_kv_u64(j, key, v);
}

static void json_opt_hex(struct json *j, const char *key, uint64_t v, int width)
{
	if (!v)
		return;
	json_key(j, key);
	json_stringf(j, "%0*" PRIx64, width, v);
}

static void json_time(struct json *j)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	json_key(j, "time");
	json_stringf(j, "%s.%03ldZ", buf, ts.tv_nsec / 1000000);
}

/* The same fields, in the same order, for both forms. */
struct event_writer {
	void (*str)(void *w, const char *key, const char *v);
	void (*uint)(void *w, const char *key, uint64_t v);
	void (*hex)(void *w, const char *key, uint64_t v, int width);
};

static void write_fields(const struct ike_event *ev, const struct event_writer *wr, void *w)
{
	bool ike_spis = ev->kind == IKE_EV_REKEYED || ev->kind == IKE_EV_REAUTHENTICATED;

	wr->str(w, "event", ike_event_name(ev->kind));
	wr->str(w, "conn", ev->conn);
	wr->uint(w, "ike", ev->ike_uid);
	wr->str(w, "local_id", ev->local_id);
	wr->str(w, "remote_id", ev->remote_id);
	wr->str(w, "local", ev->local);
	wr->str(w, "remote", ev->remote);
	wr->hex(w, "ike_spi_i", ev->ike_spi_i, 16);
	wr->hex(w, "ike_spi_r", ev->ike_spi_r, 16);
	wr->str(w, "child", ev->child);
	wr->uint(w, "child_id", ev->child_uid);
	wr->hex(w, "spi_in", ev->spi_in, 8);
	wr->hex(w, "spi_out", ev->spi_out, 8);
	wr->str(w, "local_ts", ev->local_ts);
	wr->str(w, "remote_ts", ev->remote_ts);
	wr->uint(w, ike_spis ? "old_ike" : "old_child", ev->old_uid);
	wr->hex(w, ike_spis ? "old_ike_spi_i" : "old_spi_in", ev->old_spi_a, ike_spis ? 16 : 8);
	wr->hex(w, ike_spis ? "old_ike_spi_r" : "old_spi_out", ev->old_spi_b, ike_spis ? 16 : 8);
	wr->str(w, "old_remote", ev->old_remote);
	wr->str(w, "from", ev->from);
	wr->str(w, "to", ev->to);
	wr->str(w, "reason", ev->reason);
}

static void tw_str(void *w, const char *key, const char *v)
{
	text_string(w, key, v);
}

static void tw_uint(void *w, const char *key, uint64_t v)
{
	text_uint(w, key, v);
}

static void tw_hex(void *w, const char *key, uint64_t v, int width)
{
	text_hex(w, key, v, width);
}

static void jw_str(void *w, const char *key, const char *v)
{
	json_opt_string(w, key, v);
}

static void jw_uint(void *w, const char *key, uint64_t v)
{
	json_opt_uint(w, key, v);
}

static void jw_hex(void *w, const char *key, uint64_t v, int width)
{
	json_opt_hex(w, key, v, width);
}

void ike_event_format(const struct ike_event *ev, bool json, struct strbuf *out)
{
	static const struct event_writer text = { tw_str, tw_uint, tw_hex };
	static const struct event_writer js = { jw_str, jw_uint, jw_hex };
	struct json j;

	if (!json) {
		strbuf_puts(out, "xdpsec-event");
		write_fields(ev, &text, out);
		return;
	}
	json_init(&j, out);
	json_object_begin(&j);
	json_time(&j);
	write_fields(ev, &js, &j);
	json_object_end(&j);
}

void ike_event_emit(const struct ike_event *ev)
{
	struct strbuf line = STRBUF_INIT;

	ike_event_format(ev, events_json, &line);
	if (!strbuf_error(&line))
		log_event_line(strbuf_str(&line));
	strbuf_free(&line);
}

void ike_event(const struct ike_event *ev, const char *fmt, ...)
{
	char human[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(human, sizeof(human), fmt, ap);
	va_end(ap);
	log_msg(LOG_LVL_INFO, "%s", human);
	ike_event_emit(ev);
}

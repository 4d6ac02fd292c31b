/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * SA lifecycle events: one structured line per event (established, rekeyed,
 * deleted, address changed, DPD timeout, auth failed, Child SA installed,
 * rekeyed, deleted), for the operator's tools.  ike_event() writes the
 * human line to the normal log, as before, and the structured line to the
 * event destination (log.h: syslog by default, stderr with 'log = stderr'),
 * as key=value text or, with 'log_format = json', one JSON object a line:
 *
 *   xdpsec-event event=established conn=devices ike=3 local_id=gw.example
 *     remote_id=dev1@example local=198.51.100.1:4500 remote=203.0.113.5:4500
 *     ike_spi_i=1a2b... ike_spi_r=...
 *   {"time":"2026-11-26T05:40:01.123Z","event":"established","conn":"devices",...}
 *
 * Identities and addresses only: never keys, nonces or anything secret.
 * The peer chose its identity, so text values are quoted and escaped and a
 * line always stays one line.
 */
#ifndef XDPSEC_EVENTS_H
#define XDPSEC_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "selector.h"
#include "strbuf.h"

enum ike_event_kind {
	IKE_EV_ESTABLISHED,
	IKE_EV_AUTH_FAILED,
	IKE_EV_REKEYED,
	IKE_EV_DELETED,
	IKE_EV_ADDRESS_CHANGED,
	IKE_EV_DPD_TIMEOUT,
	IKE_EV_REDIRECT,
	IKE_EV_REAUTHENTICATED,
	IKE_EV_CHILD_INSTALLED,
	IKE_EV_CHILD_REKEYED,
	IKE_EV_CHILD_DELETED,
	IKE_EV_CHILD_EXPIRED,
	IKE_EV_COUNT
};

/* Optional fields are left out of the line when NULL, "" or 0. */
struct ike_event {
	enum ike_event_kind kind;
	const char *conn;
	unsigned int ike_uid;
	const char *local_id, *remote_id;
	char local[ADDR_PORT_STR_MAX], remote[ADDR_PORT_STR_MAX];
	uint64_t ike_spi_i, ike_spi_r;
	/* child_* events */
	const char *child;
	unsigned int child_uid;
	uint32_t spi_in, spi_out;
	const char *local_ts, *remote_ts;	/* child_installed: the selectors */
	/* rekeyed, child_rekeyed: the SA replaced (IKE SPIs i/r, or in/out) */
	unsigned int old_uid;
	uint64_t old_spi_a, old_spi_b;
	/* address_changed: where the peer was */
	char old_remote[ADDR_PORT_STR_MAX];
	/* redirect: the gateway the device leaves and the one it is sent to */
	const char *from, *to;
	const char *reason;
};

const char *ike_event_name(enum ike_event_kind kind);

/* Structured lines as JSON objects (true) or key=value text (the default). */
void ike_events_set_json(bool json);

struct ike_sa;
struct ike_child;
/* Zeroes *ev and fills what sa (and c, if not NULL) say. */
void ike_event_init(struct ike_event *ev, enum ike_event_kind kind, const struct ike_sa *sa,
		    const struct ike_child *c);

/* The structured line, without a newline, appended to out. */
void ike_event_format(const struct ike_event *ev, bool json, struct strbuf *out);

/*
 * Emits ev: the human line fmt at info level to the normal log, the
 * structured line to the event destination.
 */
void ike_event(const struct ike_event *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The structured line alone, where the human line is someone else's. */
void ike_event_emit(const struct ike_event *ev);

#endif /* XDPSEC_EVENTS_H */

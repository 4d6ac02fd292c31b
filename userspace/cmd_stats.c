// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * stats / status: the verdict counters per reason, SA and device, under the
 * names of reasons.c so that the CLI, the JSON and the metrics agree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_internal.h"
#include "json.h"
#include "reasons.h"
#include "table.h"

#define N_SA_ERRORS XS_N_SA_ERRORS

struct stats {
	struct xs_counter reasons[XS_R_MAX];
	struct dp_sa_info *sas;
	struct dp_device_info *devs;
	int nsas, ndevs;
};

static void stats_free(struct stats *st)
{
	free(st->sas);
	free(st->devs);
}

static int stats_read(struct cmd_ctx *c, struct stats *st)
{
	int ret;

	memset(st, 0, sizeof(*st));
	ret = c->dp->ops->read_reasons(c->dp, st->reasons);
	if (ret)
		return cmd_error(c, "cannot read counters: %s", strerror(-ret));
	st->nsas = cmd_list_sas(c->dp, &st->sas);
	if (st->nsas < 0)
		return cmd_error(c, "cannot list SAs: %s", strerror(-st->nsas));
	st->ndevs = cmd_list_devices(c->dp, &st->devs);
	if (st->ndevs < 0) {
		free(st->sas);
		return cmd_error(c, "cannot list devices: %s", strerror(-st->ndevs));
	}
	return 0;
}

static void stats_json_sa(struct json *j, const struct dp_sa_info *sa)
{
	unsigned int i;

	json_object_begin(j);
	json_key(j, "spi");
	json_stringf(j, "0x%08x", sa->spi);
	json_kv_string(j, "dir", cmd_dir_name(sa->dir));
	json_kv_string(j, "device", sa->device[0] ? sa->device : NULL);
	json_kv_u64(j, "packets", sa->stats.packets);
	json_kv_u64(j, "bytes", sa->stats.bytes);
	json_key(j, "errors");
	json_object_begin(j);
	for (i = 0; i < N_SA_ERRORS; i++)
		json_kv_u64(j, xs_reason_names[xs_sa_errors[i].reason],
			    xs_sa_error_value(&sa->stats, i));
	json_object_end(j);
	json_object_end(j);
}

static void stats_json_dev(struct json *j, const struct dp_device_info *d)
{
	json_object_begin(j);
	json_kv_string(j, "name", d->name);
	json_kv_u64(j, "packets", d->stats.packets);
	json_kv_u64(j, "bytes", d->stats.bytes);
	json_kv_u64(j, xs_reason_names[XS_R_ACL_DENIED], d->stats.acl_denied);
	json_kv_u64(j, xs_reason_names[XS_R_TS_MISMATCH], d->stats.ts_mismatch);
	json_object_end(j);
}

static void stats_json(struct strbuf *out, const struct stats *st)
{
	struct json j;
	int i;

	json_init(&j, out);
	json_object_begin(&j);
	json_key(&j, "reasons");
	json_object_begin(&j);
	for (i = 0; i < XS_R_MAX; i++) {
		json_key(&j, xs_reason_names[i]);
		json_object_begin(&j);
		json_kv_u64(&j, "packets", st->reasons[i].packets);
		json_kv_u64(&j, "bytes", st->reasons[i].bytes);
		json_object_end(&j);
	}
	json_object_end(&j);
	json_key(&j, "sas");
	json_array_begin(&j);
	for (i = 0; i < st->nsas; i++)
		stats_json_sa(&j, &st->sas[i]);
	json_array_end(&j);
	json_key(&j, "devices");
	json_array_begin(&j);
	for (i = 0; i < st->ndevs; i++)
		stats_json_dev(&j, &st->devs[i]);
	json_array_end(&j);
	json_object_end(&j);
	strbuf_putc(out, '\n');
}

static const char *u64str(char *buf, size_t len, uint64_t v)
{
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

static int stats_text_reasons(struct strbuf *out, const struct stats *st)
{
	static const char *const header[] = { "reason", "packets", "bytes" };
	char pk[24], by[24];
	struct table t;
	int i, rows = 0, ret;

	ret = table_init(&t, 3, header);
	table_align_right(&t, 1);
	table_align_right(&t, 2);
	for (i = 0; i < XS_R_MAX && !ret; i++) {
		const char *row[] = { xs_reason_names[i], pk, by };

		if (!st->reasons[i].packets && !st->reasons[i].bytes)
			continue;
		u64str(pk, sizeof(pk), st->reasons[i].packets);
		u64str(by, sizeof(by), st->reasons[i].bytes);
		ret = table_add(&t, row);
		rows++;
	}
	if (!ret && rows)
		ret = table_write(&t, out);
	else if (!ret)
		strbuf_puts(out, "no packets counted\n");
	table_free(&t);
	return ret;
}

static int stats_text_sas(struct strbuf *out, const struct stats *st)
{
	const char *header[3 + 2 + N_SA_ERRORS] = { "sa", "dir", "device", "packets", "bytes" };
	char num[2 + N_SA_ERRORS][24], spi[16];
	const char *row[3 + 2 + N_SA_ERRORS];
	struct table t;
	unsigned int k;
	int i, ret;

	for (k = 0; k < N_SA_ERRORS; k++)
		header[5 + k] = xs_reason_names[xs_sa_errors[k].reason];
	ret = table_init(&t, 5 + N_SA_ERRORS, header);
	for (k = 3; k < 5 + N_SA_ERRORS; k++)
		table_align_right(&t, k);
	for (i = 0; i < st->nsas && !ret; i++) {
		const struct dp_sa_info *sa = &st->sas[i];

		snprintf(spi, sizeof(spi), "0x%08x", sa->spi);
		row[0] = spi;
		row[1] = cmd_dir_name(sa->dir);
		row[2] = sa->device[0] ? sa->device : NULL;
		row[3] = u64str(num[0], sizeof(num[0]), sa->stats.packets);
		row[4] = u64str(num[1], sizeof(num[1]), sa->stats.bytes);
		for (k = 0; k < N_SA_ERRORS; k++)
			row[5 + k] = u64str(num[2 + k], sizeof(num[0]),
					    xs_sa_error_value(&sa->stats, k));
		ret = table_add(&t, row);
	}
	if (!ret)
		ret = table_write(&t, out);
	table_free(&t);
	return ret;
}

static int stats_text_devs(struct strbuf *out, const struct stats *st)
{
	const char *header[] = { "device", "packets", "bytes", xs_reason_names[XS_R_ACL_DENIED],
				 xs_reason_names[XS_R_TS_MISMATCH] };
	char num[4][24];
	struct table t;
	unsigned int k;
	int i, ret;

	ret = table_init(&t, 5, header);
	for (k = 1; k < 5; k++)
		table_align_right(&t, k);
	for (i = 0; i < st->ndevs && !ret; i++) {
		const struct xs_dev_stats *s = &st->devs[i].stats;
		const char *row[] = {
			st->devs[i].name, u64str(num[0], 24, s->packets), u64str(num[1], 24, s->bytes),
			u64str(num[2], 24, s->acl_denied), u64str(num[3], 24, s->ts_mismatch),
		};

		ret = table_add(&t, row);
	}
	if (!ret)
		ret = table_write(&t, out);
	table_free(&t);
	return ret;
}

/* Nonzero reasons, then the SAs and the devices, a blank line between. */
static int stats_text(struct strbuf *out, const struct stats *st)
{
	int ret = stats_text_reasons(out, st);

	if (!ret && st->nsas) {
		strbuf_putc(out, '\n');
		ret = stats_text_sas(out, st);
	}
	if (!ret && st->ndevs) {
		strbuf_putc(out, '\n');
		ret = stats_text_devs(out, st);
	}
	return ret;
}

int cmd_stats(struct cmd_ctx *c, int argc, char **argv)
{
	struct stats st;
	int ret;

	if (argc > 0)
		return cmd_error(c, "unexpected argument '%s' for 'stats'", argv[0]);
	ret = stats_read(c, &st);
	if (ret)
		return ret;
	if (c->json)
		stats_json(c->out, &st);
	else
		ret = stats_text(c->out, &st);
	stats_free(&st);
	return ret ? cmd_error(c, "stats: %s", strerror(-ret)) : 0;
}

int cmd_status(struct cmd_ctx *c, int argc, char **argv)
{
	struct dataplane *dp = c->dp;
	int nsas, ndevs;
	struct json j;

	if (argc > 0)
		return cmd_error(c, "unexpected argument '%s' for 'status'", argv[0]);
	nsas = dp->ops->list_sas(dp, NULL, 0);
	ndevs = dp->ops->list_devices(dp, NULL, 0);
	if (nsas < 0 || ndevs < 0)
		return cmd_error(c, "cannot read the data plane: %s",
				 strerror(nsas < 0 ? -nsas : -ndevs));
	if (!c->json) {
		strbuf_printf(c->out, "backend: %s\nsas: %d\ndevices: %d\n", dp->ops->name, nsas,
			      ndevs);
		return 0;
	}
	json_init(&j, c->out);
	json_object_begin(&j);
	json_kv_string(&j, "backend", dp->ops->name);
	json_kv_u64(&j, "sas", (uint64_t)nsas);
	json_kv_u64(&j, "devices", (uint64_t)ndevs);
	json_object_end(&j);
	strbuf_putc(c->out, '\n');
	return 0;
}

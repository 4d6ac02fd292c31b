// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * acl set / acl show: a device's allow list, the rules its decrypted
 * traffic must match in addition to the SA's traffic selectors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_internal.h"
#include "json.h"
#include "selector.h"

int cmd_acl_set(struct cmd_ctx *c, int argc, char **argv)
{
	struct xs_acl acl;
	char err[160];
	struct json j;
	int ret;

	if (argc < 1)
		return cmd_error(c, "'acl set' needs a device and rules (or 'none')");
	if (!cmd_device_name_valid(argv[0]))
		return cmd_error(c, "invalid device name '%s'", argv[0]);
	if (acl_parse(argc - 1, argv + 1, &acl, err, sizeof(err)))
		return cmd_error(c, "acl set %s: %s", argv[0], err);
	ret = c->dp->ops->set_acl(c->dp, argv[0], acl.rules, acl.nrules, acl.enforce);
	if (ret)
		return cmd_error(c, "cannot set the ACL of %s: %s", argv[0], strerror(-ret));
	if (!c->json) {
		if (acl.enforce)
			strbuf_printf(c->out, "acl of %s: %u rule%s\n", argv[0], acl.nrules,
				      acl.nrules == 1 ? "" : "s");
		else
			strbuf_printf(c->out, "acl of %s removed\n", argv[0]);
		return 0;
	}
	json_init(&j, c->out);
	json_object_begin(&j);
	json_kv_string(&j, "device", argv[0]);
	json_kv_bool(&j, "enforce", acl.enforce);
	json_kv_u64(&j, "rules", acl.nrules);
	json_object_end(&j);
	strbuf_putc(c->out, '\n');
	return 0;
}

static void acl_rule_json(struct json *j, const struct xs_selector *r)
{
	char buf[SELECTOR_STR_MAX];
	const char *name = proto_name(r->proto);

	json_object_begin(j);
	json_kv_string(j, "prefix", selector_format_prefix(r, buf, sizeof(buf)));
	json_key(j, "proto");
	if (!r->proto)
		json_string(j, "any");
	else if (name)
		json_string(j, name);
	else
		json_stringf(j, "%u", r->proto);
	json_kv_u64(j, "port_lo", r->port_lo);
	json_kv_u64(j, "port_hi", r->port_hi);
	json_object_end(j);
}

static void acl_show_json(struct json *j, const struct dp_device_info *d)
{
	unsigned int i;

	json_object_begin(j);
	json_kv_string(j, "name", d->name);
	json_kv_bool(j, "enforce", d->acl.enforce);
	json_key(j, "rules");
	json_array_begin(j);
	for (i = 0; i < d->acl.nrules && i < XS_ACL_MAX_RULES; i++)
		acl_rule_json(j, &d->acl.rules[i]);
	json_array_end(j);
	json_object_end(j);
}

static void acl_show_text(struct strbuf *out, const struct dp_device_info *d)
{
	char buf[SELECTOR_STR_MAX];
	unsigned int i;

	strbuf_printf(out, "device %s\n", d->name);
	if (!d->acl.enforce)
		strbuf_puts(out, "  none (traffic selectors only)\n");
	for (i = 0; d->acl.enforce && i < d->acl.nrules && i < XS_ACL_MAX_RULES; i++)
		strbuf_printf(out, "  allow %s\n", selector_format(&d->acl.rules[i], buf,
								  sizeof(buf)));
}

static void acl_show(struct cmd_ctx *c, const struct dp_device_info *devs, int n,
		     const char *only)
{
	struct json j;
	int i;

	json_init(&j, c->out);
	if (c->json) {
		json_object_begin(&j);
		json_key(&j, "devices");
		json_array_begin(&j);
	}
	for (i = 0; i < n; i++) {
		if (only && strcmp(only, devs[i].name))
			continue;
		if (c->json)
			acl_show_json(&j, &devs[i]);
		else
			acl_show_text(c->out, &devs[i]);
	}
	if (c->json) {
		json_array_end(&j);
		json_object_end(&j);
		strbuf_putc(c->out, '\n');
	} else if (n == 0) {
		strbuf_puts(c->out, "no devices\n");
	}
}

int cmd_acl_show(struct cmd_ctx *c, int argc, char **argv)
{
	struct dp_device_info *devs;
	const char *only = argc > 0 ? argv[0] : NULL;
	int i, n;

	if (argc > 1)
		return cmd_error(c, "unexpected argument '%s' for 'acl show'", argv[1]);
	n = cmd_list_devices(c->dp, &devs);
	if (n < 0)
		return cmd_error(c, "cannot list devices: %s", strerror(-n));
	for (i = 0; only && i < n && strcmp(devs[i].name, only); i++)
		;
	if (only && i == n) {
		free(devs);
		return cmd_error(c, "no device '%s'", only);
	}
	acl_show(c, devs, n, only);
	free(devs);
	return 0;
}

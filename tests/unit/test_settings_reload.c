// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What a reload compares (xdpsec_settings_diff): which settings differ,
 * their running and new values as text, and which of them apply live.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "settings.h"

static void test_same_settings_no_change(void **state)
{
	struct xdpsec_settings a, b;
	struct settings_change ch[4];

	(void)state;
	xdpsec_settings_defaults(&a);
	xdpsec_settings_defaults(&b);
	assert_int_equal(xdpsec_settings_diff(&a, &b, ch, 4), 0);
}

static void test_live_and_restart(void **state)
{
	struct xdpsec_settings a, b;
	struct settings_change ch[8];

	(void)state;
	xdpsec_settings_defaults(&a);
	b = a;
	snprintf(b.uplink, sizeof(b.uplink), "eth1");
	b.workers = 4;
	b.ike_keepalive = 5;
	snprintf(b.metrics_listen, sizeof(b.metrics_listen), "9470");
	b.dataplane = XDPSEC_DP_XFRM;
	assert_int_equal(xdpsec_settings_diff(&a, &b, ch, 8), 5);
	/* in the table's order: uplink, workers, dataplane, metrics_listen, ike_keepalive */
	assert_string_equal(ch[0].key, "uplink");
	assert_false(ch[0].live);
	assert_string_equal(ch[0].from, "(none)");
	assert_string_equal(ch[0].to, "eth1");
	assert_string_equal(ch[1].key, "workers");
	assert_string_equal(ch[1].from, "1");
	assert_string_equal(ch[1].to, "4");
	assert_string_equal(ch[2].key, "dataplane");
	assert_string_equal(ch[2].to, "xfrm");
	assert_false(ch[2].live);
	assert_string_equal(ch[3].key, "metrics_listen");
	assert_true(ch[3].live);
	assert_string_equal(ch[4].key, "ike_keepalive");
	assert_true(ch[4].live);
	assert_string_equal(ch[4].from, "20");
	assert_string_equal(ch[4].to, "5");
}

/* More changes than room: the count is still every change. */
static void test_capped_output(void **state)
{
	struct xdpsec_settings a, b;
	struct settings_change ch[1];

	(void)state;
	xdpsec_settings_defaults(&a);
	b = a;
	b.max_sas = 8;
	b.max_devices = 8;
	assert_int_equal(xdpsec_settings_diff(&a, &b, ch, 1), 2);
	assert_string_equal(ch[0].key, "max_sas");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_settings_no_change),
		cmocka_unit_test(test_live_and_restart),
		cmocka_unit_test(test_capped_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

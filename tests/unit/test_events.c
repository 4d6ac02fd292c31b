// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* SA event lines: the text form's quoting, the JSON form, fields left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "events.h"
#include "strbuf.h"

static void fill(struct ike_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = IKE_EV_CHILD_INSTALLED;
	ev->conn = "devices";
	ev->ike_uid = 3;
	ev->local_id = "gw.example";
	ev->remote_id = "C=CH, O=\"Ex\", CN=dev1\n";
	strcpy(ev->local, "192.0.2.1:4500");
	strcpy(ev->remote, "203.0.113.5:4500");
	ev->ike_spi_i = 0x0102030405060708ull;
	ev->child = "net";
	ev->child_uid = 4;
	ev->spi_in = 0xc1a2b3c4;
	ev->spi_out = 0x0000abcd;
}

static void test_text(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct ike_event ev;

	(void)state;
	fill(&ev);
	ike_event_format(&ev, false, &sb);
	assert_string_equal(strbuf_str(&sb),
			    "xdpsec-event event=child_installed conn=devices ike=3 "
			    "local_id=gw.example remote_id=\"C=CH, O=\\\"Ex\\\", CN=dev1\\x0a\" "
			    "local=192.0.2.1:4500 remote=203.0.113.5:4500 "
			    "ike_spi_i=0102030405060708 child=net child_id=4 spi_in=c1a2b3c4 "
			    "spi_out=0000abcd");
	strbuf_free(&sb);
}

static void test_json(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct ike_event ev;

	(void)state;
	fill(&ev);
	ev.kind = IKE_EV_REKEYED;
	ev.old_uid = 2;
	ev.old_spi_a = 0x1111111111111111ull;
	ike_event_format(&ev, true, &sb);
	assert_null(strchr(strbuf_str(&sb), '\n'));
	assert_non_null(strstr(strbuf_str(&sb), "\"event\":\"rekeyed\""));
	assert_non_null(strstr(strbuf_str(&sb), "\"remote_id\":\"C=CH, O=\\\"Ex\\\", CN=dev1\\n\""));
	assert_non_null(strstr(strbuf_str(&sb), "\"old_ike\":2,\"old_ike_spi_i\":\"1111111111111111\""));
	assert_null(strstr(strbuf_str(&sb), "ike_spi_r"));	/* 0: left out */
	assert_null(strstr(strbuf_str(&sb), "reason"));
	strbuf_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

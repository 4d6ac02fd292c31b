// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The metrics page from a fake data plane (per-SA ESP source changes too),
 * the metrics_listen address parser, the CLI's JSON reader and
 * export-keys' ESP table.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "commands.h"
#include "dp_fake.h"
#include "export_keys.h"
#include "json_read.h"
#include "metrics.h"
#include "selector.h"
#include "settings.h"
#include "strbuf.h"

static struct dataplane *fake_with_sa(void)
{
	struct dataplane *dp = dp_fake_new(8);
	struct strbuf out = STRBUF_INIT;
	char key[] = "000102030405060708090a0b0c0d0e0f10111213";	/* wiped once parsed */
	char *argv[] = { "sa", "add", "--spi", "0x1001", "--dir", "out", "--src",
			 "192.0.2.1:4500", "--dst", "198.51.100.2:4500", "--local-ts",
			 "10.1.0.0/24", "--remote-ts", "10.2.0.0/24", "--device", "site-b",
			 "--aead", "aes-gcm-128", "--key", key };

	assert_non_null(dp);
	assert_int_equal(commands_run(dp, sizeof(argv) / sizeof(argv[0]), argv, &out), 0);
	strbuf_free(&out);
	return dp;
}

static void test_render(void **state)
{
	struct dataplane *dp = fake_with_sa();
	struct dp_fake_counters *c = dp_fake_counters(dp);
	struct metrics_source src = { .dp = dp, .version = "9.9" };
	struct strbuf out = STRBUF_INIT;
	const char *s;

	(void)state;
	c->reasons[XS_R_ENCRYPTED].packets = 42;
	c->reasons[XS_R_ENCRYPTED].bytes = 4200;
	c->sa[0].packets = 7;
	c->sa[0].replay = 3;
	assert_int_equal(metrics_render(&src, &out), 0);
	s = strbuf_str(&out);
	assert_non_null(strstr(s, "# TYPE xdpsec_packets_total counter\n"));
	assert_non_null(strstr(s, "xdpsec_packets_total{reason=\"encrypted\"} 42\n"));
	assert_non_null(strstr(s, "xdpsec_bytes_total{reason=\"encrypted\"} 4200\n"));
	assert_non_null(strstr(s, "xdpsec_packets_total{reason=\"tx_failed\"} 0\n"));
	assert_non_null(strstr(s, "xdpsec_sa_packets_total{spi=\"0x00001001\",dir=\"out\","
				  "device=\"site-b\"} 7\n"));
	assert_non_null(strstr(s, "xdpsec_sa_errors_total{spi=\"0x00001001\",dir=\"out\","
				  "device=\"site-b\",reason=\"esp_replay\"} 3\n"));
	assert_non_null(strstr(s, "xdpsec_device_denied_total{device=\"site-b\","
				  "reason=\"acl_denied\"} 0\n"));
	assert_non_null(strstr(s, "xdpsec_build_info{version=\"9.9\"} 1\n"));
	assert_non_null(strstr(s, "xdpsec_ike_sas{state=\"established\"} 0\n"));
	strbuf_free(&out);
	dp->ops->destroy(dp);
}

/*
 * An inbound SA whose peer's NAT rebound twice (dp_fake_esp_from plays the
 * worker): its source changes are a counter; outbound SAs have none.
 */
static void test_render_source_changes(void **state)
{
	struct dataplane *dp = fake_with_sa();
	struct metrics_source src = { .dp = dp, .version = "9.9" };
	struct strbuf out = STRBUF_INIT;
	char key[] = "000102030405060708090a0b0c0d0e0f10111213";
	char *argv[] = { "sa", "add", "--spi", "0x2002", "--dir", "in", "--src",
			 "198.51.100.2:4500", "--dst", "192.0.2.1:4500", "--local-ts",
			 "10.1.0.0/24", "--remote-ts", "10.2.0.0/24", "--device", "site-b",
			 "--aead", "aes-gcm-128", "--key", key };
	struct dp_addr nat;
	const char *s;

	(void)state;
	assert_int_equal(commands_run(dp, sizeof(argv) / sizeof(argv[0]), argv, &out), 0);
	assert_int_equal(addr_parse("198.51.100.2", &nat), 0);
	assert_int_equal(dp_fake_esp_from(dp, 1, &nat, 40001), 1);
	assert_int_equal(dp_fake_esp_from(dp, 1, &nat, 40001), 0);	/* the same: once */
	assert_int_equal(dp_fake_esp_from(dp, 1, &nat, 40002), 1);
	strbuf_reset(&out);
	assert_int_equal(metrics_render(&src, &out), 0);
	s = strbuf_str(&out);
	assert_non_null(strstr(s, "# TYPE xdpsec_sa_esp_source_changes_total counter\n"));
	assert_non_null(strstr(s, "xdpsec_sa_esp_source_changes_total{spi=\"0x00002002\","
				  "dir=\"in\",device=\"site-b\"} 2\n"));
	assert_null(strstr(s, "xdpsec_sa_esp_source_changes_total{spi=\"0x00001001\""));
	strbuf_free(&out);
	dp->ops->destroy(dp);
}

static void test_export_esp(void **state)
{
	struct dataplane *dp = fake_with_sa();
	struct strbuf out = STRBUF_INIT;
	char *argv[] = { "export-keys" };

	(void)state;
	assert_int_equal(export_keys_run(dp, NULL, 1, argv, &out), 0);
	assert_string_equal(strbuf_str(&out),
			    "[esp_sa]\n"
			    "\"IPv4\",\"192.0.2.1\",\"198.51.100.2\",\"0x00001001\","
			    "\"AES-GCM with 16 octet ICV [RFC4106]\","
			    "\"0x000102030405060708090a0b0c0d0e0f10111213\",\"NULL\",\"\"\n"
			    "[ikev2_decryption_table]\n");
	strbuf_free(&out);
	dp->ops->destroy(dp);
}

static void test_listen(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	(void)state;
	assert_int_equal(settings_parse_listen("9469", &ss), 0);
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
	assert_int_equal(ntohs(sin->sin_port), 9469);
	assert_int_equal(settings_parse_listen("0.0.0.0:80", &ss), 0);
	assert_int_equal(sin->sin_addr.s_addr, 0);
	assert_int_equal(settings_parse_listen("[::1]:9469", &ss), 0);
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 9469);
	assert_int_not_equal(settings_parse_listen("0", &ss), 0);
	assert_int_not_equal(settings_parse_listen("65536", &ss), 0);
	assert_int_not_equal(settings_parse_listen("localhost:9469", &ss), 0);
	assert_int_not_equal(settings_parse_listen("::1:9469", &ss), 0);
	assert_int_not_equal(settings_parse_listen("[::1]9469", &ss), 0);
	assert_int_not_equal(settings_parse_listen("1.2.3.4:", &ss), 0);
	assert_int_not_equal(settings_parse_listen("1.2.3.4:+80", &ss), 0);
}

static void test_json_read(void **state)
{
	struct jr_value *v;

	(void)state;
	v = jr_parse("{\"reasons\":{\"pass\":{\"packets\":18446744073709551615,\"bytes\":2}},"
		     "\"sas\":[{\"spi\":\"0x1\",\"device\":null,\"e\":\"a\\\"b\"}], \"t\": true}");
	assert_non_null(v);
	assert_true(jr_get_u64(jr_get(jr_get(v, "reasons"), "pass"), "packets") == UINT64_MAX);
	assert_string_equal(jr_get_str(jr_get(v, "sas")->child, "spi"), "0x1");
	assert_string_equal(jr_get_str(jr_get(v, "sas")->child, "e"), "a\"b");
	assert_null(jr_get_str(jr_get(v, "sas")->child, "device"));
	assert_true(jr_get(v, "t")->b);
	jr_free(v);
	assert_null(jr_parse("{\"a\":1,}"));
	assert_null(jr_parse("[1 2]"));
	assert_null(jr_parse("{\"a\":1} x"));
	assert_null(jr_parse("\"open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_source_changes),
		cmocka_unit_test(test_export_esp),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_json_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

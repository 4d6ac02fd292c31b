// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The JSON writer and strbuf: commas, nesting, escaping, misuse detection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "strbuf.h"

static void test_strbuf_grows(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	(void)state;
	assert_string_equal(strbuf_str(&sb), "");
	for (i = 0; i < 1000; i++)
		assert_int_equal(strbuf_printf(&sb, "%04d,", i), 0);
	assert_int_equal(sb.len, 5000);
	assert_memory_equal(strbuf_str(&sb) + 4995, "0999,", 6);
	strbuf_reset(&sb);
	assert_string_equal(strbuf_str(&sb), "");
	strbuf_putc(&sb, 'x');
	assert_string_equal(strbuf_str(&sb), "x");
	assert_int_equal(strbuf_error(&sb), 0);
	strbuf_free(&sb);
}

static void test_nesting_and_commas(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;

	(void)state;
	json_init(&j, &sb);
	json_object_begin(&j);
	json_kv_u64(&j, "a", 1);
	json_key(&j, "b");
	json_array_begin(&j);
	json_u64(&j, 18446744073709551615ull);
	json_bool(&j, true);
	json_null(&j);
	json_object_begin(&j);
	json_object_end(&j);
	json_array_begin(&j);
	json_array_end(&j);
	json_array_end(&j);
	json_kv_string(&j, "c", NULL);
	json_kv_bool(&j, "d", false);
	json_key(&j, "e");
	json_stringf(&j, "0x%08x", 0x1234);
	json_object_end(&j);
	assert_int_equal(json_error(&j), 0);
	assert_string_equal(strbuf_str(&sb), "{\"a\":1,\"b\":[18446744073709551615,true,null,{},[]],"
			    "\"c\":null,\"d\":false,\"e\":\"0x00001234\"}");
	strbuf_free(&sb);
}

static void check_string(const char *in, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;

	json_init(&j, &sb);
	json_string(&j, in);
	assert_int_equal(json_error(&j), 0);
	assert_string_equal(strbuf_str(&sb), want);
	strbuf_free(&sb);
}

static void test_escaping(void **state)
{
	(void)state;
	check_string("plain", "\"plain\"");
	check_string("q\"b\\s/", "\"q\\\"b\\\\s/\"");
	check_string("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
	check_string("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	/* Valid UTF-8 passes through; invalid bytes become U+FFFD. */
	check_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92", "\"caf\xc3\xa9 \xe2\x82\xac "
		      "\xf0\x9f\x94\x92\"");
	check_string("a\xff" "b", "\"a\\ufffdb\"");
	check_string("\xc0\xaf", "\"\\ufffd\\ufffd\"");		/* overlong '/' */
	check_string("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	check_string("\xe2\x82", "\"\\ufffd\\ufffd\"");		/* truncated */
}

static void test_keys_escaped(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;

	(void)state;
	json_init(&j, &sb);
	json_object_begin(&j);
	json_kv_string(&j, "k\"ey", "v");
	json_object_end(&j);
	assert_string_equal(strbuf_str(&sb), "{\"k\\\"ey\":\"v\"}");
	strbuf_free(&sb);
}

static void test_misuse(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	int i;

	(void)state;
	json_init(&j, &sb);
	json_object_begin(&j);
	json_u64(&j, 1);		/* value without key */
	json_object_end(&j);
	assert_int_not_equal(json_error(&j), 0);

	strbuf_reset(&sb);
	json_init(&j, &sb);
	json_array_begin(&j);
	json_key(&j, "k");		/* key in an array */
	assert_int_not_equal(json_error(&j), 0);

	strbuf_reset(&sb);
	json_init(&j, &sb);
	json_array_begin(&j);
	json_object_end(&j);		/* wrong end */
	assert_int_not_equal(json_error(&j), 0);

	strbuf_reset(&sb);
	json_init(&j, &sb);
	json_object_begin(&j);		/* unclosed */
	assert_int_not_equal(json_error(&j), 0);

	strbuf_reset(&sb);
	json_init(&j, &sb);
	for (i = 0; i < JSON_MAX_DEPTH + 1; i++)
		json_array_begin(&j);
	assert_int_not_equal(json_error(&j), 0);
	strbuf_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf_grows),
		cmocka_unit_test(test_nesting_and_commas),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_keys_escaped),
		cmocka_unit_test(test_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

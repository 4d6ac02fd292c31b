// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The swanctl.conf parser (sections, settings, comments, quoting, errors
 * with file and line) and the 'xdpsec' settings built on it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "settings.h"

/* Writes text to a new temporary file; returns its path (free it, unlink it). */
static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/xdpsec-conf-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void remove_temp(char *path)
{
	unlink(path);
	free(path);
}

/* Runs fn with stderr going to a buffer; returns what was written (free it). */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/xdpsec-stderr-XXXXXX", *text;
	int fd = mkstemp(path), saved;
	long len;
	FILE *f;

	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	fn(arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	f = fopen(path, "r");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	unlink(path);
	return text;
}

static struct conf_section *parse_ok(const char *text)
{
	struct conf_section *root = NULL;
	char err[256] = "";

	if (conf_parse_string(text, "t.conf", &root, err, sizeof(err)))
		fail_msg("unexpected error: %s", err);
	return root;
}

static const char *value(const struct conf_section *sec, const char *key)
{
	const struct conf_setting *s = conf_get(sec, key);

	return s ? s->value : NULL;
}

static void test_nested_sections(void **state)
{
	struct conf_section *root, *c, *dev, *children, *net;

	(void)state;
	root = parse_ok("# generated\n"
			"connections {\n"
			"    dev {\n"
			"        version = 2\n"
			"        local_addrs = 10.77.0.1\n"
			"        children {\n"
			"            net {\n"
			"                local_ts = 10.77.1.0/24   # the LAN\n"
			"                esp_proposals = aes128gcm16\n"
			"            }\n"
			"        }\n"
			"    }\n"
			"}\n"
			"pools { vpool { addrs = 10.77.100.0/24\n} }\n");
	c = conf_find_section(root, "connections");
	assert_non_null(c);
	dev = conf_find_section(c, "dev");
	assert_non_null(dev);
	assert_int_equal(dev->line, 3);
	assert_string_equal(value(dev, "version"), "2");
	assert_int_equal(conf_get(dev, "local_addrs")->line, 5);
	assert_string_equal(conf_get(dev, "local_addrs")->file, "t.conf");
	children = conf_find_section(dev, "children");
	net = conf_find_section(children, "net");
	assert_string_equal(value(net, "local_ts"), "10.77.1.0/24");
	assert_string_equal(value(net, "esp_proposals"), "aes128gcm16");
	assert_null(conf_get(net, "mode"));
	assert_null(conf_find_section(root, "secrets"));
	assert_string_equal(value(conf_find_section(conf_find_section(root, "pools"), "vpool"),
				  "addrs"), "10.77.100.0/24");
	conf_free(root);
}

static void test_values(void **state)
{
	struct conf_section *root, *s;

	(void)state;
	root = parse_ok("s {\n"
			"  empty =\n"
			"  empty2 =    # only a comment\n"
			"  spaces =   a  b c   \n"
			"  load = random nonce openssl\n"
			"  quoted = \"ss-anchor # not a comment\"\n"
			"  padded = \"  x  \"  \n"
			"  escapes = \"a\\\"b\\\\c\\td\\ne\\q\"\n"
			"  mixed = pre\"fix\" post\n"
			"  multi = \"line1\n"
			"line2\"\n"
			"  after = 1\n"
			"  crlf = v\r\n"
			"  url = unix:///run/charon.vici\n"
			"  twice = first\n"
			"  twice = second\n"
			"}\n"
			"s { merged = yes\n}\n"
			"top = level\n");
	s = conf_find_section(root, "s");
	assert_string_equal(value(s, "empty"), "");
	assert_string_equal(value(s, "empty2"), "");
	assert_string_equal(value(s, "spaces"), "a b c");
	assert_string_equal(value(s, "load"), "random nonce openssl");
	assert_string_equal(value(s, "quoted"), "ss-anchor # not a comment");
	assert_string_equal(value(s, "padded"), "  x  ");
	assert_string_equal(value(s, "escapes"), "a\"b\\c\td\neq");
	assert_string_equal(value(s, "mixed"), "pre fix post");
	assert_string_equal(value(s, "multi"), "line1\nline2");
	assert_int_equal(conf_get(s, "after")->line, 12);
	assert_string_equal(value(s, "crlf"), "v");
	assert_string_equal(value(s, "url"), "unix:///run/charon.vici");
	/* Last value wins; a reopened section is merged. */
	assert_string_equal(value(s, "twice"), "second");
	assert_int_equal(conf_get(s, "twice")->line, 16);
	assert_string_equal(value(s, "merged"), "yes");
	assert_ptr_equal(root->children->next, NULL);
	assert_string_equal(value(root, "top"), "level");
	conf_free(root);
}

static void test_inline_sections(void **state)
{
	struct conf_section *root, *x;

	(void)state;
	root = parse_ok("xdpsec { workers = 2 }\n"
			"pools { vpool { addrs = 10.0.0.0/24 } other { a = \"}\" } }\n"
			"cont = \"one \\\n two\"\n");
	x = conf_find_section(root, "xdpsec");
	assert_string_equal(value(x, "workers"), "2");
	x = conf_find_section(root, "pools");
	assert_string_equal(value(conf_find_section(x, "vpool"), "addrs"), "10.0.0.0/24");
	assert_string_equal(value(conf_find_section(x, "other"), "a"), "}");
	assert_string_equal(value(root, "cont"), "one  two");
	assert_int_equal(conf_get(root, "cont")->line, 3);
	conf_free(root);
}

static void test_brace_on_next_line(void **state)
{
	struct conf_section *root;

	(void)state;
	root = parse_ok("a\n{\n  # c { } ignored\n  b = 1\n}\n");
	assert_string_equal(value(conf_find_section(root, "a"), "b"), "1");
	conf_free(root);
}

static void expect_error(const char *text, const char *msg)
{
	struct conf_section *root = (void *)0x1;
	char err[256] = "";

	assert_int_equal(conf_parse_string(text, "bad.conf", &root, err, sizeof(err)), -EINVAL);
	assert_ptr_equal(root, (void *)0x1);
	if (strcmp(err, msg))
		fail_msg("got '%s', want '%s'", err, msg);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("a {\n  b = 1\n", "bad.conf:3: expected '}' before end of file "
		     "(section 'a' opened on line 1)");
	expect_error("a {\n  x {\n  }\n", "bad.conf:4: expected '}' before end of file "
		     "(section 'a' opened on line 1)");
	expect_error("a {\n}\n}\n", "bad.conf:3: unexpected '}' (no section is open)");
	expect_error("a {\n  uplink eth0\n}\n", "bad.conf:2: expected '=' or '{' after 'uplink'");
	expect_error("a {\n  uplink\n}\n", "bad.conf:2: expected '=' or '{' after 'uplink'");
	expect_error("\n\n= 5\n", "bad.conf:3: unexpected character '='");
	expect_error("a.b = 5\n", "bad.conf:1: expected '=' or '{' after 'a'");
	expect_error("a : b {\n}\n", "bad.conf:1: expected '=' or '{' after 'a'");
	expect_error("x {\n : y\n}", "bad.conf:2: unexpected ':' (section templates are not "
		     "supported)");
	expect_error("k = \"open\n\n", "bad.conf:1: unterminated quoted string");
	expect_error("k\xc3\xa9 = 1\n", "bad.conf:1: expected '=' or '{' after 'k'");
	expect_error("\xc3\xa9 = 1\n", "bad.conf:1: unexpected byte 0xc3");
}

static void test_depth_limit(void **state)
{
	char text[4 * CONF_MAX_DEPTH + 8] = "";
	int i;

	(void)state;
	for (i = 0; i < CONF_MAX_DEPTH; i++)
		strcat(text, "a { ");
	expect_error(text, "bad.conf:1: sections nested too deeply");
}

static void parse_include(void *arg)
{
	struct conf_section **root = arg;

	*root = parse_ok("include /etc/swanctl/conf.d/*.conf\nk = v\n");
}

static void test_include_warned(void **state)
{
	struct conf_section *root;
	char *log;

	(void)state;
	log = capture_stderr(parse_include, &root);
	assert_non_null(strstr(log, "t.conf:1: 'include' is not supported, ignored"));
	assert_string_equal(value(root, "k"), "v");
	assert_null(conf_get(root, "include"));
	free(log);
	conf_free(root);
}

static void test_typed_getters(void **state)
{
	struct conf_section *root;
	unsigned long u = 7;
	char err[128] = "", buf[8];
	bool b = false;

	(void)state;
	root = parse_ok("n = 42\nneg = -1\nx = 4x\nbig = 99999999999999999999999\n"
			"y = Yes\nz = maybe\ns = toolongvalue\ne =\n");
	assert_int_equal(conf_get_uint(root, "n", 1, 64, &u, err, sizeof(err)), 0);
	assert_int_equal(u, 42);
	assert_int_equal(conf_get_uint(root, "absent", 1, 64, &u, err, sizeof(err)), -ENOENT);
	assert_int_equal(u, 42);
	assert_int_equal(conf_get_uint(root, "n", 1, 10, &u, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:1: 'n' must be an integer 1..10");
	assert_int_equal(conf_get_uint(root, "neg", 0, 10, &u, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:2: 'neg' must be an integer 0..10");
	assert_int_equal(conf_get_uint(root, "x", 0, 10, &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(conf_get_uint(root, "big", 0, 10, &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(conf_get_uint(root, "e", 0, 10, &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(conf_get_bool(root, "y", &b, err, sizeof(err)), 0);
	assert_true(b);
	assert_int_equal(conf_get_bool(root, "z", &b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:6: 'z' must be yes or no");
	assert_int_equal(conf_get_string(root, "s", buf, sizeof(buf), err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:7: 's' must be 1..7 characters");
	assert_int_equal(conf_get_string(root, "e", buf, sizeof(buf), err, sizeof(err)), -EINVAL);
	assert_int_equal(conf_get_string(root, "y", buf, sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, "Yes");
	conf_free(root);
}

static void test_parse_file(void **state)
{
	struct conf_section *root;
	char err[256], *path;

	(void)state;
	path = write_temp("xdpsec {\n  uplink = eth0\n");
	assert_int_equal(conf_parse_file(path, &root, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, ":3: expected '}' before end of file"));
	remove_temp(path);

	assert_int_equal(conf_parse_file("/nonexistent/x.conf", &root, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/x.conf: No such file or directory");
	assert_int_equal(conf_parse_file("/tmp", &root, err, sizeof(err)), -EINVAL);

	path = write_temp("a = 1\n");
	{
		FILE *f = fopen(path, "a");

		fputc('\0', f);
		fclose(f);
	}
	assert_int_equal(conf_parse_file(path, &root, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "contains a NUL byte"));
	remove_temp(path);
}

static void test_settings_defaults(void **state)
{
	struct xdpsec_settings s;
	char err[256] = "", *path;

	(void)state;
	path = write_temp("connections {\n  gw { version = 2\n  }\n}\n");
	memset(&s, 0xaa, sizeof(s));
	assert_int_equal(xdpsec_conf_load(path, &s, err, sizeof(err)), 0);
	assert_string_equal(s.uplink, "");
	assert_string_equal(s.lan, "");
	assert_string_equal(s.instance, "default");
	assert_int_equal(s.workers, 1);
	assert_int_equal(s.max_sas, 4096);
	assert_int_equal(s.max_devices, 1024);
	assert_string_equal(s.control_socket, "/run/xdpsec/default.sock");
	assert_string_equal(s.pin_path, "/sys/fs/bpf/xdpsec");
	remove_temp(path);
}

static void test_settings_full(void **state)
{
	struct xdpsec_settings s;
	char err[256] = "", *path;

	(void)state;
	path = write_temp("xdpsec {\n"
			  "  uplink = eth0\n"
			  "  lan = eth1\n"
			  "  instance = gw1\n"
			  "  workers = 2\n"
			  "  max_sas = 8192\n"
			  "  max_devices = 64\n"
			  "  pin_path = /sys/fs/bpf/other\n"
			  "  ike_keepalive = 1m\n"
			  "  ike_fragment_size = 1400\n"
			  "}\n"
			  "secrets { ike { secret = \"psk\" } }\n");
	assert_int_equal(xdpsec_conf_load(path, &s, err, sizeof(err)), 0);
	assert_string_equal(s.uplink, "eth0");
	assert_string_equal(s.lan, "eth1");
	assert_string_equal(s.instance, "gw1");
	assert_int_equal(s.workers, 2);
	assert_int_equal(s.max_sas, 8192);
	assert_int_equal(s.max_devices, 64);
	/* The socket follows the instance. */
	assert_string_equal(s.control_socket, "/run/xdpsec/gw1.sock");
	assert_string_equal(s.pin_path, "/sys/fs/bpf/other");
	assert_int_equal(s.ike_keepalive, 60);
	assert_int_equal(s.ike_fragment_size, 1400);
	remove_temp(path);

	path = write_temp("xdpsec {\n instance = gw2\n control_socket = /tmp/x.sock\n}\n");
	assert_int_equal(xdpsec_conf_load(path, &s, err, sizeof(err)), 0);
	assert_string_equal(s.control_socket, "/tmp/x.sock");
	remove_temp(path);
}

struct load_args {
	const char *path;
	struct xdpsec_settings *s;
	int ret;
};

static void load(void *arg)
{
	struct load_args *a = arg;
	char err[256];

	a->ret = xdpsec_conf_load(a->path, a->s, err, sizeof(err));
}

static void test_settings_unknown_key_warned(void **state)
{
	struct xdpsec_settings s;
	struct load_args a = { .s = &s };
	char *path, *log, want[512];

	(void)state;
	path = write_temp("xdpsec {\n  uplink = eth0\n  wrokers = 4\n  tuning { x = 1 }\n}\n");
	a.path = path;
	log = capture_stderr(load, &a);
	assert_int_equal(a.ret, 0);
	snprintf(want, sizeof(want), "%s:3: unknown key 'wrokers' in section 'xdpsec', ignored",
		 path);
	assert_non_null(strstr(log, want));
	snprintf(want, sizeof(want), "%s:4: unknown section 'tuning'", path);
	assert_non_null(strstr(log, want));
	assert_int_equal(s.workers, 1);
	free(log);
	remove_temp(path);
}

static void expect_settings_error(const char *text, const char *msg)
{
	struct xdpsec_settings s, before;
	char err[256] = "", *path, want[512];

	path = write_temp(text);
	memset(&s, 0x5a, sizeof(s));
	before = s;
	assert_int_equal(xdpsec_conf_load(path, &s, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:%s", path, msg);
	if (strcmp(err, want))
		fail_msg("got '%s', want '%s'", err, want);
	assert_memory_equal(&s, &before, sizeof(s));	/* left unchanged */
	remove_temp(path);
}

static void test_settings_bad_values(void **state)
{
	(void)state;
	expect_settings_error("xdpsec {\n  workers = 0\n}\n",
			      "2: 'workers' must be an integer 1..64");
	expect_settings_error("xdpsec {\n  uplink = eth0\n  workers = 65\n}\n",
			      "3: 'workers' must be an integer 1..64");
	expect_settings_error("xdpsec {\n  workers = two\n}\n",
			      "2: 'workers' must be an integer 1..64");
	expect_settings_error("xdpsec {\n  max_sas = 0\n}\n",
			      "2: 'max_sas' must be an integer 1..1048576");
	expect_settings_error("xdpsec {\n  uplink = averyveryverylongname\n}\n",
			      "2: 'uplink' must be 1..15 characters");
	expect_settings_error("xdpsec {\n  lan =\n}\n", "2: 'lan' must be 1..15 characters");
	expect_settings_error("xdpsec {\n  lan = a/b\n}\n", "2: 'lan' must be an interface name");
	expect_settings_error("xdpsec {\n  instance = ../etc\n}\n",
			      "2: 'instance' must be 1..32 characters of A-Z a-z 0-9 _ . - "
			      "(not starting with '.')");
	expect_settings_error("xdpsec {\n  pin_path = relative/path\n}\n",
			      "2: 'pin_path' must be an absolute path");
	expect_settings_error("xdpsec {\n  control_socket = x.sock\n}\n",
			      "2: 'control_socket' must be an absolute path");
	expect_settings_error("xdpsec {\n  umem_frames = 100\n}\n",
			      "2: 'umem_frames' must be at least 256");
	expect_settings_error("xdpsec {\n  control_group = no-such-group-here\n}\n",
			      "2: 'control_group' must name an existing group");
	expect_settings_error("xdpsec {\n  ike_keepalive = often\n}\n",
			      "2: 'ike_keepalive' must be a time up to 3600s: 20, 20s or 1m");
	expect_settings_error("xdpsec {\n  ike_keepalive = 2h\n}\n",
			      "2: 'ike_keepalive' must be a time up to 3600s: 20, 20s or 1m");
	expect_settings_error("xdpsec {\n  ike_fragment_size = 300\n}\n",
			      "2: 'ike_fragment_size' must be 0 or at least 400");
	expect_settings_error("xdpsec {\n  workers = 2\n", "3: expected '}' before end of file "
			      "(section 'xdpsec' opened on line 1)");
}

static void test_instance_names(void **state)
{
	char buf[SETTINGS_SOCKET_MAX];

	(void)state;
	assert_true(settings_instance_valid("gw1"));
	assert_true(settings_instance_valid("site-a.gw_2"));
	assert_false(settings_instance_valid(""));
	assert_false(settings_instance_valid(".hidden"));
	assert_false(settings_instance_valid("a/b"));
	assert_false(settings_instance_valid("a b"));
	assert_false(settings_instance_valid("123456789012345678901234567890123"));
	assert_int_equal(settings_socket_path("gw1", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/run/xdpsec/gw1.sock");
	assert_int_equal(settings_socket_path("gw1", buf, 10), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested_sections),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_inline_sections),
		cmocka_unit_test(test_brace_on_next_line),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_include_warned),
		cmocka_unit_test(test_typed_getters),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_settings_defaults),
		cmocka_unit_test(test_settings_full),
		cmocka_unit_test(test_settings_unknown_key_warned),
		cmocka_unit_test(test_settings_bad_values),
		cmocka_unit_test(test_instance_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The control socket, both ends in one process: the server is served from
 * the test's main thread while a client runs in a thread (or, to test who
 * may connect, in a child process that drops root first).
 *
 *   client thread/child --- unix socket in a temp dir ---> ctl_serve_one()
 *                                                            -> handler
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "commands.h"
#include "control.h"
#include "dataplane.h"
#include "strbuf.h"

enum { NOBODY = 65534, TEST_GROUP = 4242 };

struct env {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	snprintf(e->dir, sizeof(e->dir), "/tmp/xdpsec-ctl-XXXXXX");
	if (!mkdtemp(e->dir))
		return -1;
	snprintf(e->path, sizeof(e->path), "%s/run/ctl.sock", e->dir);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char run[128];

	unlink(e->path);
	snprintf(run, sizeof(run), "%s/run", e->dir);
	rmdir(run);
	rmdir(e->dir);
	free(e);
	return 0;
}

/* Echoes "argc:arg|arg|...\n" with status 3. */
static int echo_handler(void *arg, int argc, char **argv, struct strbuf *out)
{
	int i;

	(void)arg;
	strbuf_printf(out, "%d:", argc);
	for (i = 0; i < argc; i++)
		strbuf_printf(out, "%s%s", i ? "|" : "", argv[i]);
	strbuf_putc(out, '\n');
	return 3;
}

static int commands_handler(void *arg, int argc, char **argv, struct strbuf *out)
{
	return commands_run(arg, argc, argv, out);
}

/* Polls the listener and serves exactly one client. */
static int serve(int lfd, gid_t group, ctl_handler_fn fn, void *arg)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };

	assert_int_equal(poll(&pfd, 1, 5000), 1);
	return ctl_serve_one(lfd, group, fn, arg);
}

struct client {
	const char *path;
	int argc;
	char **argv;
	struct strbuf out;
	int status, ret;
};

static void *client_thread(void *arg)
{
	struct client *c = arg;

	c->ret = ctl_request(c->path, c->argc, c->argv, &c->out, &c->status);
	return NULL;
}

/* One exchange: client in a thread, server here. Returns ctl_serve_one's result. */
static int exchange(const char *path, int lfd, ctl_handler_fn fn, void *arg, struct client *c)
{
	pthread_t t;
	int ret;

	c->path = path;
	strbuf_init(&c->out);
	c->status = -1;
	assert_int_equal(pthread_create(&t, NULL, client_thread, c), 0);
	ret = serve(lfd, (gid_t)-1, fn, arg);
	pthread_join(t, NULL);
	return ret;
}

static void test_listen_creates_dir_and_modes(void **state)
{
	struct env *e = *state;
	struct stat st;
	char run[128];
	int fd;

	(void)state;
	fd = ctl_listen(e->path, (gid_t)-1);
	assert_true(fd >= 0);
	snprintf(run, sizeof(run), "%s/run", e->dir);
	assert_int_equal(stat(run, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(stat(e->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* Nobody waiting: -EAGAIN, without blocking. */
	assert_int_equal(ctl_serve_one(fd, (gid_t)-1, echo_handler, NULL), -EAGAIN);
	close(fd);

	if (geteuid() != 0)
		return;
	/* The socket file was left behind: a stale one is replaced. */
	fd = ctl_listen(e->path, TEST_GROUP);
	assert_true(fd >= 0);
	assert_int_equal(stat(e->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(st.st_gid, TEST_GROUP);
	close(fd);
}

static void test_listen_refuses(void **state)
{
	struct env *e = *state;
	int fd, fd2;

	fd = ctl_listen(e->path, (gid_t)-1);
	assert_true(fd >= 0);
	/* A live daemon's socket is not stolen. */
	fd2 = ctl_listen(e->path, (gid_t)-1);
	assert_int_equal(fd2, -EADDRINUSE);
	close(fd);
	/* Nor is a file that is not a socket removed. */
	unlink(e->path);
	close(open(e->path, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(ctl_listen(e->path, (gid_t)-1), -EEXIST);
	unlink(e->path);
	/* Too long for sun_path. */
	assert_int_equal(ctl_listen("/tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock",
				    (gid_t)-1), -ENAMETOOLONG);
}

static void test_request_reply(void **state)
{
	struct env *e = *state;
	char *argv[] = { "sa", "list", "-j", "" };
	struct client c = { .argc = 4, .argv = argv };
	int fd = ctl_listen(e->path, (gid_t)-1);

	assert_true(fd >= 0);
	assert_int_equal(exchange(e->path, fd, echo_handler, NULL, &c), 0);
	assert_int_equal(c.ret, 0);
	assert_int_equal(c.status, 3);
	assert_string_equal(strbuf_str(&c.out), "4:sa|list|-j|\n");
	strbuf_free(&c.out);

	/* An empty argv is a valid request too. */
	c = (struct client){ .argc = 0, .argv = argv };
	assert_int_equal(exchange(e->path, fd, echo_handler, NULL, &c), 0);
	assert_int_equal(c.status, 3);
	assert_string_equal(strbuf_str(&c.out), "0:\n");
	strbuf_free(&c.out);
	close(fd);
}

static void test_large_reply(void **state)
{
	struct env *e = *state;
	struct dataplane *dp = dp_fake_new(64);
	char *add[] = { "sa", "add", "--spi", "0x1000", "--dir", "in", "--src", "192.0.2.2",
			"--dst", "192.0.2.1", "--local-ts", "10.0.0.0/24", "--remote-ts",
			"10.1.0.0/24", "--aead", "aes-gcm-128", "--key",
			"0102030405060708090a0b0c0d0e0f1011121314", NULL };
	char spi[16], key[48], *list[] = { "stats", "-j" };
	struct client c;
	int fd = ctl_listen(e->path, (gid_t)-1), i;

	assert_true(fd >= 0);
	assert_non_null(dp);
	/* Install through the socket, then read a reply bigger than a socket buffer. */
	for (i = 0; i < 64; i++) {
		snprintf(spi, sizeof(spi), "0x%x", 0x1000 + i);
		snprintf(key, sizeof(key), "0102030405060708090a0b0c0d0e0f1011121314");
		add[3] = spi;
		add[17] = key;
		c = (struct client){ .argc = 18, .argv = add };
		assert_int_equal(exchange(e->path, fd, commands_handler, dp, &c), 0);
		if (c.status)
			fail_msg("%s", strbuf_str(&c.out));
		strbuf_free(&c.out);
	}
	c = (struct client){ .argc = 2, .argv = list };
	assert_int_equal(exchange(e->path, fd, commands_handler, dp, &c), 0);
	assert_int_equal(c.status, 0);
	assert_true(c.out.len > 10000);
	assert_non_null(strstr(strbuf_str(&c.out), "\"spi\":\"0x0000103f\""));
	strbuf_free(&c.out);
	dp->ops->destroy(dp);
	close(fd);
}

static void test_no_daemon(void **state)
{
	struct env *e = *state;
	struct strbuf out = STRBUF_INIT;
	char *argv[] = { "status" };
	int status = -1, fd;

	assert_int_equal(ctl_request(e->path, 1, argv, &out, &status), -ENOENT);
	/* A socket file nobody listens on. */
	fd = ctl_listen(e->path, (gid_t)-1);
	close(fd);
	assert_int_equal(ctl_request(e->path, 1, argv, &out, &status), -ECONNREFUSED);
	assert_int_equal(status, -1);
	strbuf_free(&out);
}

/* Sends raw bytes as a client and returns the reply (free it). */
struct raw {
	const char *path;
	const void *data;
	size_t len;
	bool hold;		/* send nothing, keep the connection open */
	char reply[256];
	ssize_t reply_len;
};

static void *raw_thread(void *arg)
{
	struct raw *r = arg;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ssize_t n;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", r->path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
		return NULL;
	if (!r->hold) {
		n = write(fd, r->data, r->len);
		(void)n;
		shutdown(fd, SHUT_WR);
	}
	r->reply_len = 0;
	while ((n = read(fd, r->reply + r->reply_len, sizeof(r->reply) - 1 - r->reply_len)) > 0)
		r->reply_len += n;
	r->reply[r->reply_len] = '\0';
	close(fd);
	return NULL;
}

static int raw_exchange(const char *path, int lfd, struct raw *r)
{
	pthread_t t;
	int ret;

	r->path = path;
	assert_int_equal(pthread_create(&t, NULL, raw_thread, r), 0);
	ret = serve(lfd, (gid_t)-1, echo_handler, NULL);
	pthread_join(t, NULL);
	return ret;
}

static void test_malformed_requests(void **state)
{
	static const char missing[] = "\0\0\0\3a\0b\0";		/* argc 3, 2 strings */
	static const char trailing[] = "\0\0\0\1a\0junk";
	static const char too_many[] = "\0\1\0\0";
	static const char short_hdr[] = "\0\0";
	static const char ok[] = "\0\0\0\2a\0bc\0";
	struct env *e = *state;
	struct raw r;
	int fd = ctl_listen(e->path, (gid_t)-1);

	assert_true(fd >= 0);
	r = (struct raw){ .data = missing, .len = sizeof(missing) - 1 };
	assert_int_equal(raw_exchange(e->path, fd, &r), -EPROTO);
	assert_int_equal(r.reply_len, 4 + 25);
	assert_memory_equal(r.reply, "\0\0\0\1error: malformed request\n", 29);

	r = (struct raw){ .data = trailing, .len = sizeof(trailing) - 1 };
	assert_int_equal(raw_exchange(e->path, fd, &r), -EPROTO);
	r = (struct raw){ .data = too_many, .len = sizeof(too_many) - 1 };
	assert_int_equal(raw_exchange(e->path, fd, &r), -E2BIG);
	r = (struct raw){ .data = short_hdr, .len = sizeof(short_hdr) - 1 };
	assert_int_equal(raw_exchange(e->path, fd, &r), -EPROTO);

	r = (struct raw){ .data = ok, .len = sizeof(ok) - 1 };
	assert_int_equal(raw_exchange(e->path, fd, &r), 0);
	assert_memory_equal(r.reply, "\0\0\0\3" "2:a|bc\n", 11);
	close(fd);
}

static void test_oversized_request(void **state)
{
	struct env *e = *state;
	struct strbuf out = STRBUF_INIT;
	char *big = malloc(CTL_MAX_REQUEST), *argv[] = { big };
	int status;

	memset(big, 'x', CTL_MAX_REQUEST - 1);
	big[CTL_MAX_REQUEST - 1] = '\0';
	/* Refused by the client before anything is sent. */
	assert_int_equal(ctl_request(e->path, 1, argv, &out, &status), -E2BIG);
	free(big);
	strbuf_free(&out);
}

static void test_silent_client_times_out(void **state)
{
	struct env *e = *state;
	struct raw r = { .hold = true };
	int fd = ctl_listen(e->path, (gid_t)-1);

	assert_true(fd >= 0);
	assert_int_equal(raw_exchange(e->path, fd, &r), -ETIMEDOUT);
	close(fd);
}

/* In a child: become nobody (with extra groups), ask for status, report the reply. */
static int child_request(const char *path, gid_t gid, const gid_t *groups, int ngroups,
			 const char *want, int want_status)
{
	struct strbuf out = STRBUF_INIT;
	char *argv[] = { "status" };
	int status = -1, ret;

	if (setgroups((size_t)ngroups, groups) || setgid(gid) || setuid(NOBODY))
		return 10;
	ret = ctl_request(path, 1, argv, &out, &status);
	if (ret) {
		fprintf(stderr, "child: %s\n", strerror(-ret));
		return 11;
	}
	if (status != want_status || strcmp(strbuf_str(&out), want))
		return 12;
	strbuf_free(&out);
	return 0;
}

static int run_as_nobody(struct env *e, int lfd, gid_t group, gid_t gid, const gid_t *groups,
			 int ngroups, const char *want, int want_status, int *served)
{
	int wstatus;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_request(e->path, gid, groups, ngroups, want, want_status));
	*served = serve(lfd, group, echo_handler, NULL);
	assert_int_equal(waitpid(pid, &wstatus, 0), pid);
	return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 99;
}

static void test_permissions(void **state)
{
	struct env *e = *state;
	gid_t supp[] = { 100, TEST_GROUP };
	char run[128];
	int fd, served;

	if (geteuid() != 0) {
		skip();
		return;
	}
	fd = ctl_listen(e->path, TEST_GROUP);
	assert_true(fd >= 0);
	/* Let anyone reach the socket so that SO_PEERCRED decides. */
	snprintf(run, sizeof(run), "%s/run", e->dir);
	chmod(e->dir, 0755);
	chmod(e->path, 0666);

	assert_int_equal(run_as_nobody(e, fd, TEST_GROUP, NOBODY, NULL, 0,
				       "error: permission denied\n", 1, &served), 0);
	assert_int_equal(served, -EACCES);
	/* The primary group, or a supplementary one, is enough. */
	assert_int_equal(run_as_nobody(e, fd, TEST_GROUP, TEST_GROUP, NULL, 0, "1:status\n", 3,
				       &served), 0);
	assert_int_equal(served, 0);
	assert_int_equal(run_as_nobody(e, fd, TEST_GROUP, NOBODY, supp, 2, "1:status\n", 3,
				       &served), 0);
	assert_int_equal(served, 0);
	/* Without a control group only root (and our own uid) may talk. */
	assert_int_equal(run_as_nobody(e, fd, (gid_t)-1, TEST_GROUP, NULL, 0,
				       "error: permission denied\n", 1, &served), 0);
	assert_int_equal(served, -EACCES);
	close(fd);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_listen_creates_dir_and_modes),
		T(test_listen_refuses),
		T(test_request_reply),
		T(test_large_reply),
		T(test_no_daemon),
		T(test_malformed_requests),
		T(test_oversized_request),
		T(test_silent_client_times_out),
		T(test_permissions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

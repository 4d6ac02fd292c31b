// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Control socket, both ends.  One connection carries one exchange:
 *
 *   request:  u32 argc (network order), then argc NUL-terminated strings;
 *             CTL_MAX_REQUEST bytes at most, header included.  The client
 *             then shuts down its sending side.
 *   reply:    u32 status (network order, the CLI's exit status), then the
 *             output text until the server closes the connection.
 *
 * Who may talk is decided from SO_PEERCRED before the request is read:
 * root, the daemon's own uid, or a member of the control group.  Requests
 * can carry keys (sa add --key), so request buffers are allocated once at
 * their final size and wiped before they are freed.
 */
#include "control.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "log.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

enum { CTL_HDR_LEN = 4, CTL_MAX_PEER_GROUPS = 256 };

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t left;
	int n;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static ssize_t read_some(int fd, void *buf, size_t len, int64_t deadline)
{
	ssize_t n;
	int ret;

	for (;;) {
		ret = wait_fd(fd, POLLIN, deadline);
		if (ret)
			return ret;
		n = recv(fd, buf, len, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
}

static int write_all(int fd, const void *buf, size_t len, int64_t deadline)
{
	const char *p = buf;
	ssize_t n;
	int ret;

	while (len) {
		ret = wait_fd(fd, POLLOUT, deadline);
		if (ret)
			return ret;
		n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return -errno;
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		}
	}
	return 0;
}

static int ctl_sockaddr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	strcpy(sun->sun_path, path);
	return 0;
}

/* ---- server ---- */

static int make_parent_dir(const char *path)
{
	char *dir = strdup(path), *slash;
	int ret = 0;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			ret = -errno;
			xs_err("cannot create %s: %s", dir, strerror(-ret));
		}
	}
	free(dir);
	return ret;
}

/* Unlinks a socket nobody listens on; refuses to touch anything else. */
static int remove_stale(const char *path, const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, ret;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		xs_err("%s exists and is not a socket", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (!ret) {
		xs_err("another daemon is listening on %s", path);
		return -EADDRINUSE;
	}
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}

/* Owner and mode before listen(): nobody can connect in between. */
static int set_access(const char *path, gid_t group)
{
	int err;

	if (group != (gid_t)-1 && chown(path, (uid_t)-1, group)) {
		err = errno;
		xs_err("cannot give %s to group %u: %s", path, group, strerror(err));
		return -err;
	}
	if (chmod(path, group != (gid_t)-1 ? 0660 : 0600)) {
		err = errno;
		xs_err("cannot chmod %s: %s", path, strerror(err));
		return -err;
	}
	return 0;
}

int ctl_listen(const char *path, gid_t group)
{
	struct sockaddr_un sun;
	int fd, ret;

	ret = ctl_sockaddr(path, &sun);
	if (ret) {
		xs_err("socket path too long: %s", path);
		return ret;
	}
	ret = make_parent_dir(path);
	if (!ret)
		ret = remove_stale(path, &sun);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		ret = -errno;
		xs_err("cannot bind %s: %s", path, strerror(-ret));
		goto close_fd;
	}
	ret = set_access(path, group);
	if (ret)
		goto unlink_path;
	if (listen(fd, CTL_BACKLOG)) {
		ret = -errno;
		goto unlink_path;
	}
	return fd;

unlink_path:
	unlink(path);
close_fd:
	close(fd);
	return ret;
}

static bool peer_in_group(int fd, gid_t group)
{
	gid_t groups[CTL_MAX_PEER_GROUPS];
	socklen_t len = sizeof(groups);
	size_t i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
		return false;
	for (i = 0; i < len / sizeof(groups[0]); i++)
		if (groups[i] == group)
			return true;
	return false;
}

static bool peer_allowed(int fd, gid_t group)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len)) {
		xs_warn("control: no peer credentials: %s", strerror(errno));
		return false;
	}
	if (cr.uid == 0 || cr.uid == geteuid())
		return true;
	if (group != (gid_t)-1 && (cr.gid == group || peer_in_group(fd, group)))
		return true;
	xs_warn("control: denied uid %u gid %u pid %d", cr.uid, cr.gid, cr.pid);
	return false;
}

static int send_reply(int fd, int status, const char *text, size_t len, int64_t deadline)
{
	uint32_t hdr = htonl((uint32_t)status);
	int ret;

	ret = write_all(fd, &hdr, sizeof(hdr), deadline);
	if (!ret)
		ret = write_all(fd, text, len, deadline);
	return ret;
}

/*
 * Counts the NULs in buf[*scanned..len): 1 once argc strings are complete
 * and nothing follows them, 0 if more is to come, -EPROTO for trailing bytes.
 */
static int request_complete(const char *buf, size_t len, uint32_t argc, size_t *scanned,
			    uint32_t *nuls)
{
	for (; *scanned < len; (*scanned)++) {
		if (buf[*scanned] != '\0')
			continue;
		if (++*nuls == argc)
			return *scanned + 1 == len ? 1 : -EPROTO;
	}
	return 0;
}

/* Reads one request into buf (CTL_MAX_REQUEST bytes); sets *argc. */
static int read_request(int fd, char *buf, uint32_t *argc, int64_t deadline)
{
	size_t have = 0, scanned = CTL_HDR_LEN;
	uint32_t nuls = 0;
	ssize_t n;
	int done = 0;

	while (!done) {
		if (have == CTL_MAX_REQUEST)
			return -E2BIG;
		n = read_some(fd, buf + have, CTL_MAX_REQUEST - have, deadline);
		if (n <= 0)
			return n ? (int)n : -EPROTO;	/* EOF before the end */
		have += (size_t)n;
		if (have < CTL_HDR_LEN)
			continue;
		memcpy(argc, buf, sizeof(*argc));
		*argc = ntohl(*argc);
		if (*argc > CTL_MAX_ARGS)
			return -E2BIG;
		if (*argc == 0)
			return have == CTL_HDR_LEN ? 0 : -EPROTO;
		done = request_complete(buf, have, *argc, &scanned, &nuls);
		if (done < 0)
			return done;
	}
	return 0;
}

/* Points argv[i] at the strings of a complete request. */
static void split_request(char *buf, uint32_t argc, char **argv)
{
	char *p = buf + CTL_HDR_LEN;
	uint32_t i;

	for (i = 0; i < argc; i++) {
		argv[i] = p;
		p += strlen(p) + 1;
	}
	argv[argc] = NULL;
}

static int handle_request(int fd, ctl_handler_fn handler, void *arg, int64_t deadline)
{
	static const char malformed[] = "error: malformed request\n";
	struct strbuf out = STRBUF_INIT;
	char *buf, **argv = NULL;
	uint32_t argc = 0;
	int ret, status;

	buf = malloc(CTL_MAX_REQUEST);
	if (!buf)
		return -ENOMEM;
	ret = read_request(fd, buf, &argc, deadline);
	if (ret) {
		xs_warn("control: bad request: %s", strerror(-ret));
		send_reply(fd, 1, malformed, sizeof(malformed) - 1, deadline);
		goto wipe_request;
	}
	argv = calloc(argc + 1, sizeof(*argv));
	if (!argv) {
		ret = -ENOMEM;
		goto wipe_request;
	}
	split_request(buf, argc, argv);
	status = handler(arg, (int)argc, argv, &out);
	/* The reply gets its own time, however long the handler took. */
	deadline = now_ms() + CTL_SERVER_TIMEOUT_MS;
	ret = send_reply(fd, status, strbuf_str(&out), out.len, deadline);
	if (ret)
		xs_warn("control: cannot send the reply: %s", strerror(-ret));
	free(argv);
wipe_request:
	OPENSSL_clear_free(buf, CTL_MAX_REQUEST);
	strbuf_free(&out);
	return ret;
}

/*
 * Closing a unix socket with unread data resets the connection, and the
 * client would lose our reply: after an early reply (refused, malformed),
 * read what the client still sends, until its EOF or the deadline.
 */
static void drain_and_close(int fd, int64_t deadline)
{
	char buf[4096];
	size_t total = 0;
	ssize_t n;

	shutdown(fd, SHUT_WR);
	while (total < CTL_MAX_REQUEST) {
		n = read_some(fd, buf, sizeof(buf), deadline);
		if (n <= 0)
			break;
		total += (size_t)n;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
}

int ctl_serve_one(int listen_fd, gid_t group, ctl_handler_fn handler, void *arg)
{
	static const char denied[] = "error: permission denied\n";
	int64_t deadline = now_ms() + CTL_SERVER_TIMEOUT_MS;
	int fd, ret;

	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (peer_allowed(fd, group)) {
		ret = handle_request(fd, handler, arg, deadline);
	} else {
		send_reply(fd, 1, denied, sizeof(denied) - 1, deadline);
		ret = -EACCES;
	}
	if (ret)
		drain_and_close(fd, deadline);
	else
		close(fd);
	return ret;
}

/* ---- client ---- */

/* The whole request in one allocation of its final size (it may hold keys). */
static int build_request(int argc, char **argv, char **buf, size_t *len)
{
	uint32_t hdr = htonl((uint32_t)argc);
	size_t total = CTL_HDR_LEN, off = CTL_HDR_LEN, n;
	int i;

	if (argc < 0 || argc > CTL_MAX_ARGS)
		return -E2BIG;
	for (i = 0; i < argc; i++) {
		total += strlen(argv[i]) + 1;
		if (total > CTL_MAX_REQUEST)
			return -E2BIG;
	}
	*buf = malloc(total);
	if (!*buf)
		return -ENOMEM;
	memcpy(*buf, &hdr, sizeof(hdr));
	for (i = 0; i < argc; i++) {
		n = strlen(argv[i]) + 1;
		memcpy(*buf + off, argv[i], n);
		off += n;
	}
	*len = total;
	return 0;
}

static int ctl_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd, ret;

	ret = ctl_sockaddr(path, &sun);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static int read_reply(int fd, struct strbuf *out, int *status, int64_t deadline)
{
	char buf[4096];
	uint32_t hdr;
	size_t have = 0;
	ssize_t n;

	while (have < sizeof(hdr)) {
		n = read_some(fd, (char *)&hdr + have, sizeof(hdr) - have, deadline);
		if (n <= 0)
			return n ? (int)n : -EPROTO;
		have += (size_t)n;
	}
	*status = (int)ntohl(hdr);
	for (;;) {
		n = read_some(fd, buf, sizeof(buf), deadline);
		if (n <= 0)
			return (int)n;
		if (out->len + (size_t)n > CTL_MAX_REPLY)
			return -E2BIG;
		if (strbuf_append(out, buf, (size_t)n))
			return -ENOMEM;
	}
}

int ctl_request(const char *path, int argc, char **argv, struct strbuf *out, int *status)
{
	int64_t deadline = now_ms() + CTL_CLIENT_TIMEOUT_MS;
	size_t len = 0;
	char *buf;
	int fd, ret, wret;

	ret = build_request(argc, argv, &buf, &len);
	if (ret)
		return ret;
	fd = ctl_connect(path);
	if (fd < 0) {
		ret = fd;
		goto wipe_request;
	}
	/* A server that refuses us may close before reading: still read its reply. */
	wret = write_all(fd, buf, len, deadline);
	shutdown(fd, SHUT_WR);
	ret = read_reply(fd, out, status, deadline);
	if (ret && wret)
		ret = wret;
	close(fd);
wipe_request:
	OPENSSL_clear_free(buf, len);
	return ret;
}

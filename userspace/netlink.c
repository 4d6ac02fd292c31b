// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rtnetlink transport: build a request in a fixed buffer, send it on a
 * fresh NETLINK_ROUTE socket, hand each reply to a callback and stop at the
 * ack or at NLMSG_DONE.  Only messages from the kernel (port 0) carrying our
 * sequence number are looked at.  See netlink.h for the contract.
 */
#include "netlink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

enum { NL_RECV_TIMEOUT_S = 5 };	/* the kernel answers at once; never hang */

static uint32_t nl_seq;

static void *nl_tail(struct nl_msg *m)
{
	return m->buf + NLMSG_ALIGN(m->nh.nlmsg_len);
}

static bool nl_reserve(struct nl_msg *m, size_t len)
{
	if (m->overflow || NLMSG_ALIGN(m->nh.nlmsg_len) + len > sizeof(m->buf))
		m->overflow = true;
	return !m->overflow;
}

void nl_msg_init(struct nl_msg *m, uint16_t type, uint16_t flags,
		 const void *hdr, size_t hdrlen)
{
	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_len = NLMSG_HDRLEN;
	m->nh.nlmsg_type = type;
	m->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	m->nh.nlmsg_seq = __atomic_add_fetch(&nl_seq, 1, __ATOMIC_RELAXED);
	nl_put_raw(m, hdr, hdrlen);
}

void nl_put_raw(struct nl_msg *m, const void *data, size_t len)
{
	size_t space = NLMSG_ALIGN(len);

	if (!nl_reserve(m, space))
		return;
	/* The buffer was zeroed by nl_msg_init(): padding stays zero. */
	if (len)
		memcpy(nl_tail(m), data, len);
	m->nh.nlmsg_len = NLMSG_ALIGN(m->nh.nlmsg_len) + space;
}

void nl_attr_put(struct nl_msg *m, uint16_t type, const void *data, size_t len)
{
	struct rtattr *rta;

	if (!nl_reserve(m, RTA_SPACE(len)))
		return;
	rta = nl_tail(m);
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	m->nh.nlmsg_len = NLMSG_ALIGN(m->nh.nlmsg_len) + RTA_SPACE(len);
}

void nl_attr_put_u32(struct nl_msg *m, uint16_t type, uint32_t value)
{
	nl_attr_put(m, type, &value, sizeof(value));
}

void nl_attr_put_str(struct nl_msg *m, uint16_t type, const char *str)
{
	nl_attr_put(m, type, str, strlen(str) + 1);
}

struct rtattr *nl_nest_begin(struct nl_msg *m, uint16_t type)
{
	struct rtattr *nest = nl_tail(m);

	nl_attr_put(m, type, NULL, 0);
	return m->overflow ? NULL : nest;
}

void nl_nest_end(struct nl_msg *m, struct rtattr *nest)
{
	if (!m->overflow && nest)
		nest->rta_len = (uint8_t *)nl_tail(m) - (uint8_t *)nest;
}

void nl_parse_attrs(const struct rtattr *tb[], int max, const struct rtattr *rta, int len)
{
	memset(tb, 0, sizeof(*tb) * (max + 1));
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		int type = rta->rta_type & NLA_TYPE_MASK;

		if (type <= max)
			tb[type] = rta;
	}
}

bool nl_attr_get(const struct rtattr *rta, void *dst, size_t len)
{
	if (!rta || RTA_PAYLOAD(rta) != len)
		return false;
	memcpy(dst, RTA_DATA(rta), len);
	return true;
}

const struct rtattr *nl_msg_attrs(const struct nlmsghdr *nh, size_t hdrlen, int *len)
{
	*len = (int)nh->nlmsg_len - (int)NLMSG_SPACE(hdrlen);
	return (const struct rtattr *)((const uint8_t *)NLMSG_DATA(nh) + NLMSG_ALIGN(hdrlen));
}

static int nl_open(int proto)
{
	struct timeval tv = { .tv_sec = NL_RECV_TIMEOUT_S };
	int one = 1;
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -errno;
	/* Acks need not echo the whole request back; best effort. */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int nl_send(int fd, const struct nl_msg *m)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;

	n = sendto(fd, m->buf, m->nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
	if (n < 0)
		return -errno;
	return (size_t)n == m->nh.nlmsg_len ? 0 : -EIO;
}

/* 1: the request is complete, 0: read on, < 0: failed. */
static int nl_handle(const struct nlmsghdr *nh, uint32_t seq, nl_reply_fn fn, void *arg)
{
	int err;

	if (nh->nlmsg_seq != seq || nh->nlmsg_type == NLMSG_NOOP)
		return 0;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
			return -EBADMSG;
		err = ((const struct nlmsgerr *)NLMSG_DATA(nh))->error;
		return err < 0 ? err : 1;
	}
	if (nh->nlmsg_type == NLMSG_DONE) {
		/* A dump that failed half-way says so in the DONE payload. */
		if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
			memcpy(&err, NLMSG_DATA(nh), sizeof(err));
			if (err < 0)
				return err;
		}
		return 1;
	}
	if (!fn)
		return 0;
	err = fn(nh, arg);
	return err < 0 ? err : 0;
}

static int nl_walk(const uint8_t *buf, size_t len, uint32_t seq, nl_reply_fn fn, void *arg)
{
	const struct nlmsghdr *nh;
	size_t off;
	int ret;

	for (off = 0; off + sizeof(*nh) <= len; off += NLMSG_ALIGN(nh->nlmsg_len)) {
		nh = (const struct nlmsghdr *)(buf + off);
		if (nh->nlmsg_len < sizeof(*nh) || nh->nlmsg_len > len - off)
			return -EBADMSG;
		ret = nl_handle(nh, seq, fn, arg);
		if (ret)
			return ret;
	}
	return 0;
}

static int nl_recv_all(int fd, uint32_t seq, nl_reply_fn fn, void *arg)
{
	struct sockaddr_nl from;
	socklen_t fromlen;
	uint8_t *buf;
	ssize_t n;
	int ret = 0;

	buf = malloc(NL_RECV_MAX);
	if (!buf)
		return -ENOMEM;
	while (!ret) {
		fromlen = sizeof(from);
		n = recvfrom(fd, buf, NL_RECV_MAX, MSG_TRUNC, (struct sockaddr *)&from, &fromlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = errno == EAGAIN ? -ETIMEDOUT : -errno;
		else if (n > NL_RECV_MAX)
			ret = -EMSGSIZE;
		else if (from.nl_pid == 0)
			ret = nl_walk(buf, (size_t)n, seq, fn, arg);
	}
	free(buf);
	return ret < 0 ? ret : 0;
}

int nl_request(struct nl_msg *m, nl_reply_fn fn, void *arg)
{
	return nl_request_proto(NETLINK_ROUTE, m, fn, arg);
}

int nl_request_proto(int proto, struct nl_msg *m, nl_reply_fn fn, void *arg)
{
	int fd, ret;

	if (m->overflow)
		return -EMSGSIZE;
	fd = nl_open(proto);
	if (fd < 0)
		return fd;
	ret = nl_send(fd, m);
	if (!ret)
		ret = nl_recv_all(fd, m->nh.nlmsg_seq, fn, arg);
	close(fd);
	return ret;
}

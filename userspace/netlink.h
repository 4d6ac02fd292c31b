/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Minimal rtnetlink (NETLINK_ROUTE) plumbing for netdev.c (and NETLINK_XFRM
 * for dp_xfrm.c): a fixed-size
 * request builder with attribute and nest helpers, and one call that sends
 * a request on a fresh socket and walks every reply until the kernel's ack
 * (NLMSG_ERROR) or the end of a dump (NLMSG_DONE).
 *
 * A socket per request keeps callers free of shared state and of stale
 * replies from an earlier, failed request; the control plane issues few
 * enough of them that the cost does not matter.  Attribute writes past the
 * end of the buffer do not fail one by one: the message remembers the
 * overflow and nl_request() refuses to send it (-EMSGSIZE).
 */
#ifndef XDPSEC_NETLINK_H
#define XDPSEC_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

enum {
	NL_MSG_MAX = 1024,	/* largest request we build (veth create) */
	NL_RECV_MAX = 32768,	/* the kernel never sends a larger dump skb */
};

struct nl_msg {
	union {
		struct nlmsghdr nh;
		uint8_t buf[NL_MSG_MAX];
	};
	bool overflow;
};

/* Called once per reply message; a negative return stops the walk and is
 * returned by nl_request().  ACKs and NLMSG_DONE never reach it. */
typedef int (*nl_reply_fn)(const struct nlmsghdr *nh, void *arg);

/* Start a request of @type: NLM_F_REQUEST | NLM_F_ACK | @flags, followed by
 * the family header @hdr of @hdrlen bytes (ifinfomsg, rtmsg, ...). */
void nl_msg_init(struct nl_msg *m, uint16_t type, uint16_t flags,
		 const void *hdr, size_t hdrlen);
/* Append @len raw bytes, padded to NLMSG_ALIGNTO (a header inside a nest). */
void nl_put_raw(struct nl_msg *m, const void *data, size_t len);
void nl_attr_put(struct nl_msg *m, uint16_t type, const void *data, size_t len);
void nl_attr_put_u32(struct nl_msg *m, uint16_t type, uint32_t value);
void nl_attr_put_str(struct nl_msg *m, uint16_t type, const char *str);
struct rtattr *nl_nest_begin(struct nl_msg *m, uint16_t type);
void nl_nest_end(struct nl_msg *m, struct rtattr *nest);

/* Send @m and read replies until the ack or the end of the dump.  Returns
 * 0, the first negative value from @fn, or -errno (from the ack or the
 * socket).  @fn may be NULL for requests answered by an ack alone. */
int nl_request(struct nl_msg *m, nl_reply_fn fn, void *arg);
/* The same on another netlink family (NETLINK_XFRM for xfrm_nl.h). */
int nl_request_proto(int proto, struct nl_msg *m, nl_reply_fn fn, void *arg);

/* Index the attributes in [@rta, @rta + @len) by type into tb[0..max];
 * later duplicates win, unknown types are skipped. */
void nl_parse_attrs(const struct rtattr *tb[], int max, const struct rtattr *rta, int len);

/* Copy the payload of @rta into @dst when it is exactly @len bytes long;
 * false when @rta is NULL or of another length. */
bool nl_attr_get(const struct rtattr *rta, void *dst, size_t len);

/* Attributes that follow the family header of @nh (of @hdrlen bytes);
 * *len receives their length, < 0 when the message is too short. */
const struct rtattr *nl_msg_attrs(const struct nlmsghdr *nh, size_t hdrlen, int *len);

#endif /* XDPSEC_NETLINK_H */

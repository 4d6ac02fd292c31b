/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Support for the BPF program tests: packet builders, a fixture-table
 * runner over BPF_PROG_TEST_RUN, and an AF_XDP socket on a throwaway veth.
 *
 * Packets are built layer by layer (pkt_eth, pkt_ipv4, pkt_udp, pkt_esp...)
 * and pkt_done() fills in the lengths and checksum; a case that wants a
 * broken header edits the finished packet (pkt_ip4(), pkt_udph(), p->len).
 *
 * A case names the program, the packet, the verdict and the one reason in
 * xs_reasons that must move by exactly one packet (and the packet's bytes)
 * while every other reason stays put; an optional check looks at the output
 * frame, the XDP metadata or the maps.
 */
#ifndef XDPSEC_TEST_PKT_H
#define XDPSEC_TEST_PKT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>

#include <xdp/xsk.h>

#include "xdpsec_maps.h"

enum { PKT_MAX = 1536, PKT_META_MAX = 64 };

/* MAC addresses every built frame carries unless stamped. */
extern const uint8_t pkt_mac_dst[ETH_ALEN];
extern const uint8_t pkt_mac_src[ETH_ALEN];

struct pkt {
	uint8_t data[PKT_MAX];
	size_t len;
	size_t l3;		/* offset of the IP header; 0: none */
	size_t udp;		/* offset of the UDP header; 0: none */
	int family;		/* XS_AF_INET, XS_AF_INET6, 0 */
};

void pkt_put(struct pkt *p, const void *data, size_t len);
void pkt_fill(struct pkt *p, uint8_t byte, size_t len);
void pkt_eth(struct pkt *p, uint16_t ethertype);
void pkt_eth_stamped(struct pkt *p, uint16_t ethertype, uint32_t slot);
void pkt_vlan(struct pkt *p, uint16_t vid, uint16_t ethertype);
void pkt_arp(struct pkt *p);
void pkt_ipv4(struct pkt *p, const char *src, const char *dst, uint8_t proto);
void pkt_ipv6(struct pkt *p, const char *src, const char *dst, uint8_t nexthdr);
/* hop-by-hop, routing or destination options: len bytes, a multiple of 8 */
void pkt_ipv6_opts(struct pkt *p, uint8_t nexthdr, size_t len);
void pkt_ipv6_frag(struct pkt *p, uint8_t nexthdr, uint16_t offset, bool more);
void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport);
void pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport);
void pkt_icmp(struct pkt *p, uint8_t type, uint8_t code);
/* SPI and sequence number (host order), then len bytes of "ciphertext" */
void pkt_esp(struct pkt *p, uint32_t spi, uint32_t seq, size_t len);
/* Fill in IPv4 tot_len and checksum, IPv6 payload_len, UDP length. */
void pkt_done(struct pkt *p);

struct iphdr *pkt_ip4(struct pkt *p);
struct ipv6hdr *pkt_ip6(struct pkt *p);
struct udphdr *pkt_udph(struct pkt *p);

/* An address as struct xs_selector / xs_spi_key keep it. */
void xs_addr(uint8_t out[16], const char *text);

/* What one BPF_PROG_TEST_RUN gave back. */
struct xs_result {
	uint32_t retval;
	struct pkt out;				/* the frame, without metadata */
	uint8_t meta[PKT_META_MAX];		/* XDP metadata, if any */
	size_t meta_len;
};

struct xs_case;
typedef const char *(*xs_check_fn)(const struct xs_case *tc,
				   const struct pkt *in,
				   const struct xs_result *res);

/* Expected reason when the program must count nothing. */
#define XS_R_NONE_EXPECTED (-1)

struct xs_case {
	const char *name;
	int prog;			/* index into xs_env.progs */
	void (*build)(struct pkt *p);
	uint32_t retval;
	int reason;			/* enum xs_reason or XS_R_NONE_EXPECTED */
	xs_check_fn check;		/* NULL, or returns why it failed */
	long arg;			/* for check */
};

struct xs_prog {
	const char *name;
	int fd;
	bool xdp;			/* else tc */
};

struct xs_env {
	const struct xs_prog *progs;
	int reasons_fd;
	void (*before)(void);		/* snapshot state a check compares */
};

/* Runs every case, prints one line each; returns the number that failed. */
int xs_run_cases(const struct xs_env *env, const struct xs_case *cases,
		 size_t n);

/* printf into a static buffer: the failure text of a check. */
const char *xs_why(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * An AF_XDP socket bound to queue 0 of a veth the test creates.  Call
 * xs_netns_enter() first: the veth then lives in a network namespace of the
 * test's own and disappears with it.
 */
struct xs_xsk {
	char ifname[16], peer[16];
	void *area;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill, tx;
	struct xsk_ring_cons comp, rx;
	bool veth;
};

int xs_netns_enter(void);
/* Returns the socket's fd, or -1 with the reason in why. */
int xs_xsk_open(struct xs_xsk *x, const char *ifname, char *why, size_t whylen);
void xs_xsk_close(struct xs_xsk *x);

/* Load-time noise off, libbpf warnings (the verifier log) on. */
void xs_libbpf_quiet(void);

#endif /* XDPSEC_TEST_PKT_H */

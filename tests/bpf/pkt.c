// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Packet builders, the fixture-table runner and the AF_XDP test socket
 * declared in pkt.h.  Linked into every tests/bpf/test_*.c binary.
 */
#include "pkt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/icmp.h>
#include <linux/if_xdp.h>
#include <linux/tcp.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "reasons.h"

const uint8_t pkt_mac_dst[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
const uint8_t pkt_mac_src[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

/* ---- builders ---------------------------------------------------------- */

static void *pkt_grow(struct pkt *p, size_t len)
{
	void *at = p->data + p->len;

	if (p->len + len > PKT_MAX) {
		fprintf(stderr, "%s: packet would exceed %d bytes\n", __func__, PKT_MAX);
		exit(2);
	}
	memset(at, 0, len);
	p->len += len;
	return at;
}

void pkt_put(struct pkt *p, const void *data, size_t len)
{
	memcpy(pkt_grow(p, len), data, len);
}

void pkt_fill(struct pkt *p, uint8_t byte, size_t len)
{
	memset(pkt_grow(p, len), byte, len);
}

void pkt_eth(struct pkt *p, uint16_t ethertype)
{
	struct ethhdr *eth = pkt_grow(p, sizeof(*eth));

	memcpy(eth->h_dest, pkt_mac_dst, ETH_ALEN);
	memcpy(eth->h_source, pkt_mac_src, ETH_ALEN);
	eth->h_proto = htons(ethertype);
}

void pkt_eth_stamped(struct pkt *p, uint16_t ethertype, uint32_t slot)
{
	struct ethhdr *eth = pkt_grow(p, sizeof(*eth));

	memcpy(eth->h_dest, pkt_mac_dst, ETH_ALEN);
	eth->h_source[0] = XS_STAMP_MAGIC0;
	eth->h_source[1] = XS_STAMP_MAGIC1;
	slot = htonl(slot);
	memcpy(eth->h_source + 2, &slot, sizeof(slot));
	eth->h_proto = htons(ethertype);
}

void pkt_vlan(struct pkt *p, uint16_t vid, uint16_t ethertype)
{
	uint16_t tag[2] = { htons(vid), htons(ethertype) };

	pkt_put(p, tag, sizeof(tag));
}

void pkt_arp(struct pkt *p)
{
	static const uint8_t request[28] = {
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,	/* who-has */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 192, 0, 2, 2,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 192, 0, 2, 1,
	};

	pkt_put(p, request, sizeof(request));
}

static void addr_parse(int af, const char *text, void *out)
{
	if (inet_pton(af, text, out) != 1) {
		fprintf(stderr, "%s: bad address %s\n", __func__, text);
		exit(2);
	}
}

void xs_addr(uint8_t out[16], const char *text)
{
	memset(out, 0, 16);
	addr_parse(strchr(text, ':') ? AF_INET6 : AF_INET, text, out);
}

void pkt_ipv4(struct pkt *p, const char *src, const char *dst, uint8_t proto)
{
	struct iphdr *iph;

	p->l3 = p->len;
	p->family = XS_AF_INET;
	iph = pkt_grow(p, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->ttl = 64;
	iph->protocol = proto;
	iph->id = htons(0x1234);
	addr_parse(AF_INET, src, &iph->saddr);
	addr_parse(AF_INET, dst, &iph->daddr);
}

void pkt_ipv6(struct pkt *p, const char *src, const char *dst, uint8_t nexthdr)
{
	struct ipv6hdr *ip6;

	p->l3 = p->len;
	p->family = XS_AF_INET6;
	ip6 = pkt_grow(p, sizeof(*ip6));
	ip6->version = 6;
	ip6->nexthdr = nexthdr;
	ip6->hop_limit = 64;
	addr_parse(AF_INET6, src, &ip6->saddr);
	addr_parse(AF_INET6, dst, &ip6->daddr);
}

void pkt_ipv6_opts(struct pkt *p, uint8_t nexthdr, size_t len)
{
	uint8_t *opt = pkt_grow(p, len);

	opt[0] = nexthdr;
	opt[1] = len / 8 - 1;
	opt[2] = 1;		/* PadN over the rest */
	opt[3] = len - 4;
}

void pkt_ipv6_frag(struct pkt *p, uint8_t nexthdr, uint16_t offset, bool more)
{
	uint8_t *fh = pkt_grow(p, 8);
	uint16_t off = htons(offset << 3 | more);
	uint32_t id = htonl(0xabcd);

	fh[0] = nexthdr;
	memcpy(fh + 2, &off, sizeof(off));
	memcpy(fh + 4, &id, sizeof(id));
}

void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	struct udphdr *uh;

	p->udp = p->len;
	uh = pkt_grow(p, sizeof(*uh));
	uh->source = htons(sport);
	uh->dest = htons(dport);
}

void pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	struct tcphdr *th = pkt_grow(p, sizeof(*th));

	th->source = htons(sport);
	th->dest = htons(dport);
	th->seq = htonl(1);
	th->doff = sizeof(*th) / 4;
	th->syn = 1;
	th->window = htons(65535);
}

void pkt_icmp(struct pkt *p, uint8_t type, uint8_t code)
{
	struct icmphdr *ih = pkt_grow(p, sizeof(*ih));

	ih->type = type;
	ih->code = code;
	ih->un.echo.id = htons(7);
	ih->un.echo.sequence = htons(1);
}

void pkt_esp(struct pkt *p, uint32_t spi, uint32_t seq, size_t len)
{
	uint32_t hdr[2] = { htonl(spi), htonl(seq) };

	pkt_put(p, hdr, sizeof(hdr));
	pkt_fill(p, 0xa5, len);
}

static uint16_t ip_csum(const void *data, size_t len)
{
	const uint16_t *w = data;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

void pkt_done(struct pkt *p)
{
	if (p->family == XS_AF_INET) {
		struct iphdr *iph = pkt_ip4(p);

		iph->tot_len = htons(p->len - p->l3);
		iph->check = 0;
		iph->check = ip_csum(iph, iph->ihl * 4);
	} else if (p->family == XS_AF_INET6) {
		pkt_ip6(p)->payload_len = htons(p->len - p->l3 - sizeof(struct ipv6hdr));
	}
	if (p->udp)
		pkt_udph(p)->len = htons(p->len - p->udp);
}

struct iphdr *pkt_ip4(struct pkt *p)
{
	return (struct iphdr *)(p->data + p->l3);
}

struct ipv6hdr *pkt_ip6(struct pkt *p)
{
	return (struct ipv6hdr *)(p->data + p->l3);
}

struct udphdr *pkt_udph(struct pkt *p)
{
	return (struct udphdr *)(p->data + p->udp);
}

/* ---- the table runner -------------------------------------------------- */

const char *xs_why(const char *fmt, ...)
{
	static char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

/* xs_reasons summed over the CPUs. */
static int reasons_read(int fd, struct xs_counter out[XS_R_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	struct xs_counter *percpu;
	__u32 r;
	int i;

	percpu = calloc(ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (r = 0; r < XS_R_MAX; r++) {
		if (bpf_map_lookup_elem(fd, &r, percpu)) {
			free(percpu);
			return -errno;
		}
		out[r].packets = out[r].bytes = 0;
		for (i = 0; i < ncpu; i++) {
			out[r].packets += percpu[i].packets;
			out[r].bytes += percpu[i].bytes;
		}
	}
	free(percpu);
	return 0;
}

static const char *reasons_check(const struct xs_counter *before,
				 const struct xs_counter *after,
				 int want, size_t bytes)
{
	int r;

	for (r = 0; r < XS_R_MAX; r++) {
		__u64 dp = after[r].packets - before[r].packets;
		__u64 db = after[r].bytes - before[r].bytes;

		if (r == want && (dp != 1 || db != bytes))
			return xs_why("%s moved +%llu packets +%llu bytes, want +1/+%zu",
				      xs_reason_names[r], dp, db, bytes);
		if (r != want && dp)
			return xs_why("%s moved +%llu packets, want %s",
				      xs_reason_names[r], dp,
				      want < 0 ? "no reason counted" : xs_reason_names[want]);
	}
	return NULL;
}

static int run_one(const struct xs_prog *prog, const struct pkt *in,
		   struct xs_result *res)
{
	uint8_t out[PKT_MAX + PKT_META_MAX];
	struct xdp_md ctx_in = { .data_end = in->len }, ctx_out = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = in->data,
		.data_size_in = in->len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.repeat = 1,
	);
	size_t meta = 0;
	int err;

	if (prog->xdp) {
		opts.ctx_in = &ctx_in;
		opts.ctx_size_in = sizeof(ctx_in);
		opts.ctx_out = &ctx_out;
		opts.ctx_size_out = sizeof(ctx_out);
	}
	err = bpf_prog_test_run_opts(prog->fd, &opts);
	if (err)
		return err;
	if (prog->xdp)
		meta = ctx_out.data;	/* data_out starts at data_meta */
	if (meta > PKT_META_MAX || meta > opts.data_size_out)
		return -EMSGSIZE;
	res->retval = opts.retval;
	memcpy(res->meta, out, meta);
	res->meta_len = meta;
	memset(&res->out, 0, sizeof(res->out));
	res->out.len = opts.data_size_out - meta;
	memcpy(res->out.data, out + meta, res->out.len);
	return 0;
}

static const char *run_case(const struct xs_env *env, const struct xs_case *tc)
{
	struct xs_counter before[XS_R_MAX], after[XS_R_MAX];
	static struct xs_result res;
	static struct pkt in;
	const char *why;
	int err;

	memset(&in, 0, sizeof(in));
	tc->build(&in);
	if (env->before)
		env->before();
	if (reasons_read(env->reasons_fd, before))
		return xs_why("reading xs_reasons: %s", strerror(errno));
	err = run_one(&env->progs[tc->prog], &in, &res);
	if (err)
		return xs_why("BPF_PROG_TEST_RUN: %s", strerror(-err));
	if (reasons_read(env->reasons_fd, after))
		return xs_why("reading xs_reasons: %s", strerror(errno));

	if (res.retval != tc->retval)
		return xs_why("verdict %u, want %u", res.retval, tc->retval);
	why = reasons_check(before, after, tc->reason, in.len);
	if (!why && tc->check)
		why = tc->check(tc, &in, &res);
	return why;
}

static const char *verdict_name(const struct xs_prog *prog, uint32_t v)
{
	static const char *const xdp[] = { "ABORTED", "DROP", "PASS", "TX", "REDIRECT" };
	static char other[16];

	if (prog->xdp && v < sizeof(xdp) / sizeof(xdp[0]))
		return xdp[v];
	if (!prog->xdp && (v == 0 || v == 2))
		return v ? "SHOT" : "OK";
	snprintf(other, sizeof(other), "%u", v);
	return other;
}

int xs_run_cases(const struct xs_env *env, const struct xs_case *cases,
		 size_t n)
{
	int failed = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct xs_case *tc = &cases[i];
		const char *why = run_case(env, tc);
		const char *reason = tc->reason < 0 ? "-" : xs_reason_names[tc->reason];

		printf("%-4s %-16s %-44s %-8s %s%s%s\n", why ? "FAIL" : "ok",
		       env->progs[tc->prog].name, tc->name,
		       verdict_name(&env->progs[tc->prog], tc->retval), reason,
		       why ? ": " : "", why ? why : "");
		failed += !!why;
	}
	return failed;
}

/* ---- environment ------------------------------------------------------- */

static int libbpf_warnings(enum libbpf_print_level level, const char *fmt,
			   va_list ap)
{
	if (level > LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void xs_libbpf_quiet(void)
{
	libbpf_set_print(libbpf_warnings);
}

int xs_netns_enter(void)
{
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "%s: unshare(CLONE_NEWNET): %s\n", __func__,
			strerror(errno));
		return -errno;
	}
	return 0;
}

enum { XSK_FRAMES = 64, XSK_RING = 32 };

int xs_xsk_open(struct xs_xsk *x, const char *ifname, char *why, size_t whylen)
{
	struct xsk_umem_config ucfg = {
		.fill_size = XSK_RING,
		.comp_size = XSK_RING,
		.frame_size = XSK_UMEM__DEFAULT_FRAME_SIZE,
	};
	struct xsk_socket_config scfg = {
		.rx_size = XSK_RING,
		.tx_size = XSK_RING,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	size_t size = (size_t)XSK_FRAMES * XSK_UMEM__DEFAULT_FRAME_SIZE;
	char cmd[256];
	int err;

	memset(x, 0, sizeof(*x));
	snprintf(x->ifname, sizeof(x->ifname), "%s", ifname);
	snprintf(x->peer, sizeof(x->peer), "%.13sp", ifname);
	snprintf(cmd, sizeof(cmd),
		 "ip link add %s type veth peer name %s && ip link set %s up && ip link set %s up",
		 x->ifname, x->peer, x->ifname, x->peer);
	if (system(cmd)) {
		snprintf(why, whylen, "could not create veth %s (iproute2?)", x->ifname);
		return -1;
	}
	x->veth = true;

	x->area = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->area == MAP_FAILED) {
		x->area = NULL;
		snprintf(why, whylen, "mmap umem: %s", strerror(errno));
		return -1;
	}
	err = xsk_umem__create(&x->umem, x->area, size, &x->fill, &x->comp, &ucfg);
	if (err) {
		snprintf(why, whylen, "xsk_umem__create: %s", strerror(-err));
		return -1;
	}
	err = xsk_socket__create(&x->xsk, x->ifname, 0, x->umem, &x->rx, &x->tx, &scfg);
	if (err) {
		snprintf(why, whylen, "xsk_socket__create on %s: %s", x->ifname, strerror(-err));
		return -1;
	}
	return xsk_socket__fd(x->xsk);
}

void xs_xsk_close(struct xs_xsk *x)
{
	char cmd[64];

	if (x->xsk)
		xsk_socket__delete(x->xsk);
	if (x->umem)
		xsk_umem__delete(x->umem);
	if (x->area)
		munmap(x->area, (size_t)XSK_FRAMES * XSK_UMEM__DEFAULT_FRAME_SIZE);
	if (x->veth) {
		snprintf(cmd, sizeof(cmd), "ip link del %s", x->ifname);
		if (system(cmd))
			fprintf(stderr, "%s: could not delete %s\n", __func__, x->ifname);
	}
	memset(x, 0, sizeof(*x));
}

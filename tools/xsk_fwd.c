// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xsk_fwd: the bare AF_XDP forwarder that `make bench` measures xdpsec's
 * worker against.  It does what a worker does minus ESP: frames arrive on
 * one interface, get new Ethernet addresses (and the IPv4 TTL decremented,
 * as a router would), and leave on another, through one UMEM shared by two
 * sockets, so nothing is copied beyond what copy-mode AF_XDP does itself.
 *
 *   --in IF, queue Q                                    --out IF, queue Q
 *   libxdp's default XDP program -> [rx] -> MACs, TTL -> [tx] -> wire
 *                                    ^                    |
 *                  in's fill ring <- free pool <- out's completion ring
 *
 * The in socket lets libxdp load its default program, which redirects
 * everything on that queue into the socket (ARP too: give the neighbours
 * static entries).  The out socket only sends, so it loads no program.
 * Batches of 64, one sendto per batch to kick copy-mode TX, poll when idle,
 * like the worker.  --crypto seals each UDP payload with AES-128-GCM in
 * place (a 12-byte nonce from a counter, the 16-byte tag appended, lengths
 * fixed up), the same EVP calls per packet as xdpsec's ESP, to show what
 * the cipher alone costs on this path.
 *
 * On SIGINT or SIGTERM it prints one JSON line of counters and exits.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_xdp.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <xdp/xsk.h>

enum {
	NUM_FRAMES = 4096,
	FRAME_SIZE = XSK_UMEM__DEFAULT_FRAME_SIZE,
	RING_SIZE = 1024,
	BATCH = 64,
	IDLE_POLL_MS = 100,
	ETH_LEN = 14,
	ETH_P_IPV4 = 0x0800,
	IPV4_MIN_LEN = 20,
	IPPROTO_UDP_NUM = 17,
	UDP_LEN = 8,
	GCM_KEY_LEN = 16,
	GCM_NONCE_LEN = 12,
	GCM_TAG_LEN = 16,
};

struct options {
	const char *in, *out;
	uint8_t dst_mac[6], src_mac[6];
	unsigned int queue;
	bool crypto;
};

struct counters {
	uint64_t rx, tx, tx_ring_full, not_sealed;
};

struct side {
	struct xsk_socket *xsk;
	struct xsk_ring_cons rx, comp;
	struct xsk_ring_prod tx, fill;
};

struct fwd {
	struct options opt;
	void *area;
	struct xsk_umem *umem;
	struct side in, out;
	uint64_t free_frames[NUM_FRAMES];
	unsigned int n_free;
	EVP_CIPHER_CTX *gcm;
	uint8_t nonce[GCM_NONCE_LEN];
	uint64_t seq;
	struct counters n;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: xsk_fwd --in IF --out IF --dst-mac MAC --src-mac MAC [--queue Q] "
		   "[--crypto]\n");
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "in", required_argument, NULL, 'i' }, { "out", required_argument, NULL, 'o' },
		{ "dst-mac", required_argument, NULL, 'd' },
		{ "src-mac", required_argument, NULL, 's' },
		{ "queue", required_argument, NULL, 'q' }, { "crypto", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	bool have_dst = false, have_src = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->in = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'd':
			have_dst = !parse_mac(optarg, o->dst_mac);
			break;
		case 's':
			have_src = !parse_mac(optarg, o->src_mac);
			break;
		case 'q':
			o->queue = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			o->crypto = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (!o->in || !o->out || !have_dst || !have_src || optind != argc)
		return -1;
	return 0;
}

/* ---- packet work ---- */

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t ipv4_csum(const uint8_t *ip, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		if (i != 10)
			sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	return csum_fold(sum);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1624 incremental update for the TTL byte going down by one. */
static void ipv4_ttl_dec(uint8_t *ip)
{
	uint32_t sum = (uint16_t)~get16(ip + 10) + (uint32_t)(uint16_t)~get16(ip + 8);

	ip[8]--;
	sum += get16(ip + 8);
	put16(ip + 10, csum_fold(sum));
}

/* Seals the UDP payload in place and appends the tag; false if it cannot. */
static bool seal_udp(struct fwd *f, uint8_t *ip, size_t ihl, size_t ip_len, size_t room)
{
	uint8_t *udp = ip + ihl, *text = udp + UDP_LEN;
	int text_len = (int)(ip_len - ihl - UDP_LEN), outl, finl;

	if (ip_len < ihl + UDP_LEN || room < GCM_TAG_LEN)
		return false;
	memcpy(f->nonce + 4, &f->seq, sizeof(f->seq));
	f->seq++;
	if (EVP_CipherInit_ex(f->gcm, NULL, NULL, NULL, f->nonce, 1) != 1 ||
	    EVP_CipherUpdate(f->gcm, NULL, &outl, udp, UDP_LEN) != 1 ||
	    EVP_CipherUpdate(f->gcm, text, &outl, text, text_len) != 1 ||
	    EVP_CipherFinal_ex(f->gcm, text + outl, &finl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(f->gcm, EVP_CTRL_AEAD_GET_TAG, GCM_TAG_LEN, text + text_len) != 1)
		return false;
	put16(ip + 2, (uint16_t)(ip_len + GCM_TAG_LEN));
	put16(udp + 4, (uint16_t)(ip_len - ihl + GCM_TAG_LEN));
	put16(udp + 6, 0);
	put16(ip + 10, ipv4_csum(ip, ihl));
	return true;
}

/* Rewrites the frame for the next hop; returns its new length. */
static uint32_t forward_one(struct fwd *f, uint64_t addr, uint32_t len)
{
	uint8_t *eth = xsk_umem__get_data(f->area, addr), *ip = eth + ETH_LEN;
	size_t room = FRAME_SIZE - (addr & (FRAME_SIZE - 1)) - len, ihl, ip_len;

	memcpy(eth, f->opt.dst_mac, 6);
	memcpy(eth + 6, f->opt.src_mac, 6);
	if (len < ETH_LEN + IPV4_MIN_LEN || get16(eth + 12) != ETH_P_IPV4 || (ip[0] >> 4) != 4)
		return len;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	ip_len = get16(ip + 2);
	if (ihl < IPV4_MIN_LEN || ip_len < ihl || ETH_LEN + ip_len > len || ip[8] <= 1)
		return len;
	ipv4_ttl_dec(ip);
	if (!f->opt.crypto || ip[9] != IPPROTO_UDP_NUM)
		return len;
	if (!seal_udp(f, ip, ihl, ip_len, room)) {
		f->n.not_sealed++;
		return len;
	}
	return (uint32_t)(ETH_LEN + ip_len + GCM_TAG_LEN);
}

/* ---- rings ---- */

static void frame_free(struct fwd *f, uint64_t addr)
{
	f->free_frames[f->n_free++] = addr & ~((uint64_t)FRAME_SIZE - 1);
}

static void refill(struct fwd *f)
{
	unsigned int i, want = xsk_prod_nb_free(&f->in.fill, RING_SIZE);
	uint32_t idx;

	if (want > f->n_free)
		want = f->n_free;
	if (!want || xsk_ring_prod__reserve(&f->in.fill, want, &idx) != want)
		return;
	for (i = 0; i < want; i++)
		*xsk_ring_prod__fill_addr(&f->in.fill, idx + i) = f->free_frames[--f->n_free];
	xsk_ring_prod__submit(&f->in.fill, want);
}

static void reap_completions(struct fwd *f)
{
	uint32_t idx;
	unsigned int i, n = xsk_ring_cons__peek(&f->out.comp, RING_SIZE, &idx);

	for (i = 0; i < n; i++)
		frame_free(f, *xsk_ring_cons__comp_addr(&f->out.comp, idx + i));
	xsk_ring_cons__release(&f->out.comp, n);
}

/*
 * Copy-mode TX sends at most 32 frames per system call (the kernel's
 * TX_BATCH_SIZE) and says EAGAIN when more are queued: call again, or a
 * 64-frame batch leaves half behind and the ring fills.
 */
static void kick_tx(struct fwd *f)
{
	for (int i = 0; i < BATCH / 32 + 1; i++) {
		if (!xsk_ring_prod__needs_wakeup(&f->out.tx))
			return;
		if (sendto(xsk_socket__fd(f->out.xsk), NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0 ||
		    errno != EAGAIN)
			return;
	}
}

/* One batch: rx on in, rewrite, tx on out.  Returns the frames taken. */
static unsigned int forward_batch(struct fwd *f)
{
	uint32_t rx_idx, tx_idx;
	unsigned int i, n, room;

	n = xsk_ring_cons__peek(&f->in.rx, BATCH, &rx_idx);
	if (!n)
		return 0;
	room = xsk_ring_prod__reserve(&f->out.tx, n, &tx_idx);
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&f->in.rx, rx_idx + i);
		struct xdp_desc *t;

		if (i >= room) {	/* TX ring full: drop */
			frame_free(f, d->addr);
			f->n.tx_ring_full++;
			continue;
		}
		t = xsk_ring_prod__tx_desc(&f->out.tx, tx_idx + i);
		t->addr = d->addr;
		t->len = forward_one(f, d->addr, d->len);
		t->options = 0;
	}
	xsk_ring_cons__release(&f->in.rx, n);
	xsk_ring_prod__submit(&f->out.tx, room);
	f->n.rx += n;
	f->n.tx += room;
	kick_tx(f);
	return n;
}

static void run(struct fwd *f)
{
	struct pollfd pfd = { .fd = xsk_socket__fd(f->in.xsk), .events = POLLIN };

	while (!stop) {
		unsigned int got = forward_batch(f);

		reap_completions(f);
		refill(f);
		if (!got) {
			kick_tx(f);	/* anything the last kick left behind */
			poll(&pfd, 1, IDLE_POLL_MS);
		}
	}
}

/* ---- setup ---- */

static int create_umem(struct fwd *f)
{
	struct xsk_umem_config cfg = {
		.fill_size = RING_SIZE,
		.comp_size = RING_SIZE,
		.frame_size = FRAME_SIZE,
		.frame_headroom = 0,
	};
	size_t size = (size_t)NUM_FRAMES * FRAME_SIZE;

	f->area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->area == MAP_FAILED) {
		f->area = NULL;
		return -errno;
	}
	for (unsigned int i = 0; i < NUM_FRAMES; i++)
		f->free_frames[i] = (uint64_t)i * FRAME_SIZE;
	f->n_free = NUM_FRAMES;
	return xsk_umem__create(&f->umem, f->area, size, &f->in.fill, &f->in.comp, &cfg);
}

static int create_sockets(struct fwd *f)
{
	struct xsk_socket_config cfg = {
		.rx_size = RING_SIZE,
		.tx_size = RING_SIZE,
		.libxdp_flags = 0,	/* in: libxdp's default redirect-to-socket program */
		.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP,
	};
	int rc;

	rc = xsk_socket__create(&f->in.xsk, f->opt.in, f->opt.queue, f->umem, &f->in.rx,
				&f->in.tx, &cfg);
	if (rc) {
		fprintf(stderr, "xsk_fwd: AF_XDP socket on %s queue %u: %s\n", f->opt.in,
			f->opt.queue, strerror(-rc));
		return rc;
	}
	cfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;	/* out only sends */
	rc = xsk_socket__create_shared(&f->out.xsk, f->opt.out, f->opt.queue, f->umem,
				       &f->out.rx, &f->out.tx, &f->out.fill, &f->out.comp, &cfg);
	if (rc)
		fprintf(stderr, "xsk_fwd: AF_XDP socket on %s queue %u: %s\n", f->opt.out,
			f->opt.queue, strerror(-rc));
	return rc;
}

static int crypto_init(struct fwd *f)
{
	uint8_t key[GCM_KEY_LEN];

	if (RAND_bytes(key, sizeof(key)) != 1 || RAND_bytes(f->nonce, 4) != 1)
		return -1;
	f->gcm = EVP_CIPHER_CTX_new();
	if (!f->gcm || EVP_CipherInit_ex(f->gcm, EVP_aes_128_gcm(), NULL, key, NULL, 1) != 1)
		return -1;
	return 0;
}

static void teardown(struct fwd *f)
{
	if (f->out.xsk)
		xsk_socket__delete(f->out.xsk);
	if (f->in.xsk)
		xsk_socket__delete(f->in.xsk);
	if (f->umem)
		xsk_umem__delete(f->umem);
	if (f->area)
		munmap(f->area, (size_t)NUM_FRAMES * FRAME_SIZE);
	EVP_CIPHER_CTX_free(f->gcm);
}

static void print_counters(const struct fwd *f, double secs)
{
	printf("{\"in\":\"%s\",\"out\":\"%s\",\"crypto\":%s,\"seconds\":%.3f,\"rx\":%llu,"
	       "\"tx\":%llu,\"tx_ring_full\":%llu,\"not_sealed\":%llu}\n",
	       f->opt.in, f->opt.out, f->opt.crypto ? "true" : "false", secs,
	       (unsigned long long)f->n.rx, (unsigned long long)f->n.tx,
	       (unsigned long long)f->n.tx_ring_full, (unsigned long long)f->n.not_sealed);
	fflush(stdout);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static struct fwd f;
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	double t0;
	int rc = 1;

	if (parse_args(argc, argv, &f.opt)) {
		usage(stderr);
		return 2;
	}
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (f.opt.crypto && crypto_init(&f)) {
		fprintf(stderr, "xsk_fwd: OpenSSL could not set up AES-128-GCM\n");
		goto out;
	}
	if (create_umem(&f) || create_sockets(&f))
		goto out;
	refill(&f);
	fprintf(stderr, "xsk_fwd: %s -> %s, queue %u, copy mode%s: ready\n", f.opt.in, f.opt.out,
		f.opt.queue, f.opt.crypto ? ", AES-128-GCM" : "");
	t0 = now_s();
	run(&f);
	print_counters(&f, now_s() - t0);
	rc = 0;
out:
	teardown(&f);
	return rc;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * netdev.c against the real kernel (root only).  The process moves itself
 * into a fresh network namespace, so every link, address and route it makes
 * vanishes with it; a forked child holds a second namespace for the far end
 * of the ARP/NDP link (in one namespace the peer's address would be local
 * and never resolved through the wire).  `ip` and `ethtool` serve only to
 * set up the far end and to cross-check results.
 *
 *   this process (netns A)                       child (netns B)
 *   +-------------------------------+            +---------------------------+
 *   | xsnd0  10.99.0.1/24           |    veth    | xsnd1  10.99.0.2/24       |
 *   |        fd00:99::1/64          |============|        fd00:99::2/64      |
 *   |  2 rx/tx queues               |            |        fe80::2/64         |
 *   |                               |            +---------------------------+
 *   | xsnd2 ===== xsnd3   (tunnel-like: mtu 1400, NOARP, offloads off,
 *   |                      IPv6 disabled; deleted at the end)
 *   +-------------------------------+
 *
 * One line per check, "ok - ..." or "FAIL - ...", exit status 1 if any failed.
 */
#include "netdev.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

static struct {
	int lo, xsnd0, xsnd1, xsnd2, xsnd3;
	uint8_t mac0[6], mac1[6];
	pid_t peer_pid;
	int peer_hold;		/* closing it lets the child (and netns B) go */
} t;

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		failures++;
}

/* Checks an integer result and shows it, with its errno name when < 0. */
static void check_eq(long got, long want, const char *what)
{
	if (got == want)
		check(true, "%s == %ld", what, want);
	else
		check(false, "%s: got %ld (%s), want %ld", what, got,
		      got < 0 ? strerror((int)-got) : "-", want);
}

static bool sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) == 0;
}

static void addr_parse(int family, const char *str, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(family, str, addr) != 1) {
		fprintf(stderr, "bad test address %s\n", str);
		exit(2);
	}
}

static const char *mac_str(const uint8_t mac[6])
{
	static char buf[4][18];
	static int n;
	char *s = buf[n++ % 4];

	snprintf(s, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return s;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void test_veth(void)
{
	check_eq(netdev_veth_create("xsnd0", "xsnd1", 2), 0, "veth_create xsnd0/xsnd1 2 queues");
	check_eq(netdev_veth_create("xsnd2", "xsnd3", 1), 0, "veth_create xsnd2/xsnd3 1 queue");
	check_eq(netdev_veth_create("xsnd0", "xsnd9", 2), -EEXIST, "veth_create existing name");
	check_eq(netdev_veth_create("xsnd8", "xsnd1", 2), -EEXIST, "veth_create existing peer");
	check_eq(netdev_ifindex("xsnd8"), -ENODEV, "failed veth_create left nothing");
	check_eq(netdev_veth_create("xsnd-name-too-long", "x", 1), -EINVAL, "veth_create long name");

	t.lo = netdev_ifindex("lo");
	t.xsnd0 = netdev_ifindex("xsnd0");
	t.xsnd1 = netdev_ifindex("xsnd1");
	t.xsnd2 = netdev_ifindex("xsnd2");
	t.xsnd3 = netdev_ifindex("xsnd3");
	check(t.lo > 0 && t.xsnd0 > 0 && t.xsnd1 > 0 && t.xsnd2 > 0 && t.xsnd3 > 0,
	      "ifindex lo=%d xsnd0=%d xsnd1=%d xsnd2=%d xsnd3=%d",
	      t.lo, t.xsnd0, t.xsnd1, t.xsnd2, t.xsnd3);
	check_eq(netdev_ifindex("xsnd-none"), -ENODEV, "ifindex of a missing link");

	check_eq(netdev_num_rx_queues(t.xsnd0), 2, "num_rx_queues xsnd0");
	check_eq(netdev_num_rx_queues(t.xsnd1), 2, "num_rx_queues xsnd1 (peer)");
	check_eq(netdev_num_rx_queues(t.xsnd2), 1, "num_rx_queues xsnd2");
	check(sh("ip -d link show xsnd0 | grep -q 'numtxqueues 2 numrxqueues 2'") &&
	      sh("ip -d link show xsnd1 | grep -q 'numtxqueues 2 numrxqueues 2'"),
	      "ip -d link: both ends have 2 tx and 2 rx queues");
	check_eq(netdev_num_rx_queues(100000), -ENODEV, "num_rx_queues of a missing ifindex");
}

static void test_link_attrs(void)
{
	static const uint8_t zero[6];

	check_eq(netdev_get_mac(t.xsnd0, t.mac0), 0, "get_mac xsnd0");
	check_eq(netdev_get_mac(t.xsnd1, t.mac1), 0, "get_mac xsnd1");
	check(memcmp(t.mac0, zero, 6) && memcmp(t.mac0, t.mac1, 6) && !(t.mac0[0] & 1),
	      "macs %s %s: unicast, non-zero, distinct", mac_str(t.mac0), mac_str(t.mac1));
	check(sh("ip link show xsnd0 | grep -q 'link/ether %s '", mac_str(t.mac0)),
	      "get_mac agrees with ip link");

	check_eq(netdev_get_mtu(t.xsnd2), 1500, "get_mtu default");
	check_eq(netdev_set_mtu(t.xsnd2, 1400), 0, "set_mtu 1400");
	check_eq(netdev_get_mtu(t.xsnd2), 1400, "get_mtu after set");
	check(sh("ip link show xsnd2 | grep -q 'mtu 1400 '"), "ip link shows mtu 1400");
	check_eq(netdev_set_mtu(t.xsnd2, 10), -EINVAL, "set_mtu below the minimum");
	check_eq(netdev_set_mtu(100000, 1400), -ENODEV, "set_mtu missing ifindex");

	check_eq(netdev_set_up(t.lo, true), 0, "set_up lo");
	check_eq(netdev_set_up(t.xsnd0, true), 0, "set_up xsnd0");
	check_eq(netdev_set_up(t.xsnd2, true), 0, "set_up xsnd2");
	check_eq(netdev_set_up(t.xsnd3, true), 0, "set_up xsnd3");
	check(sh("ip link show xsnd2 | grep -q '[<,]UP[,>]'"), "ip link shows xsnd2 UP");
	check_eq(netdev_set_up(t.xsnd3, false), 0, "set_up xsnd3 down");
	check(!sh("ip link show xsnd3 | grep -q '[<,]UP[,>]'"), "ip link shows xsnd3 not UP");
	check_eq(netdev_set_up(t.xsnd3, true), 0, "set_up xsnd3 again");

	check_eq(netdev_set_noarp(t.xsnd2, true), 0, "set_noarp on");
	check(sh("ip link show xsnd2 | grep -q NOARP"), "ip link shows NOARP");
	check_eq(netdev_set_noarp(t.xsnd2, false), 0, "set_noarp off");
	check(!sh("ip link show xsnd2 | grep -q NOARP"), "ip link shows no NOARP");
	check_eq(netdev_set_noarp(t.xsnd2, true), 0, "set_noarp on again");
	check(sh("ip link show xsnd2 | grep -q '[<,]UP[,>]'"), "NOARP toggling kept UP");
}

static void test_offloads_sysctl(void)
{
	static const char *const off[] = {
		"tcp-segmentation-offload", "generic-segmentation-offload",
		"generic-receive-offload", "scatter-gather", "tx-checksumming",
	};
	char buf[8] = "";
	unsigned int i;
	int fd;

	check(sh("ethtool -k xsnd2 | grep -qx 'tcp-segmentation-offload: on'"),
	      "ethtool -k: TSO on before");
	check_eq(netdev_disable_offloads("xsnd2"), 0, "disable_offloads xsnd2");
	for (i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		check(sh("ethtool -k xsnd2 | grep -qx '%s: off'", off[i]),
		      "ethtool -k xsnd2: %s: off", off[i]);
	check(!sh("ethtool -k xsnd2 | grep -v fixed | "
		  "grep -E '(segmentation|checksum-|scatter|gro|gso)[^:]*: on'"),
	      "ethtool -k xsnd2: no segmentation/checksum/SG/GRO feature left on");
	check_eq(netdev_disable_offloads("xsnd2"), 0, "disable_offloads twice");
	check_eq(netdev_disable_offloads("xsnd-none"), -ENODEV, "disable_offloads missing link");

	check_eq(netdev_sysctl_write("/proc/sys/net/ipv6/conf/xsnd2/disable_ipv6", "1"), 0,
		 "sysctl_write disable_ipv6");
	fd = open("/proc/sys/net/ipv6/conf/xsnd2/disable_ipv6", O_RDONLY);
	check(fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 && buf[0] == '1',
	      "disable_ipv6 reads back 1");
	if (fd >= 0)
		close(fd);
	check_eq(netdev_sysctl_write("/etc/hostname", "x"), -EINVAL, "sysctl_write outside /proc/sys");
	check_eq(netdev_sysctl_write("/proc/sys/../self/comm", "x"), -EINVAL, "sysctl_write with ..");
	check_eq(netdev_sysctl_write("/proc/sys/net/ipv4/xsnd_none", "1"), -ENOENT,
		 "sysctl_write missing key");
}

/* Fork a child into its own netns, move xsnd1 there and configure it. */
static void peer_setup(void)
{
	int ready[2], hold[2];
	char c = 0;

	if (pipe2(ready, O_CLOEXEC) || pipe2(hold, O_CLOEXEC)) {
		perror("pipe2");
		exit(2);
	}
	t.peer_pid = fork();
	if (t.peer_pid == 0) {
		close(ready[0]);
		close(hold[1]);
		if (unshare(CLONE_NEWNET) || write(ready[1], "r", 1) != 1)
			_exit(1);
		/* Hold netns B until the parent closes its end or dies. */
		while (read(hold[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	t.peer_hold = hold[1];
	check(t.peer_pid > 0 && read(ready[0], &c, 1) == 1, "peer netns child %d ready", t.peer_pid);
	close(ready[0]);

	check(sh("ip link set xsnd1 netns %d", t.peer_pid) &&
	      sh("nsenter -t %d -n sh -c 'ip link set lo up && "
		 "ip addr add 10.99.0.2/24 dev xsnd1 && "
		 "ip -6 addr add fd00:99::2/64 dev xsnd1 nodad && "
		 "ip -6 addr add fe80::2/64 dev xsnd1 nodad && "
		 "ip link set xsnd1 up'", t.peer_pid) &&
	      sh("ip addr add 10.99.0.1/24 dev xsnd0 && "
		 "ip -6 addr add fd00:99::1/64 dev xsnd0 nodad"),
	      "peer xsnd1 moved to netns B, addresses on both ends");
	check_eq(netdev_ifindex("xsnd1"), -ENODEV, "xsnd1 no longer in netns A");
}

static void peer_teardown(void)
{
	int status = 0;

	close(t.peer_hold);
	check(waitpid(t.peer_pid, &status, 0) == t.peer_pid &&
	      WIFEXITED(status) && WEXITSTATUS(status) == 0, "peer netns child exited");
}

static void test_first_addr(void)
{
	uint8_t got[16], want[16];

	addr_parse(AF_INET, "10.99.0.1", want);
	check_eq(netdev_first_addr(t.xsnd0, AF_INET, got), 0, "first_addr xsnd0 inet");
	check(!memcmp(got, want, 16), "first_addr xsnd0 inet is 10.99.0.1 (rest zero)");
	addr_parse(AF_INET6, "fd00:99::1", want);
	check_eq(netdev_first_addr(t.xsnd0, AF_INET6, got), 0, "first_addr xsnd0 inet6");
	check(!memcmp(got, want, 16), "first_addr xsnd0 inet6 is fd00:99::1, link-local skipped");
	check_eq(netdev_first_addr(t.xsnd3, AF_INET, got), -ENOENT, "first_addr without address");
	check_eq(netdev_first_addr(t.xsnd0, AF_PACKET, got), -EAFNOSUPPORT, "first_addr bad family");
}

static void test_routes_v4(void)
{
	struct netdev_route rt;
	uint8_t dst[16], probe[16], src[16], got[16];

	addr_parse(AF_INET, "10.200.9.9", dst);		/* host bits set on purpose */
	addr_parse(AF_INET, "10.200.1.1", probe);
	addr_parse(AF_INET, "10.99.0.1", src);
	check_eq(netdev_route_replace(AF_INET, dst, 16, t.xsnd0, NULL), 0, "route_replace 10.200/16 xsnd0");
	check(sh("ip route show 10.200.0.0/16 | grep -q 'dev xsnd0 proto static scope link'"),
	      "ip route shows static scope-link route");
	check_eq(netdev_route_get(AF_INET, probe, &rt), 0, "route_get 10.200.1.1");
	check(rt.oif == t.xsnd0 && !rt.has_gateway && rt.type == RTN_UNICAST,
	      "route_get: oif %d, no gateway, unicast", rt.oif);
	check(rt.has_prefsrc && !memcmp(rt.prefsrc, src, 4), "route_get: prefsrc 10.99.0.1");

	check_eq(netdev_route_replace(AF_INET, dst, 16, t.xsnd2, NULL), 0, "route_replace onto xsnd2");
	check_eq(netdev_route_get(AF_INET, probe, &rt), 0, "route_get after replace");
	check_eq(rt.oif, t.xsnd2, "route_get oif is xsnd2");
	check(sh("test $(ip route show 10.200.0.0/16 | wc -l) -eq 1"), "replace left one route");

	check_eq(netdev_route_delete(AF_INET, dst, 16, t.xsnd2), 0, "route_delete 10.200/16");
	check_eq(netdev_route_get(AF_INET, probe, &rt), -ENETUNREACH, "route_get after delete");
	check_eq(netdev_route_delete(AF_INET, dst, 16, t.xsnd2), -ESRCH, "route_delete again");
	check_eq(netdev_addr_in_prefix(AF_INET, dst, 8, got), 0, "addr_in_prefix 10/8");
	check(!memcmp(got, src, 4), "addr_in_prefix 10/8 is 10.99.0.1");
	check_eq(netdev_addr_in_prefix(AF_INET, probe, 16, got), -ENOENT, "addr_in_prefix 10.200/16");
	check_eq(netdev_route_replace(AF_INET, dst, 16, t.xsnd2, src), 0, "route_replace with prefsrc");
	check(sh("ip route show 10.200.0.0/16 | grep -q 'src 10.99.0.1'"), "ip route shows src 10.99.0.1");
	check_eq(netdev_route_delete(AF_INET, dst, 16, t.xsnd2), 0, "route_delete prefsrc route");
	check_eq(netdev_route_replace(AF_INET, dst, 33, t.xsnd0, NULL), -EINVAL, "route_replace /33");
	check_eq(netdev_route_replace(AF_UNIX, dst, 16, t.xsnd0, NULL), -EAFNOSUPPORT, "route_replace AF_UNIX");

	check(sh("ip route add 10.201.0.0/16 via 10.99.0.2"), "ip route add 10.201/16 via 10.99.0.2");
	addr_parse(AF_INET, "10.201.0.7", probe);
	addr_parse(AF_INET, "10.99.0.2", dst);
	check_eq(netdev_route_get(AF_INET, probe, &rt), 0, "route_get 10.201.0.7");
	check(rt.has_gateway && rt.gw_family == AF_INET && !memcmp(rt.gateway, dst, 4) &&
	      rt.oif == t.xsnd0, "route_get: via 10.99.0.2 dev xsnd0");
	check_eq(netdev_route_get(AF_INET, src, &rt), 0, "route_get own address");
	check_eq(rt.type, RTN_LOCAL, "route_get own address is RTN_LOCAL");
}

static void test_routes_v6(void)
{
	struct netdev_route rt;
	uint8_t dst[16], probe[16], gw[16];

	addr_parse(AF_INET6, "fd00:200::", dst);
	addr_parse(AF_INET6, "fd00:200::5", probe);
	check_eq(netdev_route_replace(AF_INET6, dst, 64, t.xsnd0, NULL), 0, "route_replace fd00:200::/64");
	check(sh("ip -6 route show fd00:200::/64 | grep -q 'dev xsnd0 proto static'"),
	      "ip -6 route shows the static route");
	check_eq(netdev_route_get(AF_INET6, probe, &rt), 0, "route_get fd00:200::5");
	check(rt.oif == t.xsnd0 && !rt.has_gateway, "route_get: oif %d, no gateway", rt.oif);
	check_eq(netdev_route_delete(AF_INET6, dst, 64, 0), 0, "route_delete fd00:200::/64");
	check_eq(netdev_route_get(AF_INET6, probe, &rt), -ENETUNREACH, "route_get after delete");
	check_eq(netdev_route_delete(AF_INET6, dst, 64, 0), -ESRCH, "route_delete again");

	check(sh("ip -6 route add fd00:201::/64 via fd00:99::2 && "
		 "ip -6 route add fd00:202::/64 via fe80::2 dev xsnd0"),
	      "ip -6 route add via fd00:99::2 and via fe80::2");
	addr_parse(AF_INET6, "fd00:202::9", probe);
	addr_parse(AF_INET6, "fe80::2", gw);
	check_eq(netdev_route_get(AF_INET6, probe, &rt), 0, "route_get fd00:202::9");
	check(rt.has_gateway && rt.gw_family == AF_INET6 && !memcmp(rt.gateway, gw, 16) &&
	      rt.oif == t.xsnd0, "route_get: via fe80::2 dev xsnd0");
}

static void check_resolve(int family, const char *dst_str, const char *what)
{
	uint8_t dst[16], mac[6] = { 0 };
	int oif = 0;

	addr_parse(family, dst_str, dst);
	check_eq(netdev_resolve_nexthop(family, dst, &oif, mac, 3000), 0, what);
	check(oif == t.xsnd0 && !memcmp(mac, t.mac1, 6), "%s: oif %d mac %s (peer %s)",
	      dst_str, oif, mac_str(mac), mac_str(t.mac1));
}

static void test_neigh(void)
{
	uint8_t addr[16], mac[6];
	long long start, took;
	int oif = 0;

	addr_parse(AF_INET, "10.99.0.2", addr);
	check_eq(netdev_neigh_get(AF_INET, addr, t.xsnd0, mac), -ENOENT, "neigh_get before ARP");
	check_resolve(AF_INET, "10.99.0.2", "resolve_nexthop on-link 10.99.0.2 (ARP)");
	check_eq(netdev_neigh_get(AF_INET, addr, t.xsnd0, mac), 0, "neigh_get after ARP");
	check(!memcmp(mac, t.mac1, 6), "neigh_get mac %s is the peer's", mac_str(mac));
	check_resolve(AF_INET, "10.201.0.7", "resolve_nexthop via gateway 10.99.0.2");
	check_resolve(AF_INET6, "fd00:99::2", "resolve_nexthop on-link fd00:99::2 (NDP)");
	check_resolve(AF_INET6, "fd00:202::9", "resolve_nexthop via link-local fe80::2");

	addr_parse(AF_INET, "10.99.0.77", addr);
	start = now_ms();
	check_eq(netdev_resolve_nexthop(AF_INET, addr, &oif, mac, 300), -EHOSTUNREACH,
		 "resolve_nexthop of an absent host");
	took = now_ms() - start;
	check(took >= 300 && took < 1500, "gave up after %lld ms (timeout 300)", took);
	check_eq(netdev_neigh_get(AF_INET, addr, t.xsnd0, mac), -ENOENT,
		 "neigh_get of an unresolved (INCOMPLETE/FAILED) entry");
	check_eq(netdev_neigh_get(AF_INET, addr, 100000, mac), -ENODEV, "neigh_get missing ifindex");

	addr_parse(AF_INET, "10.99.0.1", addr);
	check_eq(netdev_resolve_nexthop(AF_INET, addr, &oif, mac, 100), -EHOSTUNREACH,
		 "resolve_nexthop of a local address");
	addr_parse(AF_INET, "192.0.2.1", addr);
	check_eq(netdev_resolve_nexthop(AF_INET, addr, &oif, mac, 100), -ENETUNREACH,
		 "resolve_nexthop without a route");
}

static void test_delete(void)
{
	check_eq(netdev_delete("xsnd2"), 0, "delete xsnd2");
	check_eq(netdev_ifindex("xsnd2"), -ENODEV, "xsnd2 gone");
	check_eq(netdev_ifindex("xsnd3"), -ENODEV, "its peer xsnd3 gone too");
	check_eq(netdev_delete("xsnd2"), -ENODEV, "delete xsnd2 again");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (unshare(CLONE_NEWNET)) {
		printf("FAIL - unshare(CLONE_NEWNET): %s (needs root)\n", strerror(errno));
		return 1;
	}
	test_veth();
	test_link_attrs();
	test_offloads_sysctl();
	peer_setup();
	test_first_addr();
	test_routes_v4();
	test_routes_v6();
	test_neigh();
	test_delete();
	peer_teardown();
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}

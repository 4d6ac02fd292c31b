# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The IKE tests' test bed: a device behind an nft NAT, a concentrator and a
# LAN host.  Source after lib.sh.
#
#   $XS-dev              $XS-nat                    $XS-gw               $XS-lan
# +-------------+   +------------------+      +----------------+    +-----------+
# | sensor0     |   | in0        out0  |      | up0      lan0  |    | eth0      |
# | 10.200.1.1  |   | 192.168.1.1      |      | 192.0.2.1      |    | 10.1.0.10 |
# | eth0        +---+       192.0.2.254+------+       10.1.0.1 +----+           |
# | 192.168.1.2 |   | masquerade       |      |                |    |           |
# +-------------+   +------------------+      +----------------+    +-----------+
#
#   build_testbed                 the namespaces, links and NAT
#   start_xdpsecd NS INST CONF    xdpsecd -c CONF --instance INST in NS (CONF made 0600)
#   stop_xdpsecd PID

build_testbed()
{
	for n in dev nat gw lan; do ns_create "$XS-$n"; done
	veth_link "$XS-dev" eth0 192.168.1.2/24 "$XS-nat" in0 192.168.1.1/24
	veth_link "$XS-nat" out0 192.0.2.254/24 "$XS-gw" up0 192.0.2.1/24
	veth_link "$XS-gw" lan0 10.1.0.1/24 "$XS-lan" eth0 10.1.0.10/24
	ip -n "$XS-dev" link add sensor0 type veth peer name sensors
	ip -n "$XS-dev" addr add 10.200.1.1/24 dev sensor0
	ip -n "$XS-dev" link set sensor0 up
	ip -n "$XS-dev" link set sensors up
	ip -n "$XS-dev" route add default via 192.168.1.1
	ip -n "$XS-lan" route add default via 10.1.0.1
	for n in nat gw dev; do
		nsexec "$XS-$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0
	done
	nsexec "$XS-nat" nft -f - <<EOF || fail "nft NAT rules"
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat;
		oifname "out0" masquerade
	}
}
EOF
}

start_xdpsecd()
{
	local ns=$1 inst=$2 conf=$3
	chmod 600 "$conf"
	nsexec_bg "$ns" "$XS_TMP/$inst.log" "$BUILD/xdpsecd" -c "$conf" --instance "$inst"
	wait_for "$BUILD/xdpsecctl" -i "$inst" status || fail "xdpsecd $inst did not start"
}

stop_xdpsecd()
{
	stop_pid "$1"
}

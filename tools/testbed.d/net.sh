# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash disable=SC2034 # sourced by tools/testbed
#
# tools/testbed: the namespaces and links.  Sourced by tools/testbed.
#
# Addressing (device i = 1..N, h = (i-1)/250, l = (i-1)%250 + 1):
#   devices' segment   100.64.0.0/16, router 100.64.0.1, device i 100.64.(h+1).l
#   sensor subnet      10.(200+h).l.0/24 on the device's sensor0, the device 10.(200+h).l.1
#   all sensors        10.200.0.0/13 (the concentrator's remote_ts), so N <= 2000
#   LAN                10.1.0.0/24: concentrator 10.1.0.1, LAN host 10.1.0.10
#   uplink             192.0.2.0/24: concentrator 192.0.2.1, NAME-inet 192.0.2.254
#   NAT's outside      203.0.113.0/24: NAME-inet .254, NAME-nat .2
#
# Commands are batched (`ip -n NS -batch -`), one `ip` per namespace, so a
# few hundred devices take seconds, not minutes.

TB_GW_ADDR=192.0.2.1
TB_LAN_NET=10.1.0.0/24
TB_LAN_HOST=10.1.0.10
TB_SENSOR_ALL=10.200.0.0/13
TB_NAT_PUB=203.0.113.2
TB_MAX_DEVICES=2000

_dev_h()
{
	echo $((($1 - 1) / 250))
}

_dev_l()
{
	echo $((($1 - 1) % 250 + 1))
}

dev_addr()
{
	echo "100.64.$(($(_dev_h "$1") + 1)).$(_dev_l "$1")"
}

dev_sensor()
{
	echo "10.$((200 + $(_dev_h "$1"))).$(_dev_l "$1").1"
}

dev_sensor_net()
{
	echo "10.$((200 + $(_dev_h "$1"))).$(_dev_l "$1").0/24"
}

dev_ns()
{
	echo "$TB_NAME-d$1"
}

# The namespace holding the devices' bridge.
bridge_ns()
{
	if [ "$TB_NAT" = 1 ]; then echo "$TB_NAME-nat"; else echo "$TB_NAME-inet"; fi
}

# ns_sh NS SCRIPT: a shell script inside NS (sysctls need the namespace).
ns_sh()
{
	ip netns exec "$1" sh -c "$2"
}

_router_sysctls()
{
	ns_sh "$1" 'sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1'
}

_netns_add()
{
	local ns

	for ns in "$@"; do
		echo "netns add $ns"
		echo "$ns" >>"$TB_STATE/namespaces"
	done | ip -batch -
}

# The fixed part: LAN host, concentrator, "internet", and the NAT.
_net_core()
{
	local n=$TB_NAME br ns
	local -a routers=("$n-gw" "$n-inet")

	br=$(bridge_ns)
	[ "$TB_NAT" = 1 ] && routers+=("$n-nat")
	_netns_add "$n-lan" "${routers[@]}" || return 1
	ip -batch - <<EOF || return 1
link add eth0 netns $n-lan type veth peer name lan0 netns $n-gw
link add up0 netns $n-gw type veth peer name gw0 netns $n-inet
EOF
	ip -n "$n-lan" -batch - <<EOF || return 1
link set lo up
addr add $TB_LAN_HOST/24 dev eth0
link set eth0 up
route add default via 10.1.0.1
EOF
	ip -n "$n-gw" -batch - <<EOF || return 1
link set lo up
addr add 10.1.0.1/24 dev lan0
addr add $TB_GW_ADDR/24 dev up0
link set lan0 up
link set up0 up
route add default via 192.0.2.254
EOF
	ip -n "$n-inet" -batch - <<EOF || return 1
link set lo up
addr add 192.0.2.254/24 dev gw0
link set gw0 up
EOF
	if [ "$TB_NAT" = 1 ]; then
		ip -batch - <<<"link add nat0 netns $n-inet type veth peer name wan0 netns $n-nat" &&
			ip -n "$n-inet" -batch - <<EOF &&
addr add 203.0.113.254/24 dev nat0
link set nat0 up
EOF
			ip -n "$n-nat" -batch - <<EOF || return 1
link set lo up
addr add $TB_NAT_PUB/24 dev wan0
link set wan0 up
route add default via 203.0.113.254
EOF
	fi
	# The devices' segment: one bridge, one port per device.
	ip -n "$br" -batch - <<EOF || return 1
link add br0 type bridge mcast_snooping 0
addr add 100.64.0.1/16 dev br0
link set br0 up
EOF
	for ns in "${routers[@]}"; do
		_router_sysctls "$ns" || return 1
	done
	ns_sh "$n-lan" 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1'
}

# The neighbour tables' limits are global (not per namespace): a big fleet
# needs more than the default 1024 entries in all.  Raised, never lowered.
_net_neigh_room()
{
	local need=$((3 * TB_NDEV + 256)) cur

	cur=$(sysctl -n net.ipv4.neigh.default.gc_thresh3)
	[ "$cur" -ge "$need" ] && return 0
	log "  raising the host's net.ipv4.neigh.default.gc_thresh1/2/3 for $TB_NDEV devices"
	sysctl -qw net.ipv4.neigh.default.gc_thresh1=$((need / 4)) \
		net.ipv4.neigh.default.gc_thresh2=$((need / 2)) \
		net.ipv4.neigh.default.gc_thresh3=$need
}

_net_nat_rules()
{
	[ "$TB_NAT" = 1 ] || return 0
	ip netns exec "$TB_NAME-nat" nft -f - <<EOF
table ip testbed_nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 100.64.0.0/16 oifname "wan0" masquerade
	}
}
EOF
}

# Every device's namespace, its port on the bridge and its sensor subnet.
_net_devices()
{
	local i br

	br=$(bridge_ns)
	for ((i = 1; i <= TB_NDEV; i++)); do echo "$(dev_ns "$i")"; done >"$TB_STATE/devices.ns"
	# shellcheck disable=SC2046
	_netns_add $(cat "$TB_STATE/devices.ns") || return 1
	for ((i = 1; i <= TB_NDEV; i++)); do
		echo "link add eth0 netns $(dev_ns "$i") type veth peer name p$i netns $br"
	done | ip -batch - || return 1
	for ((i = 1; i <= TB_NDEV; i++)); do
		echo "link set p$i master br0 up"
	done | ip -n "$br" -batch - || return 1
	for ((i = 1; i <= TB_NDEV; i++)); do
		_net_device "$i" || return 1
	done
}

_net_device()
{
	local i=$1 ns

	ns=$(dev_ns "$i")
	ip -n "$ns" -batch - <<EOF || return 1
link set lo up
addr add $(dev_addr "$i")/16 dev eth0
link set eth0 up
link add sensor0 type veth peer name sensors
addr add $(dev_sensor "$i")/24 dev sensor0
link set sensors up
link set sensor0 up
route add default via 100.64.0.1
EOF
	ns_sh "$ns" 'sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv6.conf.all.disable_ipv6=1'
}

net_build()
{
	_net_core && _net_nat_rules && _net_neigh_room && _net_devices
}

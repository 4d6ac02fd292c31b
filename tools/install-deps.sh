#!/usr/bin/env bash
# Installs the Debian 12 packages xdpsec builds, tests and demos with.
# --if-missing: do nothing (and print nothing) when all are present.
set -euo pipefail

PACKAGES=(
	# build
	build-essential clang llvm pkg-config libbpf-dev libxdp-dev xdp-tools bpftool
	libelf-dev zlib1g-dev libssl-dev openssl libcmocka-dev libclang-rt-14-dev
	# the Prometheus endpoint's HTTP server
	libmicrohttpd-dev
	# tests, demo, bench: network namespaces, traffic, an outside judge
	iproute2 iputils-ping iperf3 tcpdump tshark nftables ethtool jq python3-scapy
	# metrics tests: a real HTTP client (promtool is used when present; prometheus is not
	# installed for it, since the package starts a server)
	curl
	# strongSwan as the reference peer (userspace ESP: kernel-libipsec)
	strongswan-charon strongswan-swanctl libcharon-extra-plugins
	libstrongswan-standard-plugins strongswan-pki
	# the VM test (tests/vm): Debian's 6.1 kernel, which has ESP, under qemu
	qemu-system-x86 busybox-static cpio kmod
	# profiling in make bench
	linux-perf
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	[ "${1:-}" = "--if-missing" ] || echo "all ${#PACKAGES[@]} packages are installed"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "missing packages: ${missing[*]} (run as root, e.g. sudo make deps)" >&2
	exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

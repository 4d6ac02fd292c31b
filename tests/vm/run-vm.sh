#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Boots Debian 12's packaged 6.1 kernel (it has ESP; this host's kernel may
# not) under qemu with software emulation, with an initramfs built here from
# this machine's binaries: busybox, iproute2, iperf3, jq, the project's
# build and the kernel's ESP/XFRM modules.  The guest runs tests/vm/guest.sh
# (and guest_ike.sh, which it sources) and prints "VMTEST PASS name" /
# "VMTEST FAIL name" on the serial console (qemu's stdout, also saved to
# build/vm/console.log), then powers off.
#
#   host: build/vm/linux-image-*.deb (apt-get download, cached) -> vmlinuz,
#         modules; initramfs.cpio.gz; qemu -accel tcg -cpu max -nographic
#   guest: /init -> insmod ESP modules -> guest.sh -> poweroff -f
#
# Exit: 0 when qemu ran (the caller judges the VMTEST lines), 77 when qemu
# or the kernel package cannot be had, 1 on other errors.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
VM=$BUILD/vm
SKIP=77
TIMEOUT_S=${VM_TIMEOUT_S:-420}

# Modules for ESP in tunnel mode, veth, TC (clsact + cls_bpf) and the RNG
# without which every ESP state fails (see ../shared/notes/qemu-kernel.md).
MODULES=(xfrm_algo xfrm_user esp4 esp6 veth gf128mul ghash-generic gcm ctr seqiv echainiv
	authenc cbc sha256_generic hmac drbg jitterentropy_rng tunnel4 xfrm4_tunnel tun
	sch_ingress cls_bpf chacha_generic poly1305_generic chacha20poly1305)

need() { command -v "$1" >/dev/null 2>&1; }

fetch_kernel() {
	local pkg deb
	mkdir -p "$VM"
	deb=$(ls "$VM"/linux-image-6.1.*-amd64_*.deb 2>/dev/null | head -1 || true)
	if [ -z "$deb" ]; then
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			awk '/Depends: linux-image-6\.1/ { print $2; exit }')
		[ -n "$pkg" ] || { echo "SKIP: no linux-image-6.1 package known to apt" >&2; exit $SKIP; }
		(cd "$VM" && apt-get download "$pkg" >/dev/null 2>&1) ||
			{ echo "SKIP: apt-get download $pkg failed" >&2; exit $SKIP; }
		deb=$(ls "$VM"/linux-image-6.1.*-amd64_*.deb | head -1)
	fi
	KVER=$(basename "$deb" | sed -E 's/^linux-image-([^_]+)_.*/\1/')
	if [ ! -f "$VM/k/boot/vmlinuz-$KVER" ]; then
		rm -rf "$VM/k"
		dpkg -x "$deb" "$VM/k"
	fi
	[ -f "$VM/k/lib/modules/$KVER/modules.dep" ] || depmod -b "$VM/k" "$KVER"
}

# A binary and the libraries ldd names for it, at their own paths.
copy_bin() {
	local src=$1 dst=$2 lib
	mkdir -p "$(dirname "$ROOTFS$dst")"
	cp -L "$src" "$ROOTFS$dst"
	for lib in $(ldd "$src" 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*'); do
		[ -e "$ROOTFS$lib" ] && continue
		mkdir -p "$(dirname "$ROOTFS$lib")"
		cp -L "$lib" "$ROOTFS$lib"
	done
}

# modules.dep lists every dependency; load them first, each once.
declare -A LOADED
module_order() {
	local name=$1 path deps d
	path=$(modinfo -b "$VM/k" -k "$KVER" -n "$name" 2>/dev/null) || {
		echo "note: module $name not in $KVER (built in?)" >&2
		return 0
	}
	case $path in "(builtin)"|"") return 0 ;; esac
	path=${path#"$VM/k/lib/modules/$KVER/"}
	[ -n "${LOADED[$path]:-}" ] && return 0
	deps=$(awk -v p="$path:" '$1 == p { for (i = NF; i > 1; i--) print $i }' \
		"$VM/k/lib/modules/$KVER/modules.dep")
	for d in $deps; do
		[ -n "${LOADED[$d]:-}" ] && continue
		LOADED[$d]=1
		ORDER+=("$d")
	done
	LOADED[$path]=1
	ORDER+=("$path")
}

build_initramfs() {
	local a m
	ROOTFS=$VM/rootfs
	rm -rf "$ROOTFS"
	mkdir -p "$ROOTFS"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,proc,sys,dev,tmp,run,etc,root}
	mkdir -p "$ROOTFS/lib/modules/$KVER" "$ROOTFS/xs/build/tests/bpf"
	cp "$(command -v busybox)" "$ROOTFS/bin/busybox"
	for a in $(busybox --list); do
		[ -e "$ROOTFS/bin/$a" ] || ln -s busybox "$ROOTFS/bin/$a"
	done
	# dash as /bin/sh: busybox's shell runs its applets (its own ip, without
	# veth) before PATH, also for system() in the BPF tests.
	rm -f "$ROOTFS/bin/sh"
	copy_bin "$(readlink -f /bin/dash)" /bin/sh
	# The real tools under /usr/local/bin, first in PATH.
	copy_bin "$(command -v ip)" /usr/local/bin/ip
	copy_bin "$(command -v iperf3)" /usr/local/bin/iperf3
	copy_bin "$(command -v jq)" /usr/local/bin/jq
	copy_bin "$BUILD/xdpsecd" /xs/build/xdpsecd
	copy_bin "$BUILD/xdpsecctl" /xs/build/xdpsecctl
	for t in test_uplink test_tunnel; do
		copy_bin "$BUILD/tests/bpf/$t" "/xs/build/tests/bpf/$t"
	done
	ORDER=()
	for m in "${MODULES[@]}"; do module_order "$m"; done
	: >"$ROOTFS/modules.list"
	for m in "${ORDER[@]}"; do
		mkdir -p "$(dirname "$ROOTFS/lib/modules/$KVER/$m")"
		cp "$VM/k/lib/modules/$KVER/$m" "$ROOTFS/lib/modules/$KVER/$m"
		echo "/lib/modules/$KVER/$m" >>"$ROOTFS/modules.list"
	done
	cp "${VM_GUEST:-$ROOT/tests/vm/guest.sh}" "$ROOTFS/guest.sh"
	cp "$ROOT/tests/vm/guest_ike.sh" "$ROOTFS/guest_ike.sh"
	# VM_DEBUG=1: bpftool and the BPF objects too, for verifier logs
	if [ -n "${VM_DEBUG:-}" ]; then
		copy_bin "$(command -v bpftool)" /usr/local/bin/bpftool
		mkdir -p "$ROOTFS/xs/build/bpf" && cp "$BUILD"/bpf/*.bpf.o "$ROOTFS/xs/build/bpf/"
	fi
	cat >"$ROOTFS/init" <<'EOF'
#!/bin/sh
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mount -t bpf bpf /sys/fs/bpf
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
echo "VMTEST BOOTED $(uname -r)"
while read -r m; do insmod "$m" 2>/dev/null || echo "VMTEST NOTE insmod $m failed"; done </modules.list
sh /guest.sh
echo "VMTEST DONE"
poweroff -f
EOF
	chmod +x "$ROOTFS/init"
	(cd "$ROOTFS" && find . | cpio -o -H newc --quiet | gzip -1) >"$VM/initramfs.cpio.gz"
}

need qemu-system-x86_64 || { echo "SKIP: qemu-system-x86_64 is not installed" >&2; exit $SKIP; }
need busybox && need cpio && need modinfo || { echo "SKIP: busybox, cpio or kmod missing" >&2; exit $SKIP; }
for b in xdpsecd xdpsecctl tests/bpf/test_uplink tests/bpf/test_tunnel; do
	[ -x "$BUILD/$b" ] || { echo "run-vm.sh: $BUILD/$b is not built (make all bpf-tests)" >&2; exit 1; }
done
fetch_kernel
build_initramfs
timeout "$TIMEOUT_S" qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp 2 -nographic -no-reboot \
	-kernel "$VM/k/boot/vmlinuz-$KVER" -initrd "$VM/initramfs.cpio.gz" \
	-append "console=ttyS0 quiet panic=-1" </dev/null | tee "$VM/console.log"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The kernel XFRM backend on a kernel that has ESP: tests/vm/run-vm.sh boots
# Debian's 6.1 kernel under qemu (TCG) and runs tests/vm/guest.sh there --
# the BPF program tests on 6.1, then xdpsec in XFRM mode against xdpsec in
# AF_XDP mode with manual SAs (ping, iperf3, counters, unknown-SPI drops, the
# TC ACL and TS checks, a clean shutdown), then with IKEv2 (guest_ike.sh):
# XFRM against AF_XDP in ESP in UDP, XFRM against XFRM in raw ESP, each with
# ping, iperf3 and both sides' counters, a ping across Child SA rekeys
# that must lose nothing, and a MOBIKE move of one XFRM end's address (the
# kernel states and policy templates follow on both ends).  This script
# asserts on its VMTEST lines.
# SKIP when qemu or the kernel package cannot be had.
set -u
. "$(dirname "$0")/lib.sh"

log=$XS_TMP/vm.out
start=$(date +%s)
bash "$XS_DIR/../vm/run-vm.sh" >"$log" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))
if [ $rc = 77 ]; then
	echo "SKIP: $(grep SKIP "$log" | head -1)"
	exit 0
fi
[ $rc = 0 ] || fail "run-vm.sh failed (rc $rc) after ${secs}s: $(tail -5 "$log")"
grep -q "VMTEST DONE" "$log" || fail "the guest did not finish after ${secs}s: $(tail -5 "$log")"
if grep -q "VMTEST FAIL" "$log"; then
	grep "VMTEST" "$log"
	fail "$(grep -c 'VMTEST FAIL' "$log") VM check(s) failed (console: build/vm/console.log)"
fi
want="bpf_test_uplink bpf_test_tunnel daemons_up auto_picks_xfrm sa_add ip_xfrm_shows_encoding
ping_xfrm_afxdp_both_ways iperf3_through_tunnel counters xdp_drops_unknown_spi
tc_acl_in_xfrm_mode tc_ts_check_in_xfrm_mode xfrm_clean_shutdown
ike_xfrm_afxdp_up ike_xfrm_afxdp_ping_iperf3 ike_xfrm_afxdp_counters
ike_xfrm_sa_list_is_kernel_counters xdp_drops_unknown_spi_in_udp ike_xfrm_clean_shutdown
ike_xfrm_xfrm_up ike_xfrm_xfrm_ping_iperf3 ike_xfrm_xfrm_counters ike_child_rekey_no_loss
ike_xfrm_mobike_move"
for w in $want; do
	grep -q "VMTEST PASS $w" "$log" || fail "no VMTEST PASS line for $w"
done
grep "VMTEST PASS" "$log" | sed 's/^VMTEST PASS /  /'
pass "6.1 VM: XFRM mode against AF_XDP and XFRM mode, manual SAs and IKEv2," \
	"$(grep -c 'VMTEST PASS' "$log") checks in ${secs}s"

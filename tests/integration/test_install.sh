#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Packaging: `make install DESTDIR=... PREFIX=/usr` puts exactly the
# expected files there with the expected modes; the installed binaries run
# from there (--version, --help, --check-config on the installed example and
# on good and broken files, which must name FILE:LINE); every man page
# renders without a groff warning; the systemd unit passes
# `systemd-analyze verify`; `make uninstall` takes everything away again.
# No network namespace: nothing is attached.
set -u
. "$(dirname "$0")/lib.sh"
require_cmd make groff man

DEST=$XS_TMP/dest
SBIN=$DEST/usr/sbin

make -s -C "$XS_ROOT" install BUILD="$BUILD" DESTDIR="$DEST" PREFIX=/usr \
	>"$XS_TMP/install.log" 2>&1 || fail "make install: $(tail -5 "$XS_TMP/install.log")"

want="644 usr/lib/systemd/system/xdpsecd.service
644 usr/share/doc/xdpsec/examples/xdpsec.conf
644 usr/share/doc/xdpsec/maps.md
644 usr/share/man/man5/xdpsec.conf.5
644 usr/share/man/man8/xdpsecctl.8
644 usr/share/man/man8/xdpsecd.8
755 usr/sbin/xdpsecctl
755 usr/sbin/xdpsecd"
got=$(cd "$DEST" && find . -type f -printf '%m %P\n' | sort)
[ "$got" = "$want" ] || fail "installed files differ:
$(diff <(echo "$want") <(echo "$got"))"
grep -q "^ExecStart=/usr/sbin/xdpsecd -c /etc/xdpsec/xdpsec.conf$" \
	"$DEST/usr/lib/systemd/system/xdpsecd.service" || fail "ExecStart does not name /usr/sbin"
pass "make install DESTDIR PREFIX=/usr: 8 files, modes 755/644, ExecStart in /usr/sbin"

# ---- the installed binaries, run from the staging tree ----
"$SBIN/xdpsecd" --version | grep -q "^xdpsecd [0-9]" || fail "xdpsecd --version"
"$SBIN/xdpsecctl" --help | grep -q "reload" || fail "xdpsecctl --help"
"$SBIN/xdpsecd" --help | grep -q -- "--check-config" || fail "xdpsecd --help"
EXAMPLE=$DEST/usr/share/doc/xdpsec/examples/xdpsec.conf
"$SBIN/xdpsecd" -c "$EXAMPLE" --check-config >"$XS_TMP/ex.out" 2>&1 ||
	fail "the installed example does not pass --check-config: $(cat "$XS_TMP/ex.out")"
grep -q "configuration OK: instance default, uplink eth0, 1 worker(s), 0 IKE" "$XS_TMP/ex.out" ||
	fail "example: $(cat "$XS_TMP/ex.out")"
pass "installed xdpsecd --version/--help, xdpsecctl --help, the example passes --check-config"

# ---- --check-config: both halves of the file, FILE:LINE on errors ----
good()
{
	cat <<'EOF'
xdpsec {
	uplink = up0
	workers = 2
}
connections {
	devices {
		local_addrs = 192.0.2.1
		proposals = aes128gcm16-prfsha256-x25519
		local { auth = psk
			id = gw.install.test }
		remote { auth = psk
			 id = *@install.test }
		children { net { local_ts = 10.1.0.0/24
				 remote_ts = 10.200.0.0/16 } }
	}
}
secrets {
	ike-fleet {
		secret = "a-long-enough-test-psk-0123456789"
	}
}
EOF
}
# check_bad NAME SED-EXPRESSION PATTERN-ON-THE-BAD-LINE MESSAGE-PART
check_bad()
{
	local name=$1 expr=$2 pat=$3 msg=$4 f=$XS_TMP/$1.conf line
	good | sed "$expr" >"$f"
	chmod 600 "$f"
	line=$(grep -n -- "$pat" "$f" | head -1 | cut -d: -f1)
	[ -n "$line" ] || fail "check_bad $name: '$pat' not in the file"
	"$SBIN/xdpsecd" -c "$f" --check-config >"$XS_TMP/$name.out" 2>"$XS_TMP/$name.err" &&
		fail "--check-config accepted $name"
	grep -q "$f:$line: .*$msg" "$XS_TMP/$name.err" ||
		fail "$name: want '$f:$line: ...$msg', got: $(cat "$XS_TMP/$name.err")"
}
good >"$XS_TMP/good.conf"
chmod 600 "$XS_TMP/good.conf"
"$SBIN/xdpsecd" -c "$XS_TMP/good.conf" --check-config >"$XS_TMP/good.out" 2>&1 ||
	fail "good file refused: $(cat "$XS_TMP/good.out")"
grep -q "uplink up0, 2 worker(s), 1 IKE connection(s)" "$XS_TMP/good.out" ||
	fail "good file: $(cat "$XS_TMP/good.out")"
check_bad workers 's/workers = 2/workers = 0/' "workers = 0" "workers"
check_bad dataplane 's/workers = 2/dataplane = dpdk/' "dataplane = dpdk" "dataplane"
check_bad proposal 's/aes128gcm16-prfsha256-x25519/3des-md5-modp1024/' "3des" "3des"
check_bad auth 's/remote { auth = psk/remote { auth = xauth/' "auth = xauth" "xauth"
check_bad ts 's|remote_ts = 10.200.0.0/16|remote_ts = 10.300.0.0/16|' "10.300" "10.300"
# a file with a secret that others can read: a warning naming it
chmod 644 "$XS_TMP/good.conf"
"$SBIN/xdpsecd" -c "$XS_TMP/good.conf" --check-config >/dev/null 2>"$XS_TMP/mode.err" ||
	fail "world-readable file: $(cat "$XS_TMP/mode.err")"
grep -q "good.conf: holds secrets and every user may read it" "$XS_TMP/mode.err" ||
	fail "no warning for a world-readable PSK file: $(cat "$XS_TMP/mode.err")"
pass "--check-config: a good file with a connection passes (a warning when others may" \
	"read its PSK); bad workers, dataplane, proposal, auth and TS are refused, naming FILE:LINE"

# ---- man pages ----
for page in man8/xdpsecd.8 man8/xdpsecctl.8 man5/xdpsec.conf.5; do
	f=$DEST/usr/share/man/$page
	warn=$(groff -man -ww -z -Tutf8 "$f" 2>&1)
	[ -z "$warn" ] || fail "groff warns on $page: $warn"
	out=$(MANWIDTH=80 man -l -Tutf8 "$f" 2>&1 >/dev/null)
	[ -z "$out" ] || fail "man -l $page: $out"
	MANWIDTH=80 man -l "$f" 2>/dev/null | grep -q "^NAME" || fail "man -l $page has no NAME"
done
MANWIDTH=80 man -l "$DEST/usr/share/man/man8/xdpsecd.8" | grep -q "SIGHUP" ||
	fail "xdpsecd(8) does not describe SIGHUP"
pass "man -l renders xdpsecd(8), xdpsecctl(8), xdpsec.conf(5) without warnings"

# ---- the systemd unit ----
if command -v systemd-analyze >/dev/null 2>&1; then
	# The unit names /usr/sbin; verify a copy that names the staging tree.
	sed "s|/usr/sbin/|$SBIN/|g" "$DEST/usr/lib/systemd/system/xdpsecd.service" \
		>"$XS_TMP/xdpsecd.service"
	MANPATH=$DEST/usr/share/man systemd-analyze verify "$XS_TMP/xdpsecd.service" \
		>"$XS_TMP/verify.out" 2>&1 || fail "systemd-analyze verify: $(cat "$XS_TMP/verify.out")"
	[ -s "$XS_TMP/verify.out" ] && fail "systemd-analyze verify says: $(cat "$XS_TMP/verify.out")"
	pass "systemd-analyze verify: the unit is clean (its man pages found too)"
else
	echo "SKIP: systemd-analyze missing: the unit is not verified"
fi

# ---- uninstall ----
make -s -C "$XS_ROOT" uninstall BUILD="$BUILD" DESTDIR="$DEST" PREFIX=/usr \
	>"$XS_TMP/uninstall.log" 2>&1 || fail "make uninstall: $(cat "$XS_TMP/uninstall.log")"
left=$(cd "$DEST" && find . -type f)
[ -z "$left" ] || fail "make uninstall left: $left"
pass "make uninstall removes every installed file"

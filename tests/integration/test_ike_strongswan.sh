#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# IKEv2 against strongSwan 5.9, the reference: xdpsecd as the concentrator
# with a strongSwan device behind a NAT, and xdpsecd as the device behind
# the NAT dialling a strongSwan concentrator.  Every handshake ends with ping
# and iperf3 through the tunnel and a check that xdpsec's AF_XDP workers
# carried it: PSK with four IKE/ESP suites in both roles, ECDSA certificates
# (RFC 7427) in both roles.  A wrong PSK and an untrusted certificate are
# refused by either side, and the refusal is logged.
#
#   $XS-dev              $XS-nat                    $XS-gw               $XS-lan
# +-------------+   +------------------+      +----------------+    +-----------+
# | sensor0     |   | in0        out0  |      | up0      lan0  |    | eth0      |
# | 10.200.1.1  |   | 192.168.1.1      |      | 192.0.2.1      |    | 10.1.0.10 |
# | eth0        +---+       192.0.2.254+------+       10.1.0.1 +----+           |
# | 192.168.1.2 |   | masquerade       |      |                |    |           |
# +-------------+   +------------------+      +----------------+    +-----------+
#  device: charon or xdpsecd               concentrator: xdpsecd or charon
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nat_testbed.sh"
. "$(dirname "$0")/strongswan.sh"
. "$(dirname "$0")/ike_helpers.sh"
require_cmd iperf3 nft /usr/lib/ipsec/charon swanctl jq

PSK=xdpsec-interop-test-psk-0123456789
GW=${XS}g
DEV=${XS}d

# The certificates: strongSwan's own test PKI from the captured vectors
# (trusted), and a CA of ours nobody here trusts (for the refusals).
SSPKI=$XS_DIR/../unit/pki/strongswan-5.9.8
OURPKI=$XS_DIR/../unit/pki
KEYS=$XS_TMP/keys
mkdir -p "$KEYS" && chmod 700 "$KEYS"
install -m 600 "$SSPKI/gw.key" "$KEYS/gw.key"
install -m 600 "$SSPKI/dev1.key" "$KEYS/dev1.key"
install -m 600 "$OURPKI/other-ee.key" "$KEYS/other-ee.key"

# The xdpsec side: $1 role (gw|dev), $2 IKE proposals, $3 ESP proposals,
# $4 auth (psk|cert|cert-untrusted), $5 PSK, $6 the peer's auth.  A peer
# with the untrusted certificate is expected under that certificate's
# identity, so that only the trust in its CA can refuse it.
xdpsec_conf()
{
	local role=$1 prop=$2 esp=$3 auth=$4 psk=$5 peer=$6 name=${1/dev/dev1} id="" rid=""
	local cert key lauth="auth = psk" rauth="auth = psk"
	[ "$peer" = cert-untrusted ] && rid=gw.xdpsec.test
	if [ "$auth" != psk ]; then
		cert=$SSPKI/$name.crt key=$KEYS/$name.key
		if [ "$auth" = cert-untrusted ]; then
			cert=$OURPKI/other-ee.crt key=$KEYS/other-ee.key id=gw.xdpsec.test
		fi
		lauth="auth = pubkey
			certs = $cert" rauth="auth = pubkey
			cacerts = $SSPKI/ca.crt"
	fi
	if [ "$role" = gw ]; then xs_section up0 lan0; else xs_section eth0 sensor0; fi
	IKE_ID=$id IKE_RID=$rid IKE_PROPOSALS=$prop IKE_ESP=$esp \
		ike_conn "$role" ss-anchor.test "" "" "$lauth" "$rauth"
	if [ "$auth" = psk ]; then
		PSK=$psk ike_psk_secret
	else
		printf 'secrets {\n\tprivate-key {\n\t\tfile = %s\n\t}\n}\n' "$key"
	fi
}

# The strongSwan side, same arguments; the device waits for swanctl --initiate.
strongswan_conf()
{
	local role=$1 prop=$2 esp=$3 auth=$4 psk=$5 peer=$6 id="" rid="" lauth="auth = psk"
	[ "$peer" = cert-untrusted ] && rid=gw.xdpsec.test
	case $auth in
	cert) lauth="auth = pubkey
			certs = ${role/dev/dev1}.crt" ;;
	cert-untrusted) id=gw.xdpsec.test lauth="auth = pubkey
			certs = other-ee.crt" ;;
	esac
	IKE_ID=$id IKE_RID=$rid IKE_PROPOSALS=$prop IKE_ESP=$esp IKE_DEV_START="" \
		ike_conn "$role" ss-anchor.test "" "" "$lauth" \
		"$([ "$auth" = psk ] && echo "auth = psk" || echo "auth = pubkey")"
	PSK=$psk ike_psk_secret
}

# Certificates and keys into a charon's swanctl directory: $1 name, $2 auth, $3 role.
strongswan_creds()
{
	local dir=$XS_TMP/ss-$1/swanctl name=${3/dev/dev1}
	mkdir -p "$dir/x509" "$dir/x509ca" "$dir/ecdsa"
	cp "$SSPKI/ca.crt" "$dir/x509ca/"
	if [ "$2" = cert-untrusted ]; then
		cp "$OURPKI/other-ee.crt" "$dir/x509/"
		install -m 600 "$OURPKI/other-ee.key" "$dir/ecdsa/"
	elif [ "$2" = cert ]; then
		cp "$SSPKI/$name.crt" "$dir/x509/"
		install -m 600 "$SSPKI/$name.key" "$dir/ecdsa/"
	fi
}

N=0
# One handshake: $1 who initiates (strongswan|xdpsec), $2 IKE proposals,
# $3 ESP proposals, $4 xdpsec's auth, $5 strongSwan's auth, $6 xdpsec's PSK,
# $7 expect (ok|refused).  strongSwan is always the other role.
handshake()
{
	local init=$1 prop=$2 esp=$3 xauth=$4 sauth=$5 xpsk=$6 expect=$7
	local xrole srole xns sns inst ss pid label
	N=$((N + 1))
	if [ "$init" = strongswan ]; then
		xrole=gw srole=dev xns=$XS-gw sns=$XS-dev inst=$GW
	else
		xrole=dev srole=gw xns=$XS-dev sns=$XS-gw inst=$DEV
	fi
	ss=ss$N
	label="$init initiates, $prop, xdpsec $xauth / strongSwan $sauth"
	xdpsec_conf "$xrole" "$prop" "$esp" "$xauth" "$xpsk" "$sauth" >"$XS_TMP/x$N.conf"
	strongswan_creds "$ss" "$sauth" "$srole"
	ss_start "$sns" "$ss" "$(strongswan_conf "$srole" "$prop" "$esp" "$sauth" "$PSK" "$xauth")"
	start_xdpsecd "$xns" "$inst" "$XS_TMP/x$N.conf"
	pid=$XS_LAST_PID
	if [ "$init" = strongswan ]; then
		ss_ctl "$ss" --initiate --child net --timeout 10 >"$XS_TMP/init$N.log" 2>&1
		rc=$?
	else
		wait_for -t 10 xs_installed "$inst"
		rc=$?
	fi
	if [ "$expect" = ok ]; then
		[ "$rc" = 0 ] || fail "$label: no tunnel; $(tail -3 "$XS_TMP/init$N.log" 2>/dev/null)"
		"$BUILD/xdpsecctl" -i "$inst" list-sas | grep -q ESTABLISHED ||
			fail "$label: xdpsecd lists no ESTABLISHED IKE SA"
		check_traffic "$label" "xdpsec's" "$inst"
	else
		[ "$rc" != 0 ] || fail "$label: a tunnel came up"
		wait_for -t 10 grep -qi "authentication.*failed\|AUTHENTICATION_FAILED" \
			"$XS_TMP/$inst.log" || fail "$label: xdpsecd logged no refusal"
		grep -qi "AUTH_FAILED\|AUTHENTICATION_FAILED\|MAC mismatched\|no trusted\|not trusted\|constraint check failed\|signature validation failed" \
			"$(ss_log "$ss")" || fail "$label: charon logged no refusal"
		[ "$("$BUILD/xdpsecctl" -i "$inst" sa list -j | jq '.sas | length')" = 0 ] ||
			fail "$label: SAs were installed"
		pass "$label: refused and logged on both sides"
	fi
	stop_xdpsecd "$pid"
	ss_stop "$ss"
}

build_testbed
nsexec_bg "$XS-lan" "$XS_TMP/iperf-s.log" iperf3 -s -p 5201

[ -n "${ONLY_REFUSALS:-}" ] || for p in aes128gcm16-prfsha256-x25519:aes128gcm16 aes256gcm16-prfsha384-ecp384:aes256gcm16 \
	chacha20poly1305-prfsha256-x25519:chacha20poly1305 aes256-sha256-modp2048:aes256-sha256; do
	handshake strongswan "${p%%:*}" "${p##*:}" psk psk "$PSK" ok
	handshake xdpsec "${p%%:*}" "${p##*:}" psk psk "$PSK" ok
done
CERT_SUITE=(aes128gcm16-prfsha256-x25519 aes128gcm16)
[ -n "${ONLY_REFUSALS:-}" ] || handshake strongswan "${CERT_SUITE[@]}" cert cert "$PSK" ok
[ -n "${ONLY_REFUSALS:-}" ] || handshake xdpsec "${CERT_SUITE[@]}" cert cert "$PSK" ok

# Refusals: a wrong PSK, then a certificate from a CA the verifier does not
# trust, each checked with either side as the verifier.
handshake strongswan "${CERT_SUITE[@]}" psk psk "not-the-$PSK" refused
handshake xdpsec "${CERT_SUITE[@]}" psk psk "not-the-$PSK" refused
handshake strongswan "${CERT_SUITE[@]}" cert cert-untrusted "$PSK" refused
handshake xdpsec "${CERT_SUITE[@]}" cert-untrusted cert "$PSK" refused

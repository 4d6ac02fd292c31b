#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Regenerates the certificate fixtures of test_ike_cert and test_ike_sig
# with strongSwan's pki tool (package strongswan-pki), the tool a strongSwan
# peer's administrator uses, so the encodings are the ones we meet.
#
#   ca (ECDSA P-256, self-signed) ----+-- ee-p256      all four SAN types
#                                     +-- ee-rsa2048   RFC 822 SAN
#                                     +-- ee-rsa3072   IPv6 + FQDN SANs
#                                     +-- ee-ed25519   FQDN SAN
#                                     +-- expired      valid 2020 .. 2021
#                                     +-- sub (intermediate CA, ECDSA P-384)
#                                           +-- ee-p384 IPv4 + FQDN SANs
#   other-ca (ECDSA P-256) -------------- other-ee     same FQDN as ee-p256
#   pss-self (RSA 2048, self-signed with RSASSA-PSS, SHA-256)
#
# Fixed validity (UTC): CAs 2026-01-01 .. 2056-01-01, end entities
# 2026-01-01 .. 2046-01-01, so tests can check at a fixed time.  Key files
# are written with mode 0600; git keeps only the x bit, so the tests copy
# each key to a 0600 temporary file before loading it.  Formats are mixed
# on purpose: PEM and DER certificates, PEM (traditional and PKCS#8) and
# DER keys.
#
# strongswan-5.9.8/ holds the test CA, certificates and keys of the
# captured strongSwan exchange (shared/vectors/strongswan-5.9.8/pki); they
# are copied, not regenerated, because the capture was signed with them.
set -euo pipefail

cd "$(dirname "$0")"
export TZ=UTC
umask 077

DATES=(--dateform "%Y-%m-%d %H:%M:%S")
CA_LIFE=(--not-before "2026-01-01 00:00:00" --not-after "2056-01-01 00:00:00")
EE_LIFE=(--not-before "2026-01-01 00:00:00" --not-after "2046-01-01 00:00:00")
OLD_LIFE=(--not-before "2020-01-01 00:00:00" --not-after "2021-01-01 00:00:00")
DN="C=XX, O=xdpsec test"

# pki prints a line per plugin it cannot load; show its stderr only on failure.
pki_q() {
	local log
	log=$(mktemp)
	if ! pki "$@" 2>"$log"; then
		grep -v "^plugin '" "$log" >&2
		rm -f "$log"
		return 1
	fi
	rm -f "$log"
}

# gen_key NAME TYPE SIZE FORM
gen_key() {
	if [ "$2" = ed25519 ]; then
		pki_q --gen --type ed25519 --outform "$4" >"$1.key"
	else
		pki_q --gen --type "$2" --size "$3" --outform "$4" >"$1.key"
	fi
	chmod 600 "$1.key"
}

# self_ca NAME CN
self_ca() {
	pki_q --self --in "$1.key" --type priv --ca --dn "$DN, CN=$2" \
		"${CA_LIFE[@]}" "${DATES[@]}" --outform pem >"$1.crt"
}

# issue NAME ISSUER FORM CN LIFE... -- EXTRA...
issue() {
	local name=$1 issuer=$2 form=$3 cn=$4
	shift 4
	pki_q --pub --in "$name.key" --type priv |
		pki_q --issue --cacert "$issuer.crt" --cakey "$issuer.key" \
			--dn "$DN, CN=$cn" "${DATES[@]}" --outform "$form" "$@" >"$name.crt"
}

gen_key ca ecdsa 256 pem
self_ca ca "xdpsec test root CA"

gen_key sub ecdsa 384 der
issue sub ca pem "xdpsec test intermediate CA" "${CA_LIFE[@]}" --ca --pathlen 0

gen_key ee-p256 ecdsa 256 pem
issue ee-p256 ca pem gw.xdpsec.test "${EE_LIFE[@]}" \
	--san gw.xdpsec.test --san gw@xdpsec.test --san 192.0.2.1 --san 2001:db8::1 \
	--flag serverAuth --flag clientAuth

gen_key ee-p384 ecdsa 384 der
issue ee-p384 sub pem p384.xdpsec.test "${EE_LIFE[@]}" \
	--san p384.xdpsec.test --san 192.0.2.2

gen_key ee-rsa2048 rsa 2048 pem
issue ee-rsa2048 ca der rsa2048@xdpsec.test "${EE_LIFE[@]}" --san rsa2048@xdpsec.test

gen_key ee-rsa3072 rsa 3072 der
issue ee-rsa3072 ca pem rsa3072.xdpsec.test "${EE_LIFE[@]}" \
	--san rsa3072.xdpsec.test --san 2001:db8::3072

gen_key ee-ed25519 ed25519 0 pem
issue ee-ed25519 ca pem ed25519.xdpsec.test "${EE_LIFE[@]}" --san ed25519.xdpsec.test

gen_key expired ecdsa 256 pem
issue expired ca pem expired.xdpsec.test "${OLD_LIFE[@]}" --san expired.xdpsec.test

gen_key other-ca ecdsa 256 pem
self_ca other-ca "some other CA"
gen_key other-ee ecdsa 256 pem
issue other-ee other-ca pem gw.xdpsec.test "${EE_LIFE[@]}" --san gw.xdpsec.test

# A signature strongSwan made with RSASSA-PSS, which we verify but never
# produce: the self-signature of this certificate (its key is not kept).
gen_key pss-self rsa 2048 der
pki_q --self --in pss-self.key --type priv --dn "$DN, CN=rsa-pss.xdpsec.test" \
	--rsa-padding pss "${EE_LIFE[@]}" "${DATES[@]}" --outform pem >pss-self.crt
rm -f pss-self.key

chmod 644 ./*.crt
ls -l

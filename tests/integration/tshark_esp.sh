#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Decrypt the ESP in a capture with tshark 4.0, given the SAs, and print the
# packets, so that a test can grep for the inner ICMP/TCP/UDP.  An
# independent decoder: what it decrypts was built to the RFCs, not merely to
# agree with our own code.
#
# Usage: tshark_esp.sh [-V] [-k] [-Y FILTER] [-e FIELD]... PCAP SA... [-- TSHARK_ARGS...]
#   SA     one argument: "[FAMILY] SRC DST SPI ENC ENC_KEY [AUTH AUTH_KEY]",
#          fields separated by blanks, or by "|" when a field holds spaces;
#          "-" reads such lines from stdin ('#' starts a comment)
#   FAMILY IPv4 or IPv6; by default it follows from SRC and DST
#   SRC, DST  outer addresses, or '*' for any
#   SPI    0x... or decimal, or '*'
#   ENC    aes-gcm (also aes-gcm-128, aes-gcm-256), aes-cbc (aes-cbc-128,
#          aes-cbc-256), null, or a name exactly as Wireshark spells it
#   AUTH   hmac-sha256 (HMAC-SHA-256-128), hmac-sha1, hmac-sha384,
#          hmac-sha512, null (the default; right for AEAD)
#   keys   hex, with or without 0x, "-" for none.  AES-GCM keys are the key
#          followed by the 4-byte salt (RFC 4106): 20 or 36 bytes.
#   -V     full dissection (tshark -V) instead of the field list
#   -Y     display filter instead of "esp"
#   -e     print these fields instead of the default ones (repeatable)
#   -k     keep the temporary config directory (its path goes to stderr)
#
# Default output, one tab-separated line per frame:
#   frame  spi  seq  ip.src  ip.dst  ipv6.src  ipv6.dst  icv_good  icv_bad  protocol  info
# A decrypted frame lists outer,inner addresses and names the inner
# protocol ("ICMP  Echo (ping) request ..."); one that did not decrypt
# shows protocol "ESP".  icv_bad is 1 for a packet that fails its integrity
# check (it may still be shown decrypted: GCM is a stream cipher).
#
# How tshark 4.0 takes SAs: the "esp_sa" UAT file in the personal config
# directory ($WIRESHARK_CONFIG_DIR here), one SA per line, 8 quoted CSV
# fields: protocol, source, destination, SPI, encryption algorithm,
# encryption key, authentication algorithm, authentication key:
#   "IPv4","10.77.0.1","10.77.0.2","0x00001001","AES-GCM with 16 octet ICV [RFC4106]","0x000102030405060708090a0b0c0d0e0faabbccdd","NULL",""
# plus -o esp.enable_encryption_decode:TRUE (and enable_authentication_check
# for icv_good/icv_bad).  Algorithm names tshark 4.0 accepts, as tested:
#   AES-GCM-128, AES-GCM-256  "AES-GCM with 16 octet ICV [RFC4106]" (the key
#                             length, 20 or 36 bytes with salt, picks the size)
#   AES-CBC-128, AES-CBC-256  "AES-CBC [RFC3602]" (16 or 32-byte key) with
#                             "HMAC-SHA-256-128 [RFC4868]" (32-byte key)
#   AEAD integrity            "NULL" with an empty key
#   ChaCha20-Poly1305 (RFC 7634): not in tshark 4.0's ESP dissector.

set -u

usage()
{
	sed -n '9,26s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

die()
{
	echo "tshark_esp.sh: $*" >&2
	exit 2
}

enc_name()
{
	case ${1,,} in
	aes-gcm | aes-gcm-128 | aes-gcm-256 | aes-gcm-16 | aes128gcm16 | aes256gcm16)
		echo "AES-GCM with 16 octet ICV [RFC4106]" ;;
	aes-cbc | aes-cbc-128 | aes-cbc-256 | aes128 | aes256)
		echo "AES-CBC [RFC3602]" ;;
	null) echo "NULL" ;;
	*) case $1 in
	   "NULL" | "TripleDES-CBC [RFC2451]" | "AES-CBC [RFC3602]" | \
	   "AES-CTR [RFC3686]" | "DES-CBC [RFC2405]" | "CAST5-CBC [RFC2144]" | \
	   "BLOWFISH-CBC [RFC2451]" | "TWOFISH-CBC" | \
	   "AES-GCM with "[0-9]*" octet ICV [RFC4106]") echo "$1" ;;
	   *) die "unknown encryption algorithm '$1'" ;;
	   esac ;;
	esac
}

auth_name()
{
	case ${1,,} in
	hmac-sha256 | hmac-sha2-256 | hmac-sha256-128 | sha256 | sha2-256-128)
		echo "HMAC-SHA-256-128 [RFC4868]" ;;
	hmac-sha1 | hmac-sha1-96 | sha1) echo "HMAC-SHA-1-96 [RFC2404]" ;;
	hmac-sha384 | hmac-sha384-192 | sha384) echo "HMAC-SHA-384-192 [RFC4868]" ;;
	hmac-sha512 | hmac-sha512-256 | sha512) echo "HMAC-SHA-512-256 [RFC4868]" ;;
	null | none | aead) echo "NULL" ;;
	*) case $1 in
	   "HMAC-"* | "MAC-RIPEMD-160-96 [RFC2857]" | "ANY "*) echo "$1" ;;
	   *) die "unknown authentication algorithm '$1'" ;;
	   esac ;;
	esac
}

# "0x" + lowercase hex, or "" for "-".
hex_key()
{
	local k=${1#0[xX]}

	[ "$k" = - ] && return
	[[ $k =~ ^([0-9a-fA-F]{2})+$ ]] || die "key '$1' is not an even number of hex digits"
	echo "0x${k,,}"
}

key_bytes()
{
	echo $(((${#1} - 2) / 2))
}

check_key_len()
{
	local enc=$1 key=$2 n

	n=$(key_bytes "$key")
	case $enc in
	"AES-GCM"*) [[ $n =~ ^(20|28|36)$ ]] ||
		die "AES-GCM key is $n bytes: give key || 4-byte salt (20 or 36 bytes)" ;;
	"AES-CBC"*) [[ $n =~ ^(16|24|32)$ ]] || die "AES-CBC key is $n bytes" ;;
	esac
}

# One SA in our notation -> one esp_sa UAT line.
sa_to_uat()
{
	local -a f
	local proto="" spi enc ekey auth="NULL" akey="" i

	if [[ $1 == *"|"* ]]; then
		# "|"-separated: fields may hold spaces (Wireshark's own names).
		IFS='|' read -ra f <<<"$1"
		for i in "${!f[@]}"; do
			f[i]=${f[i]#"${f[i]%%[![:space:]]*}"}
			f[i]=${f[i]%"${f[i]##*[![:space:]]}"}
		done
	else
		read -ra f <<<"$1"
	fi
	case ${f[0],,} in
	ipv4) proto=IPv4; f=("${f[@]:1}") ;;
	ipv6) proto=IPv6; f=("${f[@]:1}") ;;
	esac
	[ ${#f[@]} -eq 5 ] || [ ${#f[@]} -eq 7 ] ||
		die "SA needs SRC DST SPI ENC KEY [AUTH KEY]: '$1'"
	if [ -z "$proto" ]; then
		case "${f[0]}${f[1]}" in
		*:*) proto=IPv6 ;;
		*) proto=IPv4 ;;
		esac
	fi
	spi=${f[2]}
	if [ "$spi" != "*" ]; then
		[[ $spi =~ ^(0[xX][0-9a-fA-F]{1,8}|[0-9]+)$ ]] || die "bad SPI '$spi'"
		spi=$(printf '0x%08x' "$((spi))")
	fi
	enc=$(enc_name "${f[3]}") || exit 2
	ekey=$(hex_key "${f[4]}") || exit 2
	[ -n "$ekey" ] && check_key_len "$enc" "$ekey"
	if [ ${#f[@]} -eq 7 ]; then
		auth=$(auth_name "${f[5]}") || exit 2
		akey=$(hex_key "${f[6]}") || exit 2
	fi
	printf '"%s","%s","%s","%s","%s","%s","%s","%s"\n' \
		"$proto" "${f[0]}" "${f[1]}" "$spi" "$enc" "$ekey" "$auth" "$akey"
}

verbose=0
keep=0
filter=esp
fields=()
while getopts "VkY:e:h" opt; do
	case $opt in
	V) verbose=1 ;;
	k) keep=1 ;;
	Y) filter=$OPTARG ;;
	e) fields+=("$OPTARG") ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || usage
pcap=$1
shift
[ -r "$pcap" ] || die "cannot read $pcap"

cfg=$(mktemp -d /tmp/tshark_esp.XXXXXX) || exit 2
if [ $keep = 1 ]; then
	echo "tshark_esp.sh: config in $cfg" >&2
else
	trap 'rm -rf "$cfg"' EXIT
fi

nsa=0
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	if [ "$1" = - ]; then
		while IFS= read -r line; do
			line=${line%%#*}
			[ -n "${line//[[:space:]]/}" ] || continue
			sa_to_uat "$line" >>"$cfg/esp_sa" || exit 2
			nsa=$((nsa + 1))
		done
	else
		sa_to_uat "$1" >>"$cfg/esp_sa" || exit 2
		nsa=$((nsa + 1))
	fi
	shift
done
[ "${1:-}" = "--" ] && shift
[ $nsa -gt 0 ] || die "no SA given"

if [ $verbose = 1 ]; then
	out=(-V)
else
	[ ${#fields[@]} -gt 0 ] || fields=(frame.number esp.spi esp.sequence ip.src ip.dst
		ipv6.src ipv6.dst esp.icv_good esp.icv_bad _ws.col.Protocol _ws.col.Info)
	out=(-T fields)
	for f in "${fields[@]}"; do
		out+=(-e "$f")
	done
fi

WIRESHARK_CONFIG_DIR=$cfg tshark -n -r "$pcap" \
	-o esp.enable_encryption_decode:TRUE \
	-o esp.enable_authentication_check:TRUE \
	-Y "$filter" "${out[@]}" "$@" 2> >(grep -v '^Running as user' >&2)

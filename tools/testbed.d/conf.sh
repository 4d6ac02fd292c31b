# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash disable=SC2034 # sourced by tools/testbed
#
# tools/testbed: credentials and configuration files.  Sourced by
# tools/testbed; writes under $TB_STATE (gw/ and dev/<i>/), every file holding
# a secret mode 0600 in a 0700 directory.
#
#   creds_make          a fleet of PSKs, or a CA + ECDSA P-256 certificates
#   gw_conf             the concentrator's xdpsecd.conf
#   dev_xdpsec_conf I   device I's xdpsecd.conf
#   dev_ss_files I      device I's strongswan.conf, swanctl.conf, certificates

TB_PROPOSALS=aes128gcm16-prfsha256-x25519
TB_ESP=aes128gcm16
TB_GW_ID=gw.testbed
TB_DEV_DOMAIN=devices.testbed
# Plugins for charon with userspace ESP (shared/notes/strongswan-peer.md):
# kernel-libipsec before kernel-netlink.
TB_SS_PLUGINS="random nonce openssl pem pkcs1 pkcs8 x509 pubkey constraints revocation aes gcm
chapoly sha1 sha2 hmac kdf curve25519 kernel-libipsec kernel-netlink socket-default vici"

dev_id()
{
	echo "dev$1@$TB_DEV_DOMAIN"
}

dev_dir()
{
	echo "$TB_STATE/dev/$1"
}

# pki without its plugin-loading chatter.
_pki()
{
	pki "$@" 2>/dev/null
}

# _pki_issue KEY CERT DN SAN [--flag serverAuth]: an ECDSA P-256 key and a
# certificate signed by the test-bed CA.
_pki_issue()
{
	local key=$1 crt=$2 dn=$3 san=$4

	shift 4
	(umask 077 && _pki --gen --type ecdsa --size 256 --outform pem >"$key") &&
		_pki --pub --in "$key" --type ecdsa |
		_pki --issue --lifetime 30 --cacert "$TB_STATE/gw/ca.crt" \
			--cakey "$TB_STATE/gw/ca.key" --dn "$dn" --san "$san" "$@" \
			--outform pem >"$crt"
}

_creds_psk()
{
	local i

	for ((i = 1; i <= TB_NDEV; i++)); do
		(umask 077 && openssl rand -hex 24 >"$(dev_dir "$i")/psk")
	done
}

_creds_cert()
{
	local gw=$TB_STATE/gw

	(umask 077 && _pki --gen --type ecdsa --size 256 --outform pem >"$gw/ca.key") &&
		_pki --self --ca --lifetime 30 --in "$gw/ca.key" --type ecdsa \
			--dn "O=xdpsec testbed $TB_NAME, CN=testbed CA" --outform pem >"$gw/ca.crt" &&
		_pki_issue "$gw/gw.key" "$gw/gw.crt" "O=xdpsec testbed, CN=$TB_GW_ID" \
			"$TB_GW_ID" --flag serverAuth || return 1
	export -f _pki _pki_issue
	export TB_STATE
	# Two at a time: key generation and signing are CPU-bound.
	seq 1 "$TB_NDEV" | xargs -P 2 -I{} bash -c \
		'_pki_issue "$0/dev/{}/dev.key" "$0/dev/{}/dev.crt" "O=xdpsec testbed, CN=dev{}@$1" dev{}@$1' \
		"$TB_STATE" "$TB_DEV_DOMAIN"
}

creds_make()
{
	local i

	(umask 077 && mkdir -p "$TB_STATE/gw") || return 1
	for ((i = 1; i <= TB_NDEV; i++)); do
		(umask 077 && mkdir -p "$(dev_dir "$i")") || return 1
	done
	if [ "$TB_AUTH" = psk ]; then _creds_psk; else _creds_cert; fi
}

# ---- the concentrator ---------------------------------------------------

_gw_auth()
{
	if [ "$TB_AUTH" = psk ]; then
		cat <<EOF
		local {
			auth = psk
			id = $TB_GW_ID
		}
		remote {
			auth = psk
			id = *@$TB_DEV_DOMAIN
		}
EOF
	else
		cat <<EOF
		local {
			auth = pubkey
			certs = $TB_STATE/gw/gw.crt
			id = $TB_GW_ID
		}
		remote {
			auth = pubkey
			id = *@$TB_DEV_DOMAIN
			cacerts = $TB_STATE/gw/ca.crt
		}
EOF
	fi
}

# One secret per device, selected by the device's identity.
_gw_secrets()
{
	local i

	if [ "$TB_AUTH" = cert ]; then
		printf '\tprivate-gw {\n\t\tfile = %s\n\t}\n' "$TB_STATE/gw/gw.key"
		return
	fi
	for ((i = 1; i <= TB_NDEV; i++)); do
		printf '\tike-dev%d {\n\t\tid = %s\n\t\tsecret = 0x%s\n\t}\n' \
			"$i" "$(dev_id "$i")" "$(cat "$(dev_dir "$i")/psk")"
	done
}

gw_conf()
{
	local sas=$((4 * TB_NDEV + 64)) devs=$((2 * TB_NDEV + 16))

	cat <<EOF
xdpsec {
	uplink = up0
	lan = lan0
	instance = $TB_GW_INST
	max_sas = $((sas > 4096 ? sas : 4096))
	max_devices = $((devs > 1024 ? devs : 1024))
}
connections {
	devices {
		local_addrs = $TB_GW_ADDR
		proposals = $TB_PROPOSALS
$(_gw_auth)
		children {
			net {
				local_ts = $TB_LAN_NET
				remote_ts = $TB_SENSOR_ALL
				esp_proposals = $TB_ESP
			}
		}
	}
}
secrets {
$(_gw_secrets)
}
EOF
}

# ---- devices ------------------------------------------------------------

# _dev_auth I CERTDIR: local/remote sections for device I.
_dev_auth()
{
	local i=$1 dir=$2

	if [ "$TB_AUTH" = psk ]; then
		cat <<EOF
		local {
			auth = psk
			id = $(dev_id "$i")
		}
		remote {
			auth = psk
			id = $TB_GW_ID
		}
EOF
	else
		cat <<EOF
		local {
			auth = pubkey
			certs = $dir/dev.crt
			id = $(dev_id "$i")
		}
		remote {
			auth = pubkey
			id = $TB_GW_ID
			cacerts = $dir/ca.crt
		}
EOF
	fi
}

# _dev_conn I CERTDIR START_ACTION: the connections section of device I.
_dev_conn()
{
	local i=$1 start=$3

	cat <<EOF
connections {
	gw {
		local_addrs = $(dev_addr "$i")
		remote_addrs = $TB_GW_ADDR
		proposals = $TB_PROPOSALS
$(_dev_auth "$i" "$2")
		children {
			net {
				local_ts = $(dev_sensor_net "$i")
				remote_ts = $TB_LAN_NET
				esp_proposals = $TB_ESP
				$start
			}
		}
	}
}
EOF
}

_dev_secret()
{
	local i=$1 key=${2:-}

	if [ "$TB_AUTH" = psk ]; then
		printf 'secrets {\n\tike-gw {\n\t\tid = %s\n\t\tsecret = 0x%s\n\t}\n}\n' \
			"$(dev_id "$i")" "$(cat "$(dev_dir "$i")/psk")"
	else
		printf 'secrets {\n\tprivate-dev {\n\t\tfile = %s\n\t}\n}\n' "$key"
	fi
}

# Small maps: a device has one peer and one Child SA.
dev_xdpsec_conf()
{
	local i=$1 dir

	dir=$(dev_dir "$i")
	[ "$TB_AUTH" = cert ] && cp "$TB_STATE/gw/ca.crt" "$dir/ca.crt"
	(
		umask 077
		cat >"$dir/xdpsecd.conf" <<EOF
xdpsec {
	uplink = eth0
	lan = sensor0
	instance = $(dev_inst "$i")
	max_sas = 64
	max_devices = 8
	umem_frames = 1024
}
$(_dev_conn "$i" "$dir" "start_action = start")
$(_dev_secret "$i" "$dir/dev.key")
EOF
	)
}

# charon's own settings: the state directory is bind-mounted on /run inside
# its mount namespace, so every path below /run is private to the device.
_ss_strongswan_conf()
{
	cat <<EOF
charon {
	load_modular = no
	load = $(echo $TB_SS_PLUGINS)
	threads = $TB_SS_THREADS
	retransmit_timeout = 1.0
	retransmit_tries = 4
	plugins {
		vici {
			socket = unix:///run/charon.vici
		}
	}
	filelog {
		charonlog {
			path = /run/charon.log
			append = no
			default = 1
			ike = 1
			cfg = 0
		}
	}
	syslog {
		daemon {
			default = -1
		}
	}
}
swanctl {
	load = pem pkcs1 pkcs8 x509 pubkey openssl random nonce
}
EOF
}

dev_ss_files()
{
	local i=$1 dir sw

	dir=$(dev_dir "$i")
	sw=$dir/swanctl
	(umask 077 && mkdir -p "$sw/x509" "$sw/x509ca" "$sw/ecdsa") || return 1
	_ss_strongswan_conf >"$dir/strongswan.conf"
	if [ "$TB_AUTH" = cert ]; then
		cp "$TB_STATE/gw/ca.crt" "$sw/x509ca/ca.crt"
		cp "$dir/dev.crt" "$sw/x509/dev.crt"
		install -m 600 "$dir/dev.key" "$sw/ecdsa/dev.key"
	fi
	# swanctl resolves relative certs against x509/; keys are found in ecdsa/.
	(
		umask 077
		{
			_dev_conn "$i" "$sw/x509" "" | sed "s|certs = $sw/x509/|certs = |; /cacerts = /d"
			if [ "$TB_AUTH" = psk ]; then _dev_secret "$i"; fi
		} >"$sw/swanctl.conf"
	)
}

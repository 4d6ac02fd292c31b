# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# strongSwan 5.9 as the reference gateway in tools/bench.sh.  This kernel
# has no ESP, so charon does ESP in userspace (kernel-libipsec, listed before
# kernel-netlink, or charon tries XFRM and fails): a TUN device, ipsec0,
# with the Child SA's routes in table 220, ESP always in UDP 4500.  Each
# charon runs in its gateway's namespace and in a private mount namespace
# whose /run is its own state directory, because charon 5.9.8 has its pid
# file and default vici socket compiled in.  See
# ../shared/notes/strongswan-peer.md (beside the checkout).

SS_CHARON=/usr/lib/ipsec/charon
SS_PLUGINS="random nonce openssl pem pkcs1 pkcs8 x509 pubkey constraints revocation aes gcm
chapoly sha1 sha2 hmac kdf curve25519 kernel-libipsec kernel-netlink socket-default vici"

ss_write_conf()
{
	local dir=$1

	cat >"$dir/strongswan.conf" <<-EOF
		charon {
			load_modular = no
			load = $(echo $SS_PLUGINS)
			port = 500
			port_nat_t = 4500
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
				}
			}
			syslog {
				daemon {
					default = -1
				}
			}
		}
	EOF
}

# ss_write_swanctl DIR LOCAL REMOTE LOCAL_TS REMOTE_TS MY_ID PEER_ID PSK
ss_write_swanctl()
{
	local dir=$1/swanctl

	mkdir -p "$dir"
	cat >"$dir/swanctl.conf" <<-EOF
		connections {
			bench {
				version = 2
				local_addrs = $2
				remote_addrs = $3
				proposals = aes128gcm16-prfsha256-x25519
				local {
					auth = psk
					id = $6
				}
				remote {
					auth = psk
					id = $7
				}
				children {
					net {
						local_ts = $4
						remote_ts = $5
						esp_proposals = aes128gcm16
						mode = tunnel
					}
				}
			}
		}
		secrets {
			ike-bench {
				id-a = $6
				id-b = $7
				secret = "$8"
			}
		}
	EOF
	chmod 600 "$dir/swanctl.conf"
}

# ss_swanctl DIR CMD ARGS...: swanctl against the charon whose state is DIR.
ss_swanctl()
{
	local dir=$1 cmd=$2

	shift 2
	SWANCTL_DIR=$dir/swanctl swanctl "$cmd" --uri "unix://$dir/charon.vici" "$@"
}

# ss_start NS DIR LOCAL REMOTE LOCAL_TS REMOTE_TS MY_ID PEER_ID PSK: charon
# up with the connection loaded; its pid in SS_LAST_PID.  Returns 1, with
# the reason in SS_WHY, if it cannot be started.
ss_start()
{
	local ns=$1 dir=$2

	[ -x "$SS_CHARON" ] || { SS_WHY="$SS_CHARON is not installed"; return 1; }
	mkdir -p "$dir"
	ss_write_conf "$dir"
	ss_write_swanctl "$dir" "${@:3}"
	ip netns exec "$ns" unshare -m --propagation private bash -c \
		"mount --bind '$dir' /run && exec env STRONGSWAN_CONF=/run/strongswan.conf $SS_CHARON" \
		>"$dir/charon.out" 2>&1 &
	SS_LAST_PID=$!
	bg_register "$SS_LAST_PID"
	wait_for test -S "$dir/charon.vici" || {
		SS_WHY="charon in $ns did not open its vici socket: $(tail -n 3 "$dir/charon.out")"
		return 1
	}
	ss_swanctl "$dir" --load-all >"$dir/load.log" 2>&1 || {
		SS_WHY="swanctl --load-all failed in $ns: $(tail -n 3 "$dir/load.log")"
		return 1
	}
}

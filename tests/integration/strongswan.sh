# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# strongSwan (charon 5.9, userspace ESP through kernel-libipsec) as a test
# peer inside a network namespace.  Source after lib.sh.
#
#   ss_start NS NAME SWANCTL_CONF_TEXT   start charon in NS with this swanctl.conf
#   ss_ctl NAME ARGS...                  swanctl against that charon (--uri added)
#   ss_log NAME                          path of its log (IKE/CHD at level 2)
#   ss_stop NAME                         stop that charon
#   SS_CHARON_EXTRA                      more lines for the charon { } section
#                                        (e.g. "fragment_size = 512")
#   SS_RETRANSMIT_TIMEOUT, SS_RETRANSMIT_TRIES   1.0 and 3 unless set
#   SS_LOG_LEVELS                        the filelog's levels (default = 1,
#                                        ike, chd and cfg = 2)
#
# charon 5.9.8 compiles in /var/run/charon.pid and the vici socket path, so
# each instance runs in a private mount namespace where its own state
# directory is bind-mounted on /run (see shared/notes/strongswan-peer.md).
# kernel-libipsec must come before kernel-netlink in the plugin list, or
# charon tries the kernel's XFRM, which has no ESP here.

SS_PLUGINS="random nonce openssl pem pkcs1 pkcs8 x509 pubkey constraints revocation aes gcm
chapoly sha1 sha2 hmac kdf curve25519 kernel-libipsec kernel-netlink socket-default vici"

_ss_dir()
{
	echo "$XS_TMP/ss-$1"
}

ss_log()
{
	echo "$(_ss_dir "$1")/charon.log"
}

_ss_write_conf()
{
	local dir=$1 levels=${SS_LOG_LEVELS:-"default = 1
			ike = 2
			chd = 2
			cfg = 2"}
	cat >"$dir/strongswan.conf" <<EOF
charon {
	load_modular = no
	load = $(echo $SS_PLUGINS)
	port = 500
	port_nat_t = 4500
	retransmit_timeout = ${SS_RETRANSMIT_TIMEOUT:-1.0}
	retransmit_tries = ${SS_RETRANSMIT_TRIES:-3}
	${SS_CHARON_EXTRA:-}
	plugins {
		vici {
			socket = unix:///run/charon.vici
		}
	}
	filelog {
		charonlog {
			path = /run/charon.log
			append = no
			flush_line = yes
			$levels
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

ss_start()
{
	local ns=$1 name=$2 conf=$3 dir
	dir=$(_ss_dir "$name")
	mkdir -p "$dir/swanctl/x509" "$dir/swanctl/x509ca" "$dir/swanctl/private" \
		"$dir/swanctl/ecdsa"
	_ss_write_conf "$dir"
	printf '%s\n' "$conf" >"$dir/swanctl/swanctl.conf"
	chmod 600 "$dir/swanctl/swanctl.conf"
	nsexec_bg "$ns" "$dir/stdout.log" unshare -m --propagation private \
		sh -c "mount --bind '$dir' /run && exec env STRONGSWAN_CONF=/run/strongswan.conf /usr/lib/ipsec/charon"
	echo "$XS_LAST_PID" >"$dir/pid"
	wait_for -t 10 test -S "$dir/charon.vici" || fail "charon $name did not start"
	ss_ctl "$name" --load-all >"$dir/load.log" 2>&1 ||
		fail "swanctl --load-all for $name: $(tail -3 "$dir/load.log")"
}

ss_ctl()
{
	local name=$1 dir
	dir=$(_ss_dir "$name")
	shift
	STRONGSWAN_CONF="$dir/strongswan.conf" SWANCTL_DIR="$dir/swanctl" \
		swanctl "$@" --uri "unix://$dir/charon.vici"
}

ss_stop()
{
	stop_pid "$(cat "$(_ss_dir "$1")/pid")"
}

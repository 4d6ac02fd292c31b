/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The maps of include/xdpsec_maps.h, defined once for both BPF objects.
 * uplink.bpf.o and tunnel.bpf.o each carry this identical set; the daemon
 * loads uplink first and hands every map to tunnel with bpf_map__reuse_fd,
 * which needs type, key, value, flags and max_entries to agree, hence one
 * header rather than two copies.  Nothing is pinned by libbpf: the daemon
 * pins under /sys/fs/bpf/xdpsec/<instance>/ itself.  max_entries are the
 * defaults; the daemon resizes with bpf_map__set_max_entries before load.
 *
 * Also here: xs_count(), the one place a verdict reason is counted.
 */
#ifndef XDPSEC_MAPS_BPF_H
#define XDPSEC_MAPS_BPF_H

/* Pass as a reason to count nothing (the worker counts that packet). */
#define XS_R_NONE XS_R_MAX

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XS_DEFAULT_MAX_SAS);
	__type(key, struct xs_spi_key);
	__type(value, __u32);
} xs_spi SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XS_DEFAULT_MAX_SAS);
	__type(key, __u32);
	__type(value, struct xs_sa_info);
} xs_sa_info SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XS_DEFAULT_MAX_SAS);
	__type(key, __u32);
	__type(value, struct xs_sa_stats);
} xs_sa_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XS_DEFAULT_MAX_SAS);
	__type(key, struct xs_policy_key);
	__type(value, struct xs_policy);
} xs_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XS_DEFAULT_MAX_DEVICES);
	__type(key, __u32);
	__type(value, struct xs_acl);
} xs_acl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XS_DEFAULT_MAX_DEVICES);
	__type(key, __u32);
	__type(value, struct xs_dev_stats);
} xs_dev_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XS_R_MAX);
	__type(key, __u32);
	__type(value, struct xs_counter);
} xs_reasons SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XS_MAX_WORKERS * XS_R_MAX);
	__type(key, __u32);
	__type(value, struct xs_counter);
} xs_wreasons SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XS_KEEPALIVE_PEERS);
	__type(key, struct xs_peer_key);
	__type(value, struct xs_peer_stats);
} xs_keepalive SEC(".maps");

/* XSKMAPs take no BTF for key and value: sizes only. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XS_MAX_QUEUES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} xs_xsk_up SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XS_MAX_QUEUES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} xs_xsk_tun SEC(".maps");

/* Count one verdict: per CPU, so plain adds. */
static __always_inline void xs_count(__u32 reason, __u64 bytes)
{
	struct xs_counter *c;

	c = bpf_map_lookup_elem(&xs_reasons, &reason);
	if (!c)
		return;
	c->packets += 1;
	c->bytes += bytes;
}

#endif /* XDPSEC_MAPS_BPF_H */

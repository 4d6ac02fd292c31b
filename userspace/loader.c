// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF object lifecycle: open both skeletons, size the maps for this
 * instance, load the uplink object, make the tunnel object reuse its maps,
 * pin the maps (with BTF, so bpftool prints named fields), mmap the
 * counters the workers write, attach and finally detach.  The uplink
 * program goes through libxdp's dispatcher when it can (loader_libxdp.c),
 * so that it shares the uplink; directly otherwise.
 */
#include "loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <xdp/libxdp.h>

#include "loader_libxdp.h"
#include "log.h"
#include "tunnel.skel.h"
#include "uplink.skel.h"

static void size_maps(struct xs_bpf *b)
{
	struct bpf_object *obj = b->up->obj;

	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "xs_spi"), b->max_sas);
	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "xs_sa_info"), b->max_sas);
	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "xs_sa_stats"), b->max_sas);
	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "xs_policy"), b->max_sas);
	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "xs_acl"), b->max_devices);
	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "xs_dev_stats"),
				 b->max_devices);
}

/* The tunnel object uses the uplink object's maps, matched by name. */
static int share_maps(struct xs_bpf *b)
{
	struct bpf_map *map, *src;
	int rc;

	bpf_object__for_each_map(map, b->tun->obj) {
		if (strncmp(bpf_map__name(map), "xs_", 3))
			continue;	/* .rodata and friends stay private */
		src = bpf_object__find_map_by_name(b->up->obj, bpf_map__name(map));
		if (!src)
			return -ENOENT;
		rc = bpf_map__reuse_fd(map, bpf_map__fd(src));
		if (rc)
			return rc;
	}
	return 0;
}

static void *map_mmap(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void take_fds(struct xs_bpf *b)
{
	struct uplink_bpf *u = b->up;

	b->fd_spi = bpf_map__fd(u->maps.xs_spi);
	b->fd_sa_info = bpf_map__fd(u->maps.xs_sa_info);
	b->fd_policy = bpf_map__fd(u->maps.xs_policy);
	b->fd_acl = bpf_map__fd(u->maps.xs_acl);
	b->fd_dev_stats = bpf_map__fd(u->maps.xs_dev_stats);
	b->fd_reasons = bpf_map__fd(u->maps.xs_reasons);
	b->fd_keepalive = bpf_map__fd(u->maps.xs_keepalive);
	b->fd_xsk_up = bpf_map__fd(u->maps.xs_xsk_up);
	b->fd_xsk_tun = bpf_map__fd(u->maps.xs_xsk_tun);
}

int xs_bpf_load(struct xs_bpf *b, unsigned int max_sas, unsigned int max_devices,
		unsigned int tun_queues, char *err, size_t errlen)
{
	return xs_bpf_load_mode(b, max_sas, max_devices, tun_queues, XS_MODE_AFXDP, err, errlen);
}

int xs_bpf_load_mode(struct xs_bpf *b, unsigned int max_sas, unsigned int max_devices,
		     unsigned int tun_queues, enum xs_mode mode, char *err, size_t errlen)
{
	int rc;

	memset(b, 0, sizeof(*b));
	b->max_sas = max_sas;
	b->max_devices = max_devices;
	b->up = uplink_bpf__open();
	b->tun = tunnel_bpf__open();
	if (!b->up || !b->tun) {
		snprintf(err, errlen, "cannot open the BPF objects: %s", strerror(errno));
		return -errno;
	}
	size_maps(b);
	b->tun->rodata->xs_cfg_tun_queues = tun_queues;
	b->up->rodata->xs_cfg_mode = mode;
	rc = uplink_bpf__load(b->up);
	if (rc) {
		snprintf(err, errlen, "loading the uplink program failed: %s", strerror(-rc));
		return rc;
	}
	rc = share_maps(b);
	if (!rc)
		rc = tunnel_bpf__load(b->tun);
	if (rc) {
		snprintf(err, errlen, "loading the tunnel programs failed: %s", strerror(-rc));
		return rc;
	}
	take_fds(b);
	b->sa_stats_len = (size_t)max_sas * sizeof(struct xs_sa_stats);
	b->wreasons_len = (size_t)XS_MAX_WORKERS * XS_R_MAX * sizeof(struct xs_counter);
	b->sa_stats = map_mmap(bpf_map__fd(b->up->maps.xs_sa_stats), b->sa_stats_len);
	b->wreasons = map_mmap(bpf_map__fd(b->up->maps.xs_wreasons), b->wreasons_len);
	if (!b->sa_stats || !b->wreasons) {
		snprintf(err, errlen, "cannot mmap the counter maps: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int mkdir_p(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(path, 0700) && errno != EEXIST ? -errno : 0;
}

int xs_bpf_pin(struct xs_bpf *b, const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int rc = mkdir_p(dir);

	if (rc) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(-rc));
		return rc;
	}
	snprintf(b->pin_dir, sizeof(b->pin_dir), "%s", dir);
	bpf_object__for_each_map(map, b->up->obj) {
		if (strncmp(bpf_map__name(map), "xs_", 3))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		unlink(path);	/* a pin left by a crashed run of this instance */
		rc = bpf_map__pin(map, path);
		if (rc) {
			snprintf(err, errlen, "cannot pin %s: %s", path, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int attach_xdp(int ifindex, int prog_fd, uint32_t *flags_out, bool force_generic)
{
	uint32_t flags = XDP_FLAGS_UPDATE_IF_NOEXIST;
	int rc = -EOPNOTSUPP;

	if (!force_generic)
		rc = bpf_xdp_attach(ifindex, prog_fd, flags | XDP_FLAGS_DRV_MODE, NULL);
	if (!rc) {
		*flags_out = flags | XDP_FLAGS_DRV_MODE;
		return 0;
	}
	if (rc == -EBUSY || rc == -EEXIST)
		return rc;
	rc = bpf_xdp_attach(ifindex, prog_fd, flags | XDP_FLAGS_SKB_MODE, NULL);
	if (!rc) {
		*flags_out = flags | XDP_FLAGS_SKB_MODE;
		return 1;	/* generic */
	}
	return rc;
}

static void log_uplink_libxdp(const struct xs_bpf *b, int ifindex)
{
	char progs[256];
	bool shared = xs_uplink_shared(ifindex, progs, sizeof(progs));

	if (shared)
		xs_info("uplink ifindex %d: xs_uplink attached through libxdp's dispatcher, %s "
			"mode; programs: %s", ifindex,
			b->up_xdp_mode == XDP_MODE_SKB ? "generic" : "native", progs);
	else
		xs_warn("uplink ifindex %d: libxdp has no dispatcher on this kernel: xs_uplink "
			"attached alone, other XDP programs cannot share the uplink", ifindex);
}

/* libxdp could not attach to a free uplink: the skeleton's program, directly. */
static int attach_uplink_direct(struct xs_bpf *b, int ifindex, bool force_generic, char *err,
				size_t errlen)
{
	int fd = bpf_program__fd(b->up->progs.xs_uplink);
	int rc = attach_xdp(ifindex, fd, &b->uplink_xdp_flags, force_generic);

	if (rc < 0) {
		snprintf(err, errlen, "%s",
			 rc == -EBUSY || rc == -EEXIST
				 ? "the uplink already has an XDP program attached; detach it first"
				 : strerror(-rc));
		return rc;
	}
	b->uplink_prog_fd = fd;
	return rc;
}

int xs_bpf_attach_uplink(struct xs_bpf *b, int ifindex, bool force_generic, char *err,
			 size_t errlen)
{
	struct xs_uplink_state st;
	char why[256];
	int rc = xs_uplink_occupant(ifindex, &st, err, errlen);

	if (rc)
		return rc;
	rc = xs_bpf_attach_uplink_libxdp(b, ifindex, force_generic, &st, why, sizeof(why));
	if (!rc) {
		b->uplink_ifindex = ifindex;
		log_uplink_libxdp(b, ifindex);
		rc = b->up_xdp_mode == XDP_MODE_SKB;
	} else if (st.dispatcher) {
		snprintf(err, errlen, "cannot join libxdp's dispatcher (%s mode, programs: %s): %s",
			 st.mode == XDP_MODE_SKB ? "generic" : "native", st.progs, why);
		return rc;
	} else {
		xs_warn("uplink ifindex %d: libxdp cannot attach xs_uplink (%s): attaching it "
			"directly, other XDP programs cannot share the uplink", ifindex, why);
		rc = attach_uplink_direct(b, ifindex, force_generic, err, errlen);
		if (rc < 0)
			return rc;
		b->uplink_ifindex = ifindex;
	}
	if (rc == 1 && !force_generic)
		xs_warn("native XDP is not available on ifindex %d: using generic (skb) mode, "
			"which is much slower", ifindex);
	return 0;
}

int xs_bpf_attach_tunnel(struct xs_bpf *b, int tun_ifindex, int tunw_ifindex, char *err,
			 size_t errlen)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = tun_ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tc, .prog_fd = bpf_program__fd(b->tun->progs.xs_tun_egress));
	int rc;

	rc = attach_xdp(tun_ifindex, bpf_program__fd(b->tun->progs.xs_tun_decrypted),
			&b->tun_xdp_flags, false);
	if (rc < 0)
		goto fail;
	b->tun_ifindex = tun_ifindex;
	rc = attach_xdp(tunw_ifindex, bpf_program__fd(b->tun->progs.xs_tun_to_worker),
			&b->tunw_xdp_flags, false);
	if (rc < 0)
		goto fail;
	b->tunw_ifindex = tunw_ifindex;
	rc = bpf_tc_hook_create(&hook);
	if (rc && rc != -EEXIST)
		goto fail;
	rc = bpf_tc_attach(&hook, &tc);
	if (rc)
		goto fail;
	b->tc_attached = true;
	return 0;
fail:
	snprintf(err, errlen, "attaching to the tunnel veth failed: %s", strerror(-rc));
	return rc;
}

int xs_bpf_attach_xfrm_ingress(struct xs_bpf *b, int ifindex, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tc, .prog_fd = bpf_program__fd(b->tun->progs.xs_xfrm_ingress));
	int rc;

	rc = bpf_tc_hook_create(&hook);
	if (rc == -EEXIST)
		rc = 0;		/* someone else's clsact: share it */
	else if (!rc)
		b->xfrm_hook_created = true;
	if (!rc)
		rc = bpf_tc_attach(&hook, &tc);
	if (rc) {
		snprintf(err, errlen, "attaching TC ingress to the uplink failed: %s",
			 strerror(-rc));
		return rc;
	}
	b->xfrm_ifindex = ifindex;
	b->xfrm_handle = tc.handle;
	b->xfrm_priority = tc.priority;
	return 0;
}

/* Our filter only; the clsact qdisc too when we created it. */
static void detach_xfrm_ingress(struct xs_bpf *b)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = b->xfrm_ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tc, .handle = b->xfrm_handle, .priority = b->xfrm_priority);

	bpf_tc_detach(&hook, &tc);
	if (b->xfrm_hook_created) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	b->xfrm_ifindex = 0;
	b->xfrm_hook_created = false;
}

void xs_bpf_detach(struct xs_bpf *b)
{
	if (b->xfrm_ifindex)
		detach_xfrm_ingress(b);
	if (b->uplink_ifindex && b->up_xdp) {
		xs_bpf_detach_uplink_libxdp(b, b->uplink_ifindex);
		b->uplink_ifindex = 0;
	}
	if (b->uplink_ifindex) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = b->uplink_prog_fd);

		bpf_xdp_detach(b->uplink_ifindex, b->uplink_xdp_flags & ~XDP_FLAGS_UPDATE_IF_NOEXIST,
			       &o);
		b->uplink_ifindex = 0;
	}
	if (b->tun_ifindex)
		bpf_xdp_detach(b->tun_ifindex, b->tun_xdp_flags & ~XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (b->tunw_ifindex)
		bpf_xdp_detach(b->tunw_ifindex, b->tunw_xdp_flags & ~XDP_FLAGS_UPDATE_IF_NOEXIST,
			       NULL);
	if (b->tc_attached) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = b->tun_ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

		bpf_tc_hook_destroy(&hook);
	}
	b->tun_ifindex = b->tunw_ifindex = 0;
	b->tc_attached = false;
}

static void unpin(struct xs_bpf *b)
{
	struct bpf_map *map;

	if (!b->pin_dir[0])
		return;
	bpf_object__for_each_map(map, b->up->obj)
		if (!strncmp(bpf_map__name(map), "xs_", 3))
			bpf_map__unpin(map, NULL);
	rmdir(b->pin_dir);
	/* and the shared parent, when this was the last instance in it */
	*strrchr(b->pin_dir, '/') = '\0';
	rmdir(b->pin_dir);
	b->pin_dir[0] = '\0';
}

void xs_bpf_close(struct xs_bpf *b)
{
	if (b->up)
		xs_bpf_detach(b);
	if (b->up)
		unpin(b);
	if (b->sa_stats)
		munmap(b->sa_stats, b->sa_stats_len);
	if (b->wreasons)
		munmap(b->wreasons, b->wreasons_len);
	xs_bpf_detach_uplink_libxdp(b, 0);	/* an attach that failed half-way */
	tunnel_bpf__destroy(b->tun);
	uplink_bpf__destroy(b->up);
	memset(b, 0, sizeof(*b));
}

int xs_bpf_read_percpu(int fd, uint32_t key, struct xs_counter *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xs_counter *vals;
	int rc;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	rc = bpf_map_lookup_elem(fd, &key, vals);
	memset(sum, 0, sizeof(*sum));
	for (int i = 0; !rc && i < ncpu; i++) {
		sum->packets += vals[i].packets;
		sum->bytes += vals[i].bytes;
	}
	free(vals);
	return rc ? -errno : 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The uplink program through libxdp's multi-program dispatcher, so that
 * other XDP programs (xdp-filter, xdp-loader's, another libxdp user) can
 * share the uplink with xdpsec.
 *
 * The dispatcher runs its component programs as freplace (BPF_PROG_TYPE_EXT)
 * extensions of its own slots, so libxdp must load them itself.  The
 * skeleton's xs_uplink is already loaded as a plain XDP program (the BPF
 * tests run it, the direct attach uses it), so a second copy of the same
 * ELF is opened here with every map reusing the skeleton's -- the SA maps,
 * the counters and .rodata with the mode already frozen -- and handed to
 * libxdp.  Both copies read the same SAs and count into the same maps.
 *
 * Default libxdp run settings: priority 50, the next program runs after
 * XDP_PASS.  So another program sees what xs_uplink passes to the kernel
 * (IKE and non-IPsec traffic), not the ESP it steers or drops.
 *
 * What is already on the uplink decides (xs_uplink_occupant()):
 *   nothing, or a libxdp dispatcher      -> create or join the dispatcher
 *   a dispatcher holding an xs_uplink    -> refuse: another instance
 *   a program not attached by libxdp     -> refuse, left untouched
 * and a libxdp failure on a free uplink makes loader.c attach directly.
 */
#include "loader_libxdp.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "loader.h"
#include "log.h"
#include "uplink.skel.h"

#define UPLINK_PROG_NAME "xs_uplink"

/*
 * libxdp's own messages, and libbpf's while libxdp loads (its dispatcher's
 * compatibility probe fails loudly where the kernel refuses extensions):
 * warnings stay warnings, the rest is debug; the outcome is logged once by
 * loader.c.
 */
static void log_line(enum log_level level, const char *fmt, va_list ap)
{
	char line[1024];

	if (level == LOG_LVL_DEBUG)
		return;		/* log_msg has no va_list form; debug is off anyway */
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_msg(level, "%s", line);
}

static int libxdp_log(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	log_line(level == LIBXDP_WARN ? LOG_LVL_WARN : LOG_LVL_DEBUG, fmt, ap);
	return 0;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	log_line(LOG_LVL_DEBUG, fmt, ap);
	return 0;
}

/* "a, b, c" of the dispatcher's programs into buf; how many had our name. */
static int list_programs(const struct xdp_multiprog *mp, char *buf, size_t len)
{
	struct xdp_program *p = NULL;
	size_t used = 0;
	int ours = 0;

	buf[0] = '\0';
	while ((p = xdp_multiprog__next_prog(p, mp))) {
		const char *name = xdp_program__name(p);

		ours += !strcmp(name, UPLINK_PROG_NAME);
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s (id %u)",
						 used ? ", " : "", name, xdp_program__id(p));
	}
	return ours;
}

int xs_uplink_occupant(int ifindex, struct xs_uplink_state *st, char *err, size_t errlen)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	const char *name;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	if (libxdp_get_error(mp))
		return 0;	/* nothing attached (or nothing libxdp can read) */
	if (xdp_multiprog__is_legacy(mp)) {
		name = xdp_program__name(xdp_multiprog__main_prog(mp));
		snprintf(err, errlen, "the uplink already has an XDP program attached (%s, id %u%s); "
			 "it was not attached through libxdp, so it cannot be shared: detach it "
			 "first", name, xdp_program__id(xdp_multiprog__main_prog(mp)),
			 strcmp(name, UPLINK_PROG_NAME) ? "" : ": xdpsec's, another instance?");
		rc = -EBUSY;
		goto out;
	}
	st->dispatcher = true;
	st->mode = xdp_multiprog__attach_mode(mp);
	st->n_progs = xdp_multiprog__program_count(mp);
	if (list_programs(mp, st->progs, sizeof(st->progs))) {
		snprintf(err, errlen, "the uplink already has an XDP program attached: xdpsec's "
			 "%s in libxdp's dispatcher (another instance?), with: %s",
			 UPLINK_PROG_NAME, st->progs);
		rc = -EBUSY;
	}
out:
	xdp_multiprog__close(mp);
	return rc;
}

/*
 * libxdp keeps its lock and its dispatchers' pins in a directory of bpffs
 * that it creates; when it was not there before us and is empty after us,
 * it goes, so that the host is left as it was found.
 */
static void libxdp_dir(char *buf, size_t len)
{
	const char *bpffs = getenv("LIBXDP_BPFFS");

	snprintf(buf, len, "%s/xdp", bpffs ? bpffs : "/sys/fs/bpf");
}

static bool libxdp_dir_exists(void)
{
	char dir[PATH_MAX];
	struct stat st;

	libxdp_dir(dir, sizeof(dir));
	return !stat(dir, &st);
}

static void libxdp_dir_tidy(void)
{
	char dir[PATH_MAX];

	libxdp_dir(dir, sizeof(dir));
	rmdir(dir);	/* fails, as it should, when another dispatcher is pinned there */
}

/* A second copy of the uplink ELF whose maps are the skeleton's. */
static struct bpf_object *open_ext_copy(struct xs_bpf *b)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "uplink_bpf");
	struct bpf_map *map, *src;
	struct bpf_object *obj;
	const void *elf;
	size_t sz;
	int rc = 0;

	elf = uplink_bpf__elf_bytes(&sz);
	obj = bpf_object__open_mem(elf, sz, &opts);
	if (!obj)
		return NULL;
	bpf_object__for_each_map(map, obj) {
		src = bpf_object__find_map_by_name(b->up->obj, bpf_map__name(map));
		rc = src ? bpf_map__reuse_fd(map, bpf_map__fd(src)) : -ENOENT;
		if (rc)
			break;
	}
	if (!rc)
		return obj;
	bpf_object__close(obj);
	errno = -rc;
	return NULL;
}

static int attach_mode(struct xs_bpf *b, int ifindex, enum xdp_attach_mode mode)
{
	int rc = xdp_program__attach(b->up_xdp, ifindex, mode, 0);

	if (!rc)
		b->up_xdp_mode = mode;
	return rc;
}

/* Joins the dispatcher in its mode; else native, then generic. */
int xs_bpf_attach_uplink_libxdp(struct xs_bpf *b, int ifindex, bool force_generic,
				const struct xs_uplink_state *st, char *err, size_t errlen)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, po, .prog_name = UPLINK_PROG_NAME);
	libbpf_print_fn_t old_print;
	int rc;

	libxdp_set_print(libxdp_log);
	b->up_xdp_dir_ours = !libxdp_dir_exists();
	b->up_ext_obj = open_ext_copy(b);
	if (!b->up_ext_obj) {
		rc = -errno;
		snprintf(err, errlen, "cannot open a copy of the uplink object: %s", strerror(-rc));
		return rc;
	}
	po.obj = b->up_ext_obj;
	b->up_xdp = xdp_program__create(&po);
	rc = (int)libxdp_get_error(b->up_xdp);
	if (rc) {
		b->up_xdp = NULL;
		goto fail;
	}
	old_print = libbpf_set_print(libbpf_quiet);
	if (st->dispatcher)
		rc = attach_mode(b, ifindex, st->mode);
	else if (force_generic || (rc = attach_mode(b, ifindex, XDP_MODE_NATIVE)))
		rc = attach_mode(b, ifindex, XDP_MODE_SKB);
	libbpf_set_print(old_print);
	if (!rc)
		return 0;
fail:
	libxdp_strerror(rc, err, errlen);
	xs_bpf_detach_uplink_libxdp(b, 0);
	return rc;
}

/* After a successful attach: with the dispatcher or, libxdp's own fallback, alone. */
bool xs_uplink_shared(int ifindex, char *others, size_t len)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	bool shared;

	others[0] = '\0';
	if (libxdp_get_error(mp))
		return false;
	shared = !xdp_multiprog__is_legacy(mp);
	if (shared)
		list_programs(mp, others, len);
	xdp_multiprog__close(mp);
	return shared;
}

void xs_bpf_detach_uplink_libxdp(struct xs_bpf *b, int ifindex)
{
	char msg[256];
	int rc;

	if (b->up_xdp && ifindex) {
		rc = xdp_program__detach(b->up_xdp, ifindex, b->up_xdp_mode, 0);
		if (rc) {
			libxdp_strerror(rc, msg, sizeof(msg));
			xs_warn("detaching %s from ifindex %d through libxdp: %s", UPLINK_PROG_NAME,
				ifindex, msg);
		}
	}
	xdp_program__close(b->up_xdp);	/* the object is ours to close, not libxdp's */
	b->up_xdp = NULL;
	bpf_object__close(b->up_ext_obj);
	b->up_ext_obj = NULL;
	if (b->up_xdp_dir_ours)
		libxdp_dir_tidy();
	b->up_xdp_dir_ours = false;
}

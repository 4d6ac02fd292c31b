# xdpsec build.  `make` builds everything into build/; `make check` runs every
# test; `make demo` runs the embedded test bed; `make bench` the benchmarks.
# Sources are found by wildcard: bpf/*.bpf.c become objects and skeletons,
# userspace/*.c (except the two mains) form the library both binaries link,
# tests/unit/test_*.c are cmocka tests built with ASan+UBSan, tests/bpf/test_*.c
# run the BPF programs with BPF_PROG_TEST_RUN, tests/integration/*.sh use netns.

BUILD     ?= build
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
PREFIX    ?= /usr/local
DESTDIR   ?=

WARN      := -Wall -Wextra -Werror
CFLAGS    ?= -O2 -g
CFLAGS    += $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuserspace -I$(BUILD) -MMD -MP
LDLIBS    := -lxdp -lbpf -lelf -lz -lcrypto -lmicrohttpd -lpthread
SANITIZE  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_x86 $(WARN) -Wno-unused-function \
	      -Iinclude -Ibpf -I$(BUILD)

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

MAINS     := userspace/xdpsecd.c userspace/xdpsecctl.c
LIB_SRCS  := $(filter-out $(MAINS),$(wildcard userspace/*.c))
LIB_OBJS  := $(patsubst userspace/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
ASAN_OBJS := $(patsubst userspace/%.c,$(BUILD)/asan/%.o,$(LIB_SRCS))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
BPFT_SRCS := $(wildcard tests/bpf/test_*.c)
BPFT_BINS := $(patsubst tests/bpf/%.c,$(BUILD)/tests/bpf/%,$(BPFT_SRCS))
BPFT_HELP := $(filter-out $(BPFT_SRCS),$(wildcard tests/bpf/*.c))
INTEG     := $(sort $(wildcard tests/integration/test_*.sh))
TOOL_SRCS := $(wildcard tools/*.c)
TOOL_BINS := $(patsubst tools/%.c,$(BUILD)/tools/%,$(TOOL_SRCS))
# The fuzz target links only the IKE message codec, not the library.
FUZZ_SRCS := $(addprefix userspace/,ike_msg.c ike_payload.c ike_payload_sa.c ike_payload_ts.c)
FUZZ_HDRS := $(addprefix userspace/,ike_msg.h ike_payload.h ike_wire.h)
FUZZ_TIME ?= 20
# The engine fuzz target links the IKE engine and what it needs, built with
# clang for coverage (fuzzer-no-link) under ASan+UBSan, in an archive of its own.
FUZZ_ENG_SRCS := $(wildcard userspace/ike_*.c) $(addprefix userspace/,conf.c conf_parse.c \
		 dp_fake.c esp.c events.c json.c log.c replay.c selector.c strbuf.c)
FUZZ_ENG_OBJS := $(patsubst userspace/%.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_ENG_SRCS))
FUZZ_ENGINE_TIME ?= 15

BINS      := $(BUILD)/xdpsecd $(BUILD)/xdpsecctl

.PHONY: deps-quiet all check unit fuzz bpf-tests integration demo bench deps clean install \
	uninstall
.DELETE_ON_ERROR:

all: $(BINS)

$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BUILD)/vmlinux.h $(wildcard bpf/*.h) include/xdpsec_maps.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(BUILD)/obj/%.o: userspace/%.c | $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/asan/%.o: userspace/%.c | $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANITIZE) -c $< -o $@

$(BUILD)/libxdpsec.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/xdpsecd: userspace/xdpsecd.c $(BUILD)/libxdpsec.a | $(SKELS)
	$(CC) $(CFLAGS) $< $(BUILD)/libxdpsec.a $(LDLIBS) -o $@

$(BUILD)/xdpsecctl: userspace/xdpsecctl.c $(BUILD)/libxdpsec.a
	$(CC) $(CFLAGS) $< $(BUILD)/libxdpsec.a $(LDLIBS) -o $@

$(BUILD)/libxdpsec-asan.a: $(ASAN_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libxdpsec-asan.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANITIZE) -Itests/unit $< $(BUILD)/libxdpsec-asan.a -lcmocka $(LDLIBS) -o $@

$(BUILD)/tests/bpf/%: tests/bpf/%.c $(BPFT_HELP) $(BUILD)/libxdpsec.a | $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/bpf $< $(BPFT_HELP) $(BUILD)/libxdpsec.a $(LDLIBS) -o $@

# Benchmark helpers (tools/*.c); they may use the library (sa_load: the control socket).
$(BUILD)/tools/%: tools/%.c $(BUILD)/libxdpsec.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< $(BUILD)/libxdpsec.a $(LDLIBS) -o $@

# Unit tests: cmocka, under AddressSanitizer and UBSan.
unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

$(BUILD)/fuzz/fuzz_ike_msg: tests/fuzz/fuzz_ike_msg.c $(FUZZ_SRCS) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(CLANG) -g -O1 $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuserspace -I$(BUILD) \
		-fsanitize=fuzzer $(SANITIZE) $< $(FUZZ_SRCS) -lcrypto -o $@

$(BUILD)/fuzz/obj/%.o: userspace/%.c
	@mkdir -p $(@D)
	$(CLANG) -g -O1 $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuserspace -MMD -MP \
		-fsanitize=fuzzer-no-link $(SANITIZE) -c $< -o $@

$(BUILD)/fuzz/libengine.a: $(FUZZ_ENG_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/fuzz/fuzz_ike_engine: tests/fuzz/fuzz_ike_engine.c $(BUILD)/fuzz/libengine.a
	$(CLANG) -g -O1 $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuserspace \
		-fsanitize=fuzzer $(SANITIZE) $< $(BUILD)/fuzz/libengine.a -lcrypto -lpthread -o $@

# $(call run-fuzzer,binary,seeds,dir,seconds[,flags]): libFuzzer from the seeds plus
# whatever earlier runs added to dir/corpus.  The full log goes to dir/log;
# a crash prints it (without the progress lines), leaves the input in
# dir/crash-* and fails.
define run-fuzzer
	@mkdir -p $(3)/corpus
	@cp $(2)/* $(3)/corpus/
	@echo "== $(1) for $(4) s"
	@$(1) -max_total_time=$(4) -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 $(5) \
		-artifact_prefix=$(3)/ $(3)/corpus >$(3)/log 2>&1 || \
		{ grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)' $(3)/log; exit 1; }
	@grep -E '(INITED|DONE) +cov|^stat::(number|average|new)' $(3)/log
endef

# The IKE message codec for FUZZ_TIME seconds (in build/fuzz), then the
# engine behind the SK payload (authenticated input, fuzz_ike_engine.c) for
# FUZZ_ENGINE_TIME (in build/fuzz/engine; it checks for leaks itself at each
# reset of its engines, see there).  Needs libclang-rt-14-dev.
fuzz: $(BUILD)/fuzz/fuzz_ike_msg $(BUILD)/fuzz/fuzz_ike_engine
	$(call run-fuzzer,$(BUILD)/fuzz/fuzz_ike_msg,tests/fuzz/seeds,$(BUILD)/fuzz,$(FUZZ_TIME))
	$(call run-fuzzer,$(BUILD)/fuzz/fuzz_ike_engine,tests/fuzz/seeds_engine,$(BUILD)/fuzz/engine,$(FUZZ_ENGINE_TIME),-detect_leaks=0)

# BPF programs on this kernel through BPF_PROG_TEST_RUN (needs root).
bpf-tests: $(BPFT_BINS)
	@set -e; for t in $(BPFT_BINS); do echo "== $$t"; $$t; done

# Real kernel, veth and network namespaces (needs root).
integration: all
	@set -e; for t in $(INTEG); do echo "== $$t"; bash $$t; done

check: deps-quiet
	$(MAKE) all
	$(MAKE) unit
# 20 s of fuzzing the IKE codec, 15 s the engine: after unit, whose failures say more
	$(MAKE) fuzz
	$(MAKE) bpf-tests
	$(MAKE) integration
	@echo "make check: all tests passed"

# Part 1: manual SAs through a NAT (tools/demo.sh).  Part 2: the test bed,
# five devices negotiating IKEv2 with the concentrator behind a NAT.
demo: deps-quiet
	$(MAKE) all
	bash tools/demo.sh
	@echo "=== Part 2: IKEv2 test bed (tools/testbed), 5 devices behind a NAT"
	@bash tools/testbed up --devices 5 --nat --name xsdemo && \
		bash tools/testbed status --name xsdemo && \
		bash tools/testbed traffic --name xsdemo; \
		rc=$$?; bash tools/testbed down --name xsdemo; exit $$rc

bench: deps-quiet $(TOOL_BINS)
	$(MAKE) all
	bash tools/bench.sh

deps:
	bash tools/install-deps.sh

deps-quiet:
	@bash tools/install-deps.sh --if-missing

# make install [PREFIX=/usr] [DESTDIR=staging]: binaries, man pages, the
# systemd unit (ExecStart pointing at SBINDIR), the example configuration and
# the map-layout document.  /etc is left to the operator.
SBINDIR   ?= $(PREFIX)/sbin
MANDIR    ?= $(PREFIX)/share/man
DOCDIR    ?= $(PREFIX)/share/doc/xdpsec
UNITDIR   ?= $(PREFIX)/lib/systemd/system
INSTALLED := $(SBINDIR)/xdpsecd $(SBINDIR)/xdpsecctl $(MANDIR)/man8/xdpsecd.8 \
	     $(MANDIR)/man8/xdpsecctl.8 $(MANDIR)/man5/xdpsec.conf.5 $(UNITDIR)/xdpsecd.service \
	     $(DOCDIR)/examples/xdpsec.conf $(DOCDIR)/maps.md

install: all
	install -D -m 0755 $(BUILD)/xdpsecd $(DESTDIR)$(SBINDIR)/xdpsecd
	install -D -m 0755 $(BUILD)/xdpsecctl $(DESTDIR)$(SBINDIR)/xdpsecctl
	install -D -m 0644 tools/man/xdpsecd.8 $(DESTDIR)$(MANDIR)/man8/xdpsecd.8
	install -D -m 0644 tools/man/xdpsecctl.8 $(DESTDIR)$(MANDIR)/man8/xdpsecctl.8
	install -D -m 0644 tools/man/xdpsec.conf.5 $(DESTDIR)$(MANDIR)/man5/xdpsec.conf.5
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' tools/systemd/xdpsecd.service.in \
		> $(DESTDIR)$(UNITDIR)/xdpsecd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/xdpsecd.service
	install -D -m 0644 tools/examples/xdpsec.conf $(DESTDIR)$(DOCDIR)/examples/xdpsec.conf
	install -D -m 0644 tools/doc/maps.md $(DESTDIR)$(DOCDIR)/maps.md

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/asan/*.d $(BUILD)/fuzz/obj/*.d)

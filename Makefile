# Top-level driver for the CMake build.  See README.md.
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# make install / uninstall: where (DESTDIR, from the environment or the
# command line, is put in front of every path, for staging)
PREFIX ?= /usr/local

.PHONY: all build run test bench clean deps deps-test install uninstall
# This file only drives cmake (which builds in parallel itself): its steps
# run in order, so the deps step ends before anything is configured.
.NOTPARALLEL:

all: build

# What each goal needs from Debian (tools/deps.sh): as root it installs
# what is missing, otherwise it names it and stops.
deps:
	@sh tools/deps.sh build
deps-test:
	@sh tools/deps.sh build test

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The main job: a 2 GiB devmem TCP transfer between two stacks, validated
# (`netmem demo`; NETMEM_DEMO_FLAGS adds options, e.g. --json).  Builds only
# what the demo runs, the library and the netmem command: not the tests,
# benchmarks and examples that `make` builds (on a fresh clone that is
# most of the time).
run: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target netmem_cli
	$(BUILD)/netmem demo $(NETMEM_DEMO_FLAGS)

# Every test, optimized and under ASan+UBSan, in one ctest run (one summary).
test: deps-test build
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure

bench: build
	@set -e; for b in $(BUILD)/bench/bench_*; do "$$b"; done

# The library (shared, SONAME libnetmem.so.0, and static), headers,
# netmem.pc, man pages and the netmem command under $(DESTDIR)$(PREFIX);
# only what is installed is built.  uninstall removes exactly the files
# the last install listed in $(BUILD)/install_manifest.txt (under the same
# DESTDIR: give it again).
install: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target netmem netmem_static netmem_cli netmem_preload
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix $(PREFIX)
	@# the dynamic linker's cache learns libnetmem.so.0 (a real install as root)
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

uninstall:
	@[ -f $(BUILD)/install_manifest.txt ] || { echo "make uninstall: no $(BUILD)/install_manifest.txt:" \
		"nothing was installed from this build tree (make install writes it)" >&2; exit 1; }
	@DESTDIR="$(DESTDIR)" cmake -DMANIFEST=$(BUILD)/install_manifest.txt -P cmake/uninstall.cmake

clean:
	rm -rf $(BUILD)

# ---- Fuzzing (docs/fuzzing.md) ------------------------------------------------
# make fuzz: build the libFuzzer harnesses with clang in FUZZ_BUILD and run
# each for FUZZ_SECONDS with its corpus (fuzz/corpus/NAME); new finds and
# crashes go to FUZZ_OUT.  FUZZ_HARNESSES=... picks some (e.g. tcp_states).
FUZZ_CC        ?= clang
FUZZ_BUILD     ?= build-fuzz
FUZZ_OUT       ?= $(FUZZ_BUILD)/out
FUZZ_SECONDS   ?= 60
FUZZ_HARNESSES ?=

.PHONY: fuzz fuzz-deps fuzz-build fuzz-seeds

# clang and libFuzzer (Debian's libclang-rt-N-dev), by the deps step; then
# one link proves clang can build a fuzzer.
fuzz-deps:
	@FUZZ_CC=$(FUZZ_CC) sh tools/deps.sh build fuzz
	@sh fuzz/probe.sh $(FUZZ_CC)

fuzz-build: fuzz-deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=$(FUZZ_CC) \
		-DNM_FUZZ=ON -DNM_WITH_ASAN=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

fuzz: fuzz-build
	sh fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_OUT) $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

# Rewrite the seed corpora from the harnesses (after changing an input format).
fuzz-seeds: build
	@set -e; for f in fuzz/fuzz_*.c; do n=$$(basename $$f .c | sed 's/^fuzz_//'); \
		$(BUILD)/fuzz_replay_$$n --write-seeds fuzz/corpus/$$n; done

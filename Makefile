# Top-level driver for the CMake build.  See README.md.
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all build run test bench clean deps deps-test
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
# (`netmem demo`; NETMEM_DEMO_FLAGS adds options, e.g. --json).
run: build
	$(BUILD)/netmem demo $(NETMEM_DEMO_FLAGS)

# Every test, optimized and under ASan+UBSan, in one ctest run (one summary).
test: deps-test build
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure

bench: build
	@set -e; for b in $(BUILD)/bench/bench_*; do "$$b"; done

clean:
	rm -rf $(BUILD)

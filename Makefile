# Gatehouse: the two quick-start commands are `make demo` and `make test`.
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
# ccache hits across checkouts in different directories (CI builds a fresh clone each time).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

.PHONY: all deps configure build test unit integration demo bench clean format format-check sanitize \
	fuzz fuzz-smoke package

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: $(BUILD)/build.ninja

build: deps configure
	cmake --build $(BUILD) -j $(JOBS)

# The whole suite: unit tests (GoogleTest) and integration tests that drive the real binary and
# the real peers (openssl, zbarimg, SoftHSM2, swtpm).
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE integration

integration: build
	cd $(BUILD) && ctest --output-on-failure -L integration

# The same suite built with AddressSanitizer and UndefinedBehaviorSanitizer (CI runs it too): the
# unit tests with leak detection, everything with the sanitizers watching the servers.
sanitize: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGATEHOUSE_SANITIZE=ON
	cmake --build build-asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 build-asan/tests/gh_unit_tests --gtest_brief=1
	cd build-asan && ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# The libFuzzer targets (tests/fuzz), built with clang-14 in build-fuzz, each run for FUZZ_SECONDS
# from its seeds; fuzz-smoke is the short pass CI runs. scripts/fuzz.sh runs chosen targets longer.
FUZZ_SECONDS ?= 30
fuzz: deps
	@bash scripts/deps.sh fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) bash scripts/fuzz.sh

fuzz-smoke: deps
	@bash scripts/deps.sh fuzz
	FUZZ_RUNS=4000 JOBS=$(JOBS) bash scripts/fuzz.sh

# The Debian package (CPack, cmake/Packaging.cmake; units and /etc/default files in packaging/):
# a Release build of the binary alone in PKG_BUILD, stripped, into
# PKG_BUILD/gatehouse_VERSION-1_ARCH.deb. Check it with `lintian PKG_BUILD/gatehouse_*.deb`.
PKG_BUILD ?= build-pkg
package: deps
	cmake -S . -B $(PKG_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
		-DGATEHOUSE_PACKAGE=ON
	cmake --build $(PKG_BUILD) -j $(JOBS)
	cd $(PKG_BUILD) && cpack -G DEB

demo: build
	bash scripts/demo.sh $(BUILD)/gatehouse

bench: build
	$(BUILD)/gatehouse bench factory --count 5000

SOURCES = $$(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h')

format:
	clang-format -i $(SOURCES)

format-check:
	clang-format --dry-run -Werror $(SOURCES)

clean:
	rm -rf $(BUILD)

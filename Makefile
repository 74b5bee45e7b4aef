# Gatehouse: the two quick-start commands are `make demo` and `make test`.
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

.PHONY: all deps configure build test unit integration demo bench clean format

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

demo: build
	bash scripts/demo.sh $(BUILD)/gatehouse

bench: build
	$(BUILD)/gatehouse bench factory --count 5000

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp')

clean:
	rm -rf $(BUILD)

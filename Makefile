# Convenience front end over CMake. `make demo` and `make test` are the README's two commands.
JOBS ?= $(shell nproc)
CMAKE ?= cmake

.PHONY: all demo test release debug asan check lint format bench fuzz clean bootstrap package \
        release-check

all: release

bootstrap:
	scripts/bootstrap

release: bootstrap
	$(CMAKE) -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
	$(CMAKE) --build build/release -j$(JOBS)

debug:
	$(CMAKE) -S . -B build/debug -DCMAKE_BUILD_TYPE=Debug >/dev/null
	$(CMAKE) --build build/debug -j$(JOBS)

asan:
	$(CMAKE) -S . -B build/asan -DCMAKE_BUILD_TYPE=Asan >/dev/null
	$(CMAKE) --build build/asan -j$(JOBS)

# The main job on the bundled real data.
demo: release
	scripts/demo

# Everything CI runs: release tests, sanitizer tests, static analysis, interop.
test: release asan
	scripts/test

lint:
	scripts/lint

# Release artefacts in build/package: .deb, source tarball, SPDX SBOM, SHA256SUMS (docs/install.md).
package: bootstrap
	scripts/package

# Packages, SBOM validation, reproducibility, .deb install on a clean Debian 12 root, SAST
# (scripts/release-check; .ci/run runs it after `make test`).
release-check: bootstrap
	scripts/release-check

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

bench: release
	scripts/bench

fuzz:
	scripts/fuzz

clean:
	rm -rf build

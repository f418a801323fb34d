# impactsim: two commands do everything on a fresh Debian 12 machine.
#   make demo   install missing packages, build (Release), run the demo
#   make test   install missing packages, build, run the tests
# Other targets: build, test-asan (tests under AddressSanitizer +
# UndefinedBehaviorSanitizer), bench, fixtures (regenerate the R reference
# numbers; needs R), clean.

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: all deps build test test-asan demo validate bench fixtures clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DIMPACTSIM_WERROR=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMPACTSIM_WERROR=ON \
	  -DIMPACTSIM_SANITIZE=ON -DIMPACTSIM_BUILD_BENCH=OFF $(CMAKE_ARGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

demo: build
	$(BUILD)/studies/impactsim run studies/sophia_diabetes.toml --out out/sophia_diabetes
	@echo "demo: report in out/sophia_diabetes/report.html (also report.md, results.json, matched.h5; true effects in truth.json)"

validate: build
	@cd $(BUILD) && IMPACTSIM_VALIDATION_REPLICATES=200 ./tests/validation_tests

bench: build
	@$(BUILD)/bench/engine_bench --benchmark_counters_tabular=true
	@$(BUILD)/bench/glm_bench --benchmark_counters_tabular=true
	@$(BUILD)/bench/matching_bench --benchmark_counters_tabular=true
	@$(BUILD)/bench/microsim_bench --benchmark_counters_tabular=true

fixtures:
	@scripts/install-deps.sh --r
	Rscript tests/reference/model_matrix.R
	Rscript tests/reference/glm.R
	Rscript tests/reference/matching.R
	Rscript tests/reference/survival.R
	Rscript tests/reference/sensitivity.R

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) out

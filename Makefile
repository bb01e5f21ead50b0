# Imprint — build, test and demo entry points. Every system package is installed here, so a fresh
# Debian machine (and CI's fresh clone) needs nothing done by hand.
SHELL := /bin/bash
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# python3-protobuf, python3-numpy, protobuf-compiler, hdf5-tools and python3-jsonschema: the independent readers
# and checkers the tests run (examples/read_plan.py, examples/read_tester_files.py, h5dump, the verify schema);
# chromium renders the verify report.
DEB_PACKAGES := libhdf5-dev libprotobuf-c-dev protobuf-c-compiler libopenblas-dev zlib1g-dev pkg-config dataset-fashion-mnist chromium \
  python3-protobuf python3-numpy protobuf-compiler hdf5-tools python3-jsonschema
DEMO_MODEL ?= examples/models/fmnist_cnn_k2.h5
IMPRINT := .build/release/imprint

.PHONY: all deps build release test demo bench fuzz protos clean

all: build

# Installs the Debian packages that are missing (apt-get update only when something is).
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product imprint --static-swift-stdlib

# OpenBLAS falls back to its slowest kernels on CPUs it does not recognise (many VMs); `imprint`
# re-runs itself with OPENBLAS_CORETYPE set (Engine/BLASKernels.swift), the test process cannot, so
# the same choice from /proc/cpuinfo's flags is made here. A value set by the caller wins.
BLAS_CORE := $(shell if grep -qw avx512bw /proc/cpuinfo; then echo SkylakeX; \
  elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then echo Haswell; \
  elif grep -qw avx /proc/cpuinfo; then echo Sandybridge; fi 2>/dev/null)

# The determinism suites again under OpenBLAS's AVX2 kernels, whose edge paths differ from AVX-512's:
# results must not depend on the batch, the threads or the kernels OpenBLAS picked. Two tests of those
# suites assert no such invariance (draws keyed by time and trial, every run with the same batch and
# threads; drift against compensation), so they run once, in the whole suite. Swift Testing 6.3's
# command line filters by name, not by tag, hence the list.
DETERMINISM_TESTS := EngineBehaviourTests|VerifierRunTests|AdaBSTests|RunStatisticsTests|DeterminismTests|MeasuredVerifyTests/measuredRunsAreDeterministic
DETERMINISM_SKIP := VerifierRunTests/(timeAndTrialIndependentOfTheOthersAsked|pcmDriftAndGDC)\(

# The tests run an optimised debug build in a folder of its own: -O on every Swift module, while the
# debug configuration keeps DEBUG, testability and C at -O0 with its asserts. -O keeps every
# precondition and the bounds, overflow and exclusivity checks (Sources has no Swift assert), and Swift
# has no fast-math, so results keep the source's order of operations. At -Onone the simulation's Philox
# rounds, the per-read normals and im2col's vector copies ran 30-45 times slower than optimised and were
# most of make test's time. C gets -O2 too (-Xcc): the engine's direct convolution and dense kernels
# (CKernels) at -O0 made the test run 40 % longer; C's floating point keeps its order at -O2 as well
# (no fast-math, contraction off where it matters, explicit fused multiply-adds elsewhere).
# A plain `swift build` / `swift test` keeps its -Onone build in .build/debug.
TEST_BUILD := .build/test-optimised

test: deps
	$(SWIFT) build --build-tests -Xswiftc -O -Xcc -O2 --scratch-path $(TEST_BUILD)
	OPENBLAS_CORETYPE=$${OPENBLAS_CORETYPE:-$(BLAS_CORE)} $(SWIFT) test --skip-build --scratch-path $(TEST_BUILD)
	OPENBLAS_CORETYPE=Haswell $(SWIFT) test --skip-build --scratch-path $(TEST_BUILD) --filter '$(DETERMINISM_TESTS)' --skip '$(DETERMINISM_SKIP)'

DEMO_DIR := .build/demo
# Debian's python3 (python3-numpy) for the virtual tester; a pyenv python3 on the PATH may lack numpy.
PYTHON := /usr/bin/python3
# The tester loop's verify runs, kept short: two trials, read at 1 min (the read-back's time: read noise only) and 1 h (drift from the measured values).
LOOP_VERIFY := --data fashion-mnist --trials 2 --times 1min,1h --compensation gdc

demo: release
	@mkdir -p $(DEMO_DIR)
	@echo "== imprint inspect $(DEMO_MODEL)"
	@$(IMPRINT) inspect $(DEMO_MODEL)
	@echo
	@echo "== imprint infer $(DEMO_MODEL) --data fashion-mnist   (digital accuracy on the 10,000 test images)"
	@$(IMPRINT) infer $(DEMO_MODEL) --data fashion-mnist
	@echo
	@echo "== imprint compile $(DEMO_MODEL) --device pcm --output $(DEMO_DIR)/demo.plan"
	@$(IMPRINT) compile $(DEMO_MODEL) --device pcm --output $(DEMO_DIR)/demo.plan
	@echo
	@echo "== imprint emit $(DEMO_DIR)/demo.plan --format csv --output $(DEMO_DIR)/demo.csv"
	@$(IMPRINT) emit $(DEMO_DIR)/demo.plan --format csv --output $(DEMO_DIR)/demo.csv
	@grep -v '^#' $(DEMO_DIR)/demo.csv | head -3 | cut -d, -f1-15
	@echo
	@echo "== imprint verify $(DEMO_DIR)/demo.plan --data fashion-mnist --trials 3 --times 1s,1h,1d,1y --compensation none,gdc,adabs --report $(DEMO_DIR)/report.html"
	@$(IMPRINT) verify $(DEMO_DIR)/demo.plan --data fashion-mnist --trials 3 --times 1s,1h,1d,1y --compensation none,gdc,adabs \
	  --output $(DEMO_DIR)/verify.json --report $(DEMO_DIR)/report.html
	@echo
	@echo "== Tester loop: a virtual tester (examples/virtual_tester.py, an error model of its own) programs $(DEMO_DIR)/demo.csv and reads it back"
	@$(PYTHON) examples/virtual_tester.py program $(DEMO_DIR)/demo.csv --output $(DEMO_DIR)/readback1.csv --seed 1
	@echo "== imprint verify $(DEMO_DIR)/demo.plan --measured $(DEMO_DIR)/readback1.csv $(LOOP_VERIFY)"
	@$(IMPRINT) verify $(DEMO_DIR)/demo.plan --measured $(DEMO_DIR)/readback1.csv $(LOOP_VERIFY) --output $(DEMO_DIR)/verify-readback1.json
	@echo
	@echo "== imprint touchup $(DEMO_DIR)/demo.plan --measured $(DEMO_DIR)/readback1.csv --output $(DEMO_DIR)/touchup1.csv --defects-out $(DEMO_DIR)/defects.csv"
	@$(IMPRINT) touchup $(DEMO_DIR)/demo.plan --measured $(DEMO_DIR)/readback1.csv --output $(DEMO_DIR)/touchup1.csv --defects-out $(DEMO_DIR)/defects.csv
	@$(IMPRINT) touchup $(DEMO_DIR)/demo.plan --measured $(DEMO_DIR)/readback1.csv --output /dev/null --json > $(DEMO_DIR)/touchup1.json
	@echo
	@echo "== the virtual tester executes $(DEMO_DIR)/touchup1.csv and reads the chip back again"
	@$(PYTHON) examples/virtual_tester.py touchup $(DEMO_DIR)/touchup1.csv --previous $(DEMO_DIR)/readback1.csv --output $(DEMO_DIR)/readback2.csv --seed 1
	@echo "== imprint verify $(DEMO_DIR)/demo.plan --measured $(DEMO_DIR)/readback2.csv $(LOOP_VERIFY)"
	@$(IMPRINT) verify $(DEMO_DIR)/demo.plan --measured $(DEMO_DIR)/readback2.csv $(LOOP_VERIFY) --output $(DEMO_DIR)/verify-readback2.json
	@$(IMPRINT) touchup $(DEMO_DIR)/demo.plan --measured $(DEMO_DIR)/readback2.csv --output $(DEMO_DIR)/touchup2.csv --json > $(DEMO_DIR)/touchup2.json
	@echo
	@echo "== What the touch-up changed"
	@$(PYTHON) scripts/loop-summary.py $(DEMO_DIR)/verify-readback1.json $(DEMO_DIR)/touchup1.json $(DEMO_DIR)/verify-readback2.json $(DEMO_DIR)/touchup2.json

# Regenerates the committed protobuf-c code from formats/*.proto.
protos: deps
	bash scripts/gen-protos.sh

clean:
	rm -rf .build

# Speed and memory of compile/write/read at ResNet-50 size and of digital inference (release build),
# then imprint beside onnxruntime on the same models, images and threads (Benchmarks/side_by_side.sh:
# makes .build/bench-venv with onnxruntime from PyPI; skipped with a message when it cannot).
bench: release
	cd Benchmarks && $(SWIFT) run -c release imprint-bench
	bash Benchmarks/side_by_side.sh

# libFuzzer targets for every reader of untrusted bytes (Fuzz/, its own package; never part of
# `make test`): builds them with the fuzzer and address sanitizers, runs each for FUZZ_SECONDS on a
# fresh copy of its seed corpus, one at a time, and prints executions and crashes per target.
# FUZZ_TARGETS picks some (e.g. FUZZ_TARGETS="onnx plan"). See docs/fuzzing.md.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps
	SWIFT=$(SWIFT) bash scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

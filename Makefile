# mlp: train multi-layer perceptrons on the CPU. Every target is safe to run on a fresh clone.
SHELL := /bin/bash
MLP := .build/release/mlp
MODEL ?= model.safetensors

.PHONY: all deps data build train test unit e2e bench bench-tabular fuzz clean

all: build

# Install the system libraries (OpenBLAS, LAPACKE, zlib) when missing: apt-get as root, else
# print the apt-get line and stop.
deps:
	@bash Scripts/deps.sh

# Fetch MNIST into data/mnist/ (local mirror first) and verify SHA-256 checksums.
data:
	@bash Scripts/fetch-mnist.sh

# Build the optimized mlp binary.
build: deps
	swift build -c release --product mlp

# The main job: train the default network (784-128-10) on MNIST, then report its test accuracy.
train: deps data build
	$(MLP) train --data data/mnist --schedule cosine --out $(MODEL)
	$(MLP) evaluate --model $(MODEL) --data data/mnist

# All the tests: fetch MNIST (the unit tests parse the real files too), unit tests (debug build),
# then the end-to-end accuracy gate on real MNIST.
test: deps data unit e2e

# Unit, gradient-check and CLI tests.
unit: deps
	swift build --build-tests
	swift test --skip-build

# Train the default network from scratch and require test accuracy >= 0.97.
e2e: deps
	bash Scripts/e2e.sh

# Speed and memory against PyTorch on the same cores (installs PyTorch into .venv-bench/), then the
# tabular section (bench-tabular below; BENCH_TABULAR=0 skips it).
bench: deps
	bash Scripts/bench.sh
	@if [ "$${BENCH_TABULAR:-1}" != 0 ]; then bash Scripts/bench_tabular.sh; fi

# Tables: mlp against scikit-learn's MLP and Vowpal Wabbit on Adult and Diamonds, and its CSV reader
# against pandas (installs them into .venv-bench/; table in bench-out/tabular.md).
bench-tabular: deps
	bash Scripts/bench_tabular.sh

# libFuzzer on the IDX reader (raw and gzip), the model loader and the checkpoint loader,
# FUZZ_SECONDS each (default 60),
# seeded from valid files; corpora and crashes go to fuzz-corpus/ (see Scripts/fuzz.sh).
fuzz: deps
	FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60) bash Scripts/fuzz.sh

clean:
	rm -rf .build $(MODEL)

# mlp: train multi-layer perceptrons on the CPU. Every target is safe to run on a fresh clone.
SHELL := /bin/bash
MLP := .build/release/mlp
MODEL ?= model.safetensors
# The release build links Swift's own libraries statically, so the installed binary needs only
# the Debian packages in Scripts/runtime-packages.txt, not a Swift toolchain.
RELEASE_BUILD := swift build -c release --static-swift-stdlib --product mlp
# Where `make install` puts things (PREFIX=/usr/local by default; DESTDIR for packagers).
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR := $(DESTDIR)$(PREFIX)/bin
MANDIR := $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR := $(DESTDIR)$(PREFIX)/share/zsh/site-functions

.PHONY: all deps data build train best test unit e2e bench bench-tabular bench-dist bench-int8 bench-augment bench-judging bench-calibration bench-experiments bench-table-defaults best-augmented fuzz fuzz-smoke docs format lint install uninstall dist clean

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
	$(RELEASE_BUILD)

# The main job: train the default network (784-128-10) on MNIST, then report its test accuracy.
train: deps data build
	$(MLP) train --data data/mnist --schedule cosine --out $(MODEL)
	$(MLP) evaluate --model $(MODEL) --data data/mnist

# The accuracy recipe: 784-1024-1024-10 with batch norm, dropout and weight decay, 80
# epochs on all of MNIST's training set (about 10 minutes of training on 2 cores); ends with
# `test accuracy X`. SEED=2 for another seed.
best: deps data build
	bash Scripts/best.sh

# The augmented recipe (distorted training images, 100 epochs): ends with `test accuracy X`.
best-augmented: deps data build
	bash Scripts/best_augmented.sh

# All the tests: fetch MNIST (the unit tests parse the real files too), the layout check, unit tests
# (debug build), the end-to-end accuracy gate on real MNIST, and every fuzz target built and run briefly.
test: deps data lint unit e2e fuzz-smoke

# The code's layout (.swift-format: 4-space indents, lines of at most 140): `make format` rewrites
# it, `make lint` fails on any difference or rule broken.
FORMATTED := Sources Tests Benchmarks Fuzz Package.swift
format:
	swift format format --in-place --recursive --parallel $(FORMATTED)

lint:
	swift format lint --strict --recursive --parallel $(FORMATTED)

# Unit, gradient-check and CLI tests.
unit: deps
	swift build --build-tests
	swift test --skip-build

# Train the default network from scratch and require test accuracy >= 0.97.
e2e: deps
	bash Scripts/e2e.sh

# Speed and memory against PyTorch on the same cores (installs PyTorch into .venv-bench/), then the
# inference section (bench-int8) on the models it trained, then the tabular section (bench-tabular
# below; BENCH_TABULAR=0 skips it).
bench: deps
	bash Benchmarks/bench.sh
	@if [ "$${BENCH_TABULAR:-1}" != 0 ]; then bash Benchmarks/bench_tabular.sh; fi

# Tables: mlp against scikit-learn's MLP and Vowpal Wabbit on Adult and Diamonds, and its CSV reader
# against pandas (installs them into .venv-bench/; table in bench-out/tabular.md).
bench-tabular: deps
	bash Benchmarks/bench_tabular.sh

# Data-parallel training: workload C on 2 MPI ranks against one process and PyTorch DDP, and the
# predicted scaling to 64 ranks (bench-out/dist.md).
bench-dist: deps
	bash Benchmarks/bench_dist.sh

# INT8 inference alone: float vs INT8 vs PyTorch's quantize_dynamic, and mlp evaluate on the files.
bench-int8: deps
	bash Benchmarks/bench_int8.sh

# Judging a classifier on Adult: unweighted against --class-weight balanced (recall of >50K, balanced
# accuracy, ROC AUC, log-loss) beside scikit-learn's MLP, and what evaluate's figures cost
# (bench-out/judging.md; needs python3 with scikit-learn).
bench-judging: deps
	bash Benchmarks/bench_judging.sh

# How calibrated the default MNIST network's probabilities are: the test ECE and log-loss before and
# after mlp calibrate on 10,000 held-out training images (bench-out/calibration/results.md;
# BENCH_EPOCHS=N trains N epochs instead of the default 5).
bench-calibration: build data
	bash Benchmarks/bench_calibration.sh

# Experiments against scikit-learn: mlp search against HalvingRandomSearchCV on Adult (and on 2 MPI
# ranks against 1 process), mlp cv against cross_validate on the small classics (bench-out/experiments.md;
# needs python3 with scikit-learn). BENCH_LOCK=FILE keeps timed runs from overlapping others' (flock).
bench-experiments: deps
	bash Benchmarks/bench_experiments.sh

# What --augment costs: a few epochs of make best's network with and without each augmentation spec;
# the augmentation's seconds and share of an epoch (bench-out/augment/results.md).
bench-augment: deps
	bash Benchmarks/bench_augment.sh

# Do the table defaults converge? Every table of ../shared/data/tabular trained without --epochs,
# against the best of --epochs 20/50/100/200 on the test rows and scikit-learn's MLP defaults' fit
# time (installs scikit-learn and pandas into .venv-bench/; table in bench-out/table-defaults.md).
bench-table-defaults: deps
	bash Benchmarks/bench_table_defaults.sh

# libFuzzer on the IDX reader (raw and gzip), the model loader, the checkpoint loader and the CSV
# reader with the table encoders, FUZZ_SECONDS each (default 60), seeded from valid files; corpora
# and crashes go to fuzz-corpus/ (see Scripts/fuzz.sh). FUZZ_TARGET=csv runs one target alone.
# CI's check that every fuzz target still builds and runs: each for a few seconds.
fuzz-smoke: deps build
	FUZZ_SECONDS=3 bash Scripts/fuzz.sh

fuzz: deps
	FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60) bash Scripts/fuzz.sh $(if $(FUZZ_TARGET),run $(FUZZ_TARGET))

# Regenerate docs/reference.md, the command reference, from the flag declarations (as the manual
# page is); a test fails when the checked-in file differs from what the binary prints.
docs: build
	$(MLP) manpage --markdown > docs/.reference.md.tmp && mv docs/.reference.md.tmp docs/reference.md

# Install the binary, the manual page mlp(1) and the bash and zsh completions (the last two made by
# the binary from its own flag declarations).
install: build
	install -d $(BINDIR) $(MANDIR) $(BASHDIR) $(ZSHDIR)
	install -m 755 $(MLP) $(BINDIR)/mlp
	$(MLP) manpage > .build/mlp.1 && install -m 644 .build/mlp.1 $(MANDIR)/mlp.1
	$(MLP) completions bash > .build/mlp.bash && install -m 644 .build/mlp.bash $(BASHDIR)/mlp
	$(MLP) completions zsh > .build/_mlp && install -m 644 .build/_mlp $(ZSHDIR)/_mlp

# Remove exactly the four files `make install` put there.
uninstall:
	rm -f $(BINDIR)/mlp $(MANDIR)/mlp.1 $(BASHDIR)/mlp $(ZSHDIR)/_mlp

# A release archive, dist/mlp-VERSION-linux-ARCH.tar.gz: the binary, man page, completions,
# README, docs/, LICENSE and the runtime Debian packages it needs.
dist: build
	bash Scripts/dist.sh

clean:
	rm -rf .build dist $(MODEL)

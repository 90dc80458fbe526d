#!/usr/bin/env bash
# Build the libFuzzer targets in Fuzz/ (outside SwiftPM) and run each for FUZZ_SECONDS (default 60)
# on a seed corpus generated from valid files: IDX raw and gzip, and model files and training
# checkpoints (--resume) that the release mlp binary (and its test driver, for a run stopped
# mid-epoch) writes on a tiny synthetic dataset.
#
#   Scripts/fuzz.sh                 build, seed, run every target in turn
#   Scripts/fuzz.sh build           only build .build/fuzz/fuzz-{idx,gzip,model,checkpoint}
#   Scripts/fuzz.sh run idx         build, seed and run one target
#   FUZZ_SECONDS=600 Scripts/fuzz.sh
#
# Corpora grow in fuzz-corpus/TARGET/ (ignored by git), crashes land in fuzz-corpus/crashes/.
# A crash reproduces with: .build/fuzz/fuzz-TARGET fuzz-corpus/crashes/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
OUT=.build/fuzz
CORPUS=fuzz-corpus
TARGETS=(idx gzip model checkpoint)

# AddressSanitizer when the toolchain has its runtime; libFuzzer alone otherwise.
sanitizers() {
    if [[ -z ${FUZZ_SANITIZE:-} ]]; then
        local probe; probe=$(mktemp -d)
        echo 'print(1)' > "$probe/p.swift"
        if swiftc -sanitize=fuzzer,address -parse-as-library -o "$probe/p" "$probe/p.swift" 2>/dev/null \
           || swiftc -sanitize=address -o "$probe/p" "$probe/p.swift" 2>/dev/null; then
            FUZZ_SANITIZE=fuzzer,address
        else
            FUZZ_SANITIZE=fuzzer
        fi
        rm -rf "$probe"
    fi
    echo "$FUZZ_SANITIZE"
}

build() {
    mkdir -p "$OUT"
    local san; san=$(sanitizers)
    local blas; blas=$(pkg-config --cflags openblas libpng 2>/dev/null | sed 's/-I/-Xcc -I/g')
    # -O keeps the overflow and bounds checks (release mlp builds Model with -Ounchecked; here a
    # trap must stay a trap so the fuzzer sees it).
    local common=(-O -g -sanitize="$san" -parse-as-library -I Sources/CZlib -I Sources/CBLAS -I Sources/CPNG -I Sources/CDNNL
                  -I Sources/CDeflate -I Sources/CMPI $blas -I "$OUT")
    echo "fuzz: building with -sanitize=$san"
    # The library modules the targets need, in dependency order, as static archives with coverage
    # instrumentation: the sources of each target (subfolders included), as SwiftPM would take them.
    local module
    for module in Formats Model Quantized Tables Collective Training; do
        find "Sources/$module" -name '*.swift' -print0 | sort -z | xargs -0 swiftc "${common[@]}" -module-name "$module" \
            -emit-module -emit-module-path "$OUT/$module.swiftmodule" -emit-library -static -o "$OUT/lib$module.a"
    done
    # lld: gold warns about every ASan helper symbol.
    local libs=(-use-ld=lld -L "$OUT" -lFormats -lz -ldeflate -lpng16)
    swiftc "${common[@]}" -module-name FuzzIDX -o "$OUT/fuzz-idx" Fuzz/IDXFuzz.swift "${libs[@]}"
    swiftc "${common[@]}" -module-name FuzzGzip -o "$OUT/fuzz-gzip" Fuzz/GzipFuzz.swift "${libs[@]}"
    # The model loader and the checkpoint loader are the Training library's (ModelFile.build,
    # Checkpoint.configuration and Checkpoint.resume, TrainingSession).
    local training=(-lTraining -lCollective -lTables -lQuantized -lModel "${libs[@]}" -ldl
                    $(pkg-config --libs-only-L openblas 2>/dev/null) -lopenblas -llapacke)
    swiftc "${common[@]}" -module-name FuzzModel -o "$OUT/fuzz-model" Fuzz/ModelFuzz.swift "${training[@]}"
    swiftc "${common[@]}" -module-name FuzzCheckpoint -o "$OUT/fuzz-checkpoint" Fuzz/CheckpointFuzz.swift "${training[@]}"
}

# --- seed corpus --------------------------------------------------------------------------------

be32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
# idx FILE TYPE DIM... < data: an IDX header (type as two hex digits) followed by stdin.
idx() {
    local file=$1 type=$2; shift 2
    { printf "\\x00\\x00\\x$type$(printf '\\x%02x' $#)"; for d; do printf "$(be32 "$d")"; done; cat; } > "$file"
}
# N deterministic pseudo-random bytes below MOD (default 256).
bytes() { LC_ALL=C awk -v n="$1" -v m="${2:-256}" 'BEGIN { s = 7; for (i = 0; i < n; i++) { s = (s * 1103515245 + 12345) % 2147483648; printf "%c", int(s / 65536) % m } }'; }

seed() {
    local dir=$CORPUS/seeds
    rm -rf "$dir"
    mkdir -p "$dir/idx" "$dir/data" "$dir/model" "$dir/checkpoint"
    bytes 320 | idx "$dir/idx/images-20x4x4" 08 20 4 4
    bytes 20 10 | idx "$dir/idx/labels-20" 08 20
    bytes 16 | idx "$dir/idx/images-1x4x4" 08 1 4 4
    : | idx "$dir/idx/images-0x4x4" 08 0 4 4
    bytes 12 | idx "$dir/idx/int16-2x3" 0B 2 3
    bytes 16 | idx "$dir/idx/float-4" 0D 4
    bytes 24 | idx "$dir/idx/double-3" 0E 3
    for f in "$dir"/idx/*; do gzip -9 -n -c "$f" > "$f.gz"; done
    # Two gzip members, as `cat a.gz b.gz` makes.
    head -c 100 "$dir/idx/images-20x4x4" | gzip -n -c > "$dir/idx/multi.gz"
    tail -c +101 "$dir/idx/images-20x4x4" | gzip -1 -n -c >> "$dir/idx/multi.gz"

    # A tiny dataset in MNIST layout, and models of every layer type trained on it.
    bytes 640 | idx "$dir/data/train-images-idx3-ubyte" 08 40 4 4
    bytes 40 10 | idx "$dir/data/train-labels-idx1-ubyte" 08 40
    cp "$dir/data/train-images-idx3-ubyte" "$dir/data/t10k-images-idx3-ubyte"
    cp "$dir/data/train-labels-idx1-ubyte" "$dir/data/t10k-labels-idx1-ubyte"
    local mlp=.build/release/mlp
    [[ -x $mlp ]] || swift build -c release --static-swift-stdlib --product mlp
    local i=0
    for spec in "10|cross_entropy" "8:relu,10|cross_entropy" "6:leaky_relu:0.2,dropout:0.3,5:gelu,batchnorm,10|cross_entropy:0.1" \
                "6,batchnorm:0.2,swish,4:tanh,10|mse" "3:sigmoid,10|bce"; do
        "$mlp" train --data "$dir/data" --layers "${spec%|*}" --loss "${spec#*|}" --epochs 1 --batch-size 8 \
            --threads 1 --quiet --out "$dir/model/model-$i.safetensors" > /dev/null
        i=$((i + 1))
    done
    # INT8 models (format 3: I8 weights, F32 scales, a batch norm kept as a float layer), dynamic and
    # static (the static one needs oneDNN to calibrate).
    "$mlp" train --data "$dir/data" --layers "6:relu,batchnorm,4:tanh,10" --epochs 1 --batch-size 8 --threads 1 --quiet \
        --out "$dir/float.safetensors" > /dev/null
    "$mlp" quantize --model "$dir/float.safetensors" --out "$dir/model/int8-dynamic.safetensors" 2> /dev/null
    "$mlp" quantize --model "$dir/float.safetensors" --out "$dir/model/int8-static.safetensors" --data "$dir/data" 2> /dev/null ||
        echo "fuzz: no static INT8 seed (oneDNN cannot be opened)" >&2
    rm -f "$dir/float.safetensors"
    # Checkpoints of several configurations on the same data (Fuzz/CheckpointFuzz.swift builds its
    # runs on 40+20 images of 4×4 to match), each after two epochs...
    i=0
    for flags in "--hidden 4 --batch-size 8" \
                 "--hidden 4,3 --activation tanh --optimizer nesterov --clip-grad-norm 1 --schedule cosine --warmup 1 --batch-size 8" \
                 "--layers 6:relu,batchnorm,dropout:0.3,10 --optimizer adam --batch-size 8" \
                 "--layers 5:gelu,dropout:0.5,batchnorm:0.2,10 --loss mse --optimizer adamw --schedule step:1:0.5 --batch-size 16" \
                 "--hidden 4 --validation-split 0.25 --early-stopping 3 --reduce-lr-on-plateau 0.5,1 --monitor val_accuracy --batch-size 8" \
                 "--hidden 3 --loss bce --optimizer adam --batch-size 7 --validation-split 0.2 --early-stopping 2"; do
        # shellcheck disable=SC2086 # the flags are words
        "$mlp" train --data "$dir/data" $flags --epochs 2 --threads 1 --quiet \
            --checkpoint "$dir/checkpoint/ckpt-$i.safetensors" --out "$dir/checkpoint/model-$i.out" > /dev/null
        rm -f "$dir/checkpoint/model-$i.out"
        i=$((i + 1))
    done
    # ...and one interrupted mid-epoch (a non-zero position): the test driver, which is mlp with a
    # step hook, sends itself SIGINT after step 7 (the second epoch's second step).
    local driver=.build/release/MLPTestDriver
    [[ -x $driver ]] || swift build -c release --product MLPTestDriver
    "$driver" --interrupt-after 7 train --data "$dir/data" --hidden 4 --optimizer adam --epochs 3 --batch-size 8 \
        --threads 1 --quiet --checkpoint "$dir/checkpoint/ckpt-mid.safetensors" --out "$dir/checkpoint/mid.out" > /dev/null 2>&1 || true
    rm -f "$dir/checkpoint/mid.out"

    mkdir -p "$CORPUS/idx" "$CORPUS/gzip" "$CORPUS/model" "$CORPUS/checkpoint" "$CORPUS/crashes"
    cp "$dir"/idx/* "$dir"/data/* "$CORPUS/idx/"
    cp "$dir"/idx/*.gz "$CORPUS/gzip/"
    cp "$dir"/model/* "$CORPUS/model/"
    cp "$dir"/checkpoint/* "$CORPUS/checkpoint/"
}

run() {
    local target=$1 extra=()
    [[ -f Fuzz/$target.dict ]] && extra+=(-dict="Fuzz/$target.dict")
    # A restored step count drives loops in the training steps the checkpoint target runs: a run
    # that takes seconds on the tiny dataset is a hang, not slow input.
    [[ $target == checkpoint ]] && extra+=(-timeout=10)
    echo "fuzz: $target for ${SECONDS_PER_TARGET}s"
    # The Swift runtime's own crash handler would race ASan's report: leave crashes to libFuzzer.
    SWIFT_BACKTRACE=enable=no "$OUT/fuzz-$target" "$CORPUS/$target" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 \
        -artifact_prefix="$CORPUS/crashes/$target-" -print_final_stats=1 "${extra[@]}"
}

case ${1:-all} in
    build) build ;;
    seed) seed ;;
    run) build; seed; run "$2" ;;
    all) build; seed; for t in "${TARGETS[@]}"; do run "$t"; done ;;
    *) echo "usage: Scripts/fuzz.sh [build | seed | run TARGET | all]" >&2; exit 2 ;;
esac

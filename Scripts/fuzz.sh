#!/usr/bin/env bash
# Build the libFuzzer targets in Fuzz/ (outside SwiftPM) and run each for FUZZ_SECONDS (default 60)
# on a seed corpus generated from valid files: IDX raw and gzip, and model files that the release
# mlp binary trains on a tiny synthetic dataset.
#
#   Scripts/fuzz.sh                 build, seed, run every target in turn
#   Scripts/fuzz.sh build           only build .build/fuzz/fuzz-{idx,gzip,model}
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
TARGETS=(idx gzip model)

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
    local common=(-O -g -sanitize="$san" -parse-as-library -I Sources/CZlib -I Sources/CBLAS -I Sources/CPNG $blas -I "$OUT")
    echo "fuzz: building with -sanitize=$san"
    # The library modules: Formats and Model as static archives with coverage instrumentation.
    swiftc "${common[@]}" -module-name Formats -emit-module -emit-module-path "$OUT/Formats.swiftmodule" \
        -emit-library -static -o "$OUT/libFormats.a" Sources/Formats/*.swift
    swiftc "${common[@]}" -module-name Model -emit-module -emit-module-path "$OUT/Model.swiftmodule" \
        -emit-library -static -o "$OUT/libModel.a" Sources/Model/*.swift
    # lld: gold warns about every ASan helper symbol.
    local libs=(-use-ld=lld -L "$OUT" -lFormats -lz -lpng16)
    swiftc "${common[@]}" -module-name FuzzIDX -o "$OUT/fuzz-idx" Fuzz/IDXFuzz.swift "${libs[@]}"
    swiftc "${common[@]}" -module-name FuzzGzip -o "$OUT/fuzz-gzip" Fuzz/GzipFuzz.swift "${libs[@]}"
    # The model loader lives in MLPCLI (internal): compile its sources into the target's module.
    swiftc "${common[@]}" -module-name FuzzModel -o "$OUT/fuzz-model" Fuzz/ModelFuzz.swift Sources/MLPCLI/*.swift \
        "${libs[@]}" -lModel $(pkg-config --libs-only-L openblas 2>/dev/null) -lopenblas
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
    mkdir -p "$dir/idx" "$dir/data" "$dir/model"
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
    [[ -x $mlp ]] || swift build -c release --product mlp
    local i=0
    for spec in "10|cross_entropy" "8:relu,10|cross_entropy" "6:leaky_relu:0.2,dropout:0.3,5:gelu,batchnorm,10|cross_entropy:0.1" \
                "6,batchnorm:0.2,swish,4:tanh,10|mse" "3:sigmoid,10|bce"; do
        "$mlp" train --data "$dir/data" --layers "${spec%|*}" --loss "${spec#*|}" --epochs 1 --batch-size 8 \
            --threads 1 --quiet --out "$dir/model/model-$i.safetensors" > /dev/null
        i=$((i + 1))
    done

    mkdir -p "$CORPUS/idx" "$CORPUS/gzip" "$CORPUS/model" "$CORPUS/crashes"
    cp "$dir"/idx/* "$dir"/data/* "$CORPUS/idx/"
    cp "$dir"/idx/*.gz "$CORPUS/gzip/"
    cp "$dir"/model/* "$CORPUS/model/"
}

run() {
    local target=$1 extra=()
    [[ -f Fuzz/$target.dict ]] && extra+=(-dict="Fuzz/$target.dict")
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

#!/usr/bin/env bash
# Build the libFuzzer targets in Fuzz/ (outside SwiftPM) and run each for FUZZ_SECONDS (default 60)
# on a seed corpus generated from valid files: IDX raw and gzip; model files and training
# checkpoints (--resume) that the release mlp binary (and its test driver, for a run stopped
# mid-epoch) writes on a tiny synthetic dataset; CSV tables (the start of each table in data/tabular
# and small hand-made files of every dialect), each behind the two option bytes Fuzz/CSVFuzz.swift
# reads.
#
#   Scripts/fuzz.sh                 build, seed, run every target in turn
#   Scripts/fuzz.sh build           only build .build/fuzz/fuzz-{idx,gzip,model,checkpoint,csv}
#   Scripts/fuzz.sh run csv         build, seed and run one target
#   FUZZ_SECONDS=600 Scripts/fuzz.sh
#
# Corpora grow in fuzz-corpus/TARGET/ (ignored by git), crashes land in fuzz-corpus/crashes/.
# A crash reproduces with: .build/fuzz/fuzz-TARGET fuzz-corpus/crashes/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
OUT=.build/fuzz
CORPUS=fuzz-corpus
TARGETS=(idx gzip model checkpoint csv)

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
    # The CSV reader and the table encoders (Tables, which uses Model's Dataset).
    swiftc "${common[@]}" -module-name FuzzCSV -o "$OUT/fuzz-csv" Fuzz/CSVFuzz.swift "${training[@]}"
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

# seed [TARGET]: the seeds of every target, or of TARGET alone (the CSV seeds need no mlp binary).
seed() {
    local dir=$CORPUS/seeds
    if [[ ${1:-all} == csv ]]; then
        rm -rf "$dir/csv"
        seed_csv "$dir/csv"
        mkdir -p "$CORPUS/csv" "$CORPUS/crashes"
        cp "$dir"/csv/* "$CORPUS/csv/"
        return
    fi
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

    seed_csv "$dir/csv"

    mkdir -p "$CORPUS/idx" "$CORPUS/gzip" "$CORPUS/model" "$CORPUS/checkpoint" "$CORPUS/csv" "$CORPUS/crashes"
    cp "$dir"/idx/* "$dir"/data/* "$CORPUS/idx/"
    cp "$dir"/idx/*.gz "$CORPUS/gzip/"
    cp "$dir"/model/* "$CORPUS/model/"
    cp "$dir"/checkpoint/* "$CORPUS/checkpoint/"
    cp "$dir"/csv/* "$CORPUS/csv/"
}

# csv FILE A B < table: the two option bytes of Fuzz/CSVFuzz.swift (as two hex digits each), then the table.
csv() { { printf "\\x$2\\x$3"; cat; } > "$1"; }

seed_csv() {
    local dir=$1 f name
    mkdir -p "$dir"
    # The first 4 KiB of each table in the repository, cut at a line end, read in a few ways: one
    # thread, two threads in small chunks, a missing-value policy, the first column as the target,
    # classification and regression forced.
    for f in data/tabular/*.csv.gz; do
        name=$(basename "$f" .csv.gz)
        { gzip -dc "$f" || true; } | head -c 4096 | sed '$d' > "$dir/$name.txt"  # gzip stops at head's end
        csv "$dir/$name-plain" 00 f0 < "$dir/$name.txt"
        csv "$dir/$name-threads-mean" 80 f1 < "$dir/$name.txt"
        csv "$dir/$name-first-median" 80 02 < "$dir/$name.txt"
        csv "$dir/$name-classes" 80 f7 < "$dir/$name.txt"
        csv "$dir/$name-regression" 80 f8 < "$dir/$name.txt"
        gzip -9 -n -c "$dir/$name.txt" | csv "$dir/$name-gzip" 80 f1
        rm "$dir/$name.txt"
    done
    # Hand-made: every delimiter, decimal commas and thousands separators, quoting with delimiters,
    # quotes and line breaks inside, CRLF and a byte-order mark, missing markers (pandas' too),
    # categories, text in a numeric column, numbers at Float's limits, dates, a header alone.
    printf 'age,city,score,label\n25,Lyon,1.5,yes\n,Nice,2,no\n40,?,NA,yes\n33,Paris,,no\n' | csv "$dir/mixed" 80 f1
    printf 'a;b;c\n1.234,5;x;1\n2,5;y;0\n-0,75;x;1\n1.000.000;z;0\n' | csv "$dir/semicolon-comma" 8d f0
    printf 'a\tb\tc\n1 234,5\tu\t2\n12\tv\t3\n' | csv "$dir/tab-space" 9e f9
    printf "a|b|c\n1'000.5|p|q\n2|r|q\n" | csv "$dir/pipe-apostrophe" a3 f4
    printf '\xef\xbb\xbfname,"note, quoted",label\r\n"a ""b""","line\nbreak",1\r\n"c","",0\r\n' | csv "$dir/quotes-crlf" 80 f5
    printf 'x,y,z\n1,NA,a\n?,2,b\n,3,\nnan,NULL,None\n#N/A,n/a,<NA>\n4,5,c\n' | csv "$dir/pandas-markers" c0 f2
    printf 'x,y\n3.4e38,-3.4e38\n1e-45,0\n-0,1e39\n0.1,2\n' | csv "$dir/float-limits" 80 f1
    printf 'when,value,kind\n2012-01-31,1.5,a\n2012-01-31T13:45:00,2,b\n2012-02-01 08:00,,a\n,3,b\n' | csv "$dir/dates" 80 f1
    printf 'a,b,a\n1,2,3\n' | csv "$dir/duplicate-header" 00 f0
    printf 'only\n1\n2\n' | csv "$dir/one-column" 00 f0
    printf 'a,b,c\n' | csv "$dir/header-only" 00 f0
    printf 'a,b\n1,2,3\n4\n' | csv "$dir/ragged" 80 f0
    printf 'id,n,t\n1,5,x\n2,7,y\n3,5,x\n4,9,z\n5,7,y\n6,5,x\n7,1,w\n8,7,y\n' | csv "$dir/classes" 80 01
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
    seed) seed "${2:-all}" ;;
    run) build; seed "$2"; run "$2" ;;
    all) build; seed; for t in "${TARGETS[@]}"; do run "$t"; done ;;
    *) echo "usage: Scripts/fuzz.sh [build | seed [TARGET] | run TARGET | all]" >&2; exit 2 ;;
esac

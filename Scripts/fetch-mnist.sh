#!/usr/bin/env bash
# Puts the four gzip-compressed MNIST files into data/mnist/ (or $MNIST_DIR), each verified
# by the SHA-256 of its decompressed contents against data/mnist.sha256.
# `make data` runs this before every training: verified files are remembered (by size, mtime
# and inode in $MNIST_DIR/.verified) so the usual run hashes nothing and takes milliseconds.
#
# Sources, tried in order for each missing file:
#   $MNIST_SOURCE           a directory, or an http(s) URL prefix
#   ../shared/data/mnist    beside the repository, when it exists (skip with MNIST_NO_SHARED=1)
#   the public mirrors      ossci-datasets (S3), then cvdf-datasets (Google Cloud Storage)
set -eu

log() { echo "fetch-mnist: $*" >&2; }

# Relative MNIST_DIR and MNIST_SOURCE paths mean relative to where we were started.
absolute() { case "$1" in /* | http://* | https://*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
dest_arg=${MNIST_DIR:+$(absolute "$MNIST_DIR")}
source_arg=${MNIST_SOURCE:+$(absolute "$MNIST_SOURCE")}

cd "$(dirname "$0")/.."
root=$(pwd)
sums="$root/data/mnist.sha256"
dest=${dest_arg:-$root/data/mnist}
stamp="$dest/.verified"
files="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"
mirrors="https://ossci-datasets.s3.amazonaws.com/mnist/ https://storage.googleapis.com/cvdf-datasets/mnist/"

[ -f "$sums" ] || { log "missing $sums (the expected SHA-256 of each file)"; exit 1; }
mkdir -p "$dest"
touch "$stamp"

tmp=""
trap 'if [ -n "$tmp" ]; then rm -f "$tmp"; fi' EXIT

# The expected SHA-256 of the decompressed file $1.
expected() { awk -v f="$1" '$2 == f { print $1 }' "$sums"; }

# The SHA-256 of the decompressed contents of $1, or "unreadable gzip data".
actual() {
    local sum
    if sum=$(set -o pipefail; gunzip -c "$1" 2>/dev/null | sha256sum); then
        echo "${sum%% *}"
    else
        echo "unreadable gzip data"
    fi
}

# What the stamp remembers of file $1 (name, size, mtime, inode).
identity() { echo "$(basename "$1") $(stat -c '%s %Y %i' "$1")"; }

# The source list: each entry is a directory or a URL prefix ending in /.
sources=()
case "$source_arg" in
    "") ;;
    http://* | https://*) sources+=("${source_arg%/}/") ;;
    *) sources+=("$source_arg") ;;
esac
if [ -z "${MNIST_NO_SHARED:-}" ] && [ -d "$root/../shared/data/mnist" ]; then
    sources+=("$(cd "$root/../shared/data/mnist" && pwd)")
fi
for mirror in $mirrors; do sources+=("$mirror"); done
unreachable=" "  # URL prefixes whose host could not be reached: not tried again this run

# Copies or downloads $1.gz from source $2 into $tmp; fails quietly.
fetch_from() {
    case "$2" in
        http://* | https://*)
            case "$unreachable" in *" $2 "*) return 1 ;; esac
            local rc=0
            curl --fail --silent --location --connect-timeout 10 --max-time 300 \
                --output "$tmp" "$2$1.gz" || rc=$?
            # 6: cannot resolve, 7: cannot connect, 28: timed out.
            case $rc in 0) return 0 ;; 6 | 7 | 28) unreachable="$unreachable$2 " ;; esac
            log "$1.gz: not available from $2 (curl exit $rc)"
            return 1 ;;
        *)
            [ -f "$2/$1.gz" ] && cp "$2/$1.gz" "$tmp" ;;
    esac
}

status=0
for name in $files; do
    want=$(expected "$name")
    [ -n "$want" ] || { log "no checksum for $name in $sums"; exit 1; }
    target="$dest/$name.gz"

    if [ -f "$target" ]; then
        if grep -qxF "$(identity "$target")" "$stamp"; then continue; fi
        got=$(actual "$target")
        if [ "$got" = "$want" ]; then
            identity "$target" >>"$stamp"
            continue
        fi
        log "$target: SHA-256 of the decompressed file is $got, expected $want; fetching it again"
        rm -f "$target"
    fi

    tmp="$target.tmp.$$"
    fetched=""
    for source in "${sources[@]}"; do
        if fetch_from "$name" "$source"; then
            fetched=$source
            break
        fi
        rm -f "$tmp"
    done
    if [ -z "$fetched" ]; then
        log "$name.gz: not found in any source (tried: ${sources[*]})"
        status=1
        continue
    fi

    got=$(actual "$tmp")
    if [ "$got" != "$want" ]; then
        log "$name.gz from $fetched: SHA-256 of the decompressed file is $got, expected $want; refused and removed"
        exit 1
    fi
    mv -f "$tmp" "$target"
    tmp=""
    identity "$target" >>"$stamp"
    log "$target: fetched from $fetched and verified"
done

if [ $status -ne 0 ]; then
    log "set MNIST_SOURCE to a directory or http(s) URL prefix holding the four .gz files"
fi
exit $status

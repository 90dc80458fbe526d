#!/usr/bin/env bash
# `make dist`: a release archive that runs without the build tree or a Swift toolchain:
#   dist/mlp-VERSION-linux-ARCH.tar.gz, holding mlp-VERSION/ with
#     bin/mlp                                  the release binary (Swift's libraries linked in)
#     share/man/man1/mlp.1                     the manual page (`mlp manpage`)
#     share/bash-completion/completions/mlp    bash completion (`mlp completions bash`)
#     share/zsh/site-functions/_mlp            zsh completion (`mlp completions zsh`)
#     README.md, LICENSE, docs/                the manual (the README links into docs/)
#     RUNTIME-PACKAGES                         the Debian packages the binary needs at run time
# Expects `make build` to have run (the Makefile's dist target does that first).
set -eu
cd "$(dirname "$0")/.."

mlp=.build/release/mlp
version=$("$mlp" --version | head -n 1 | cut -d' ' -f2)
name="mlp-$version-linux-$(uname -m)"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/mlp-$version"
mkdir -p "$root/bin" "$root/share/man/man1" "$root/share/bash-completion/completions" "$root/share/zsh/site-functions"
install -m 755 "$mlp" "$root/bin/mlp"
"$mlp" manpage > "$root/share/man/man1/mlp.1"
"$mlp" completions bash > "$root/share/bash-completion/completions/mlp"
"$mlp" completions zsh > "$root/share/zsh/site-functions/_mlp"
cp README.md LICENSE "$root/"
mkdir -p "$root/docs" && cp docs/*.md "$root/docs/"
{
    echo "# Debian packages mlp $version needs at run time (install with: apt-get install \$(grep -v '^#' RUNTIME-PACKAGES))"
    cat Scripts/runtime-packages.txt
    echo "# optional: libdnnl2 (oneDNN, opened only for INT8 models: mlp quantize, and evaluate or predict on them)"
} > "$root/RUNTIME-PACKAGES"
mkdir -p dist
tar -C "$stage" -czf "dist/$name.tar.gz.tmp" "mlp-$version"
mv "dist/$name.tar.gz.tmp" "dist/$name.tar.gz"
echo "dist/$name.tar.gz"

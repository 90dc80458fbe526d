#!/usr/bin/env bash
# Makes sure the system libraries mlp links against are installed: OpenBLAS (with CBLAS),
# LAPACKE, zlib, libdeflate, libpng, oneDNN (headers to build; libdnnl2, which it pulls in, is opened at run time
# for INT8 models only), Open MPI's mpirun (openmpi-bin, which brings libopenmpi3: mlp loads it only when
# mpirun starts it) with its headers (libopenmpi-dev, which a test checks Sources/CMPI/shim.h against), and
# pkg-config. As root it installs what is missing with apt-get; otherwise it prints the apt-get line to run and fails.
set -eu

packages="libopenblas-dev liblapacke-dev zlib1g-dev libdeflate-dev libpng-dev libdnnl-dev openmpi-bin libopenmpi-dev pkg-config"
missing=""
for p in $packages; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  exit 0
fi

if [ "$(id -u)" = 0 ]; then
  echo "deps: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  echo "deps: missing system packages:$missing" >&2
  echo "deps: install them with:  sudo apt-get install -y$missing" >&2
  exit 1
fi

#!/usr/bin/env bash
# Runs a command (the page's wasm build, the wasm tests) against tract with the web build's patch
# (scripts/tract-web.patch): tract-onnx registers only the operators of the models this project
# exports, and tract-core and tract-nnef register no model transform by name. Each registry entry
# links its operator's code for every datum type whether or not the page runs it: 770 KiB of the
# gzipped wasm (BENCHMARKS.md, "Download size"). Native builds use tract as published.
# The patched crates are made from the published ones (cargo's download cache) once per tract
# version and patch; the command reaches them through the [patch] table in $VE_TRACT_WEB_CONFIG:
#   bash scripts/tract-web.sh wasm-pack build ... -- --config "$VE_TRACT_WEB_CONFIG"
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
crates=(tract-core tract-nnef tract-onnx)
version=$(grep -A1 '^name = "tract-core"$' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
dir="$VE_CACHE/tract-web/$(cat scripts/tract-web.patch <(echo "$version") | sha256sum | cut -c1-16)"
if [ ! -d "$dir" ]; then
  echo "== tract-web: patching tract $version (scripts/tract-web.patch)"
  cargo fetch --locked --quiet
  mkdir -p "$VE_CACHE/tract-web"
  tmp=$(mktemp -d "$VE_CACHE/tract-web/new.XXXXXX")
  for crate in "${crates[@]}"; do
    archive=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"$crate-$version.crate" | head -1)
    tar -xzf "$archive" -C "$tmp"
    mv "$tmp/$crate-$version" "$tmp/$crate"
  done
  git -C "$tmp" apply -p1 "$PWD/scripts/tract-web.patch"
  mv "$tmp" "$dir"
fi
{
  echo "[patch.crates-io]"
  for crate in "${crates[@]}"; do echo "$crate = { path = \"$dir/$crate\" }"; done
} > "$VE_TRACT_WEB_CONFIG"
# Cargo writes the patched crates into Cargo.lock; the committed file (and its time) comes back after.
lock=$(mktemp)
cp -p Cargo.lock "$lock"
trap 'cp -p "$lock" Cargo.lock; rm -f "$lock"' EXIT
"$@"

#!/usr/bin/env bash
# Builds the wasm package in variants (SIMD, relaxed SIMD, opt-level, tract features) into
# artifacts/bench/pkg-NAME, for `node tests/bench/run.mjs --variants shipped NAME...`. Each is a
# full release build of tract (10 minutes or more on 2 cores); they share one target folder.
#   bash tests/bench/variants.sh [NAME ...]     (default: all)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
export CARGO_TARGET_DIR="$VE_CACHE/target-wasm-variants"
out=artifacts/bench

# name | RUSTFLAGS for wasm32 | cargo --config for the wasm-release profile | Cargo.toml edit
# (the shipped build, www/pkg, is "+simd128" with the profile and features as committed)
variants=(
  "no-simd128|-C target-feature=-simd128||"
  "relaxed-simd|-C target-feature=+simd128,+relaxed-simd||"
  "opt-level-3|-C target-feature=+simd128|profile.wasm-release.opt-level=3|"
  "opt-level-z|-C target-feature=+simd128|profile.wasm-release.opt-level=\"z\"|"
  "tract-no-default-features|-C target-feature=+simd128||tract-onnx = { version = \"0.23.9\", default-features = false, features = [\"getrandom-js\"] }"
)

build() {
  local name=$1 flags=$2 config=$3 tract=$4 crate=.
  if [ -n "$tract" ]; then
    # A copy of the crate whose wasm tract-onnx dependency line is replaced.
    crate="$out/crate-$name"
    rm -rf "$crate" && mkdir -p "$crate"
    cp -r src models tests Cargo.toml Cargo.lock .cargo "$crate/"
    sed -i "/cfg(target_arch = \"wasm32\")'.dependencies/{n;s|^tract-onnx = .*|$tract|}" "$crate/Cargo.toml"
  fi
  echo "== variant $name"
  local start=$SECONDS pkg
  pkg="$PWD/$out/pkg-$name"
  # Exactly the shipped build (scripts/build-web.sh) but for the flags, profile and features.
  (cd "$crate" && RUSTFLAGS="$flags" wasm-pack --quiet build --target web --out-dir "$pkg" --no-pack \
    --profile wasm-release -- --no-default-features ${config:+--config "$config"})
  echo "   built in $((SECONDS - start)) s: $(stat -c %s "$pkg/voice_emotion_bg.wasm") bytes"
}

for line in "${variants[@]}"; do
  IFS='|' read -r name flags config tract <<<"$line"
  if [ $# -eq 0 ] || [[ " $* " == *" $name "* ]]; then build "$name" "$flags" "$config" "$tract"; fi
done

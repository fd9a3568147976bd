#!/usr/bin/env bash
# Builds the wasm package in variants (SIMD, relaxed SIMD, opt-level) into
# artifacts/bench/pkg-NAME, for `node tests/bench/run.mjs --variants shipped NAME...`. Each is a
# full release build of tract (10 minutes or more on 2 cores); they share one target folder.
#   bash tests/bench/variants.sh [NAME ...]     (default: all)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
export CARGO_TARGET_DIR="$VE_CACHE/target-wasm-variants"
out=artifacts/bench

# name | RUSTFLAGS for wasm32 | cargo --config for the wasm-release profile
# (the shipped build, www/pkg, is "+simd128" with the profile as committed; tract-onnx's default
# `transformers` feature is off in the shipped build: 76 KiB gzip, BENCHMARKS.md "Download size")
variants=(
  "no-simd128|-C target-feature=-simd128|"
  "relaxed-simd|-C target-feature=+simd128,+relaxed-simd|"
  "opt-level-3|-C target-feature=+simd128|profile.wasm-release.opt-level=3"
  "opt-level-s|-C target-feature=+simd128|profile.wasm-release.opt-level=\"s\""
  "linalg-opt-3|-C target-feature=+simd128|profile.wasm-release.package.tract-linalg.opt-level=3"
)

build() {
  local name=$1 flags=$2 config=$3
  echo "== variant $name"
  local start=$SECONDS pkg
  pkg="$PWD/$out/pkg-$name"
  # Exactly the shipped build (scripts/build-web.sh) but for the flags and profile.
  RUSTFLAGS="$flags" bash scripts/tract-web.sh wasm-pack --quiet build --target web --out-dir "$pkg" \
    --no-pack --profile wasm-release -- --config "$VE_TRACT_WEB_CONFIG" ${config:+--config "$config"}
  echo "   built in $((SECONDS - start)) s: $(stat -c %s "$pkg/voice_emotion_bg.wasm") bytes"
}

for line in "${variants[@]}"; do
  IFS='|' read -r name flags config <<<"$line"
  if [ $# -eq 0 ] || [[ " $* " == *" $name "* ]]; then build "$name" "$flags" "$config"; fi
done

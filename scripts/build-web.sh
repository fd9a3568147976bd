#!/usr/bin/env bash
# Builds the release wasm package into www/pkg (wasm-pack, then wasm-opt from npm's binaryen).
# Skipped when www/pkg is newer than everything it is built from.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh web
source scripts/env.sh
built=www/pkg/voice_emotion_bg.wasm
if [ -f "$built" ] && [ -z "$(find src models Cargo.toml Cargo.lock .cargo -newer "$built" -print -quit)" ]; then
  echo "== build: www/pkg is up to date"
  exit 0
fi
echo "== build: wasm-pack (release; the first build of tract takes about 10 minutes)"
wasm-pack build --target web --out-dir www/pkg --no-pack --profile wasm-release -- --no-default-features

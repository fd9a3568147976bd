#!/usr/bin/env bash
# `npm run bench`: the release wasm, then the in-browser benchmarks (tests/bench/run.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh browser
bash scripts/build-web.sh
source scripts/env.sh
node tests/bench/run.mjs

#!/usr/bin/env bash
# `npm run bench`: the release wasm, then the in-browser benchmarks (tests/bench/run.mjs).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tests/scripts/setup.sh browser
bash tests/scripts/build-web.sh
source tests/scripts/env.sh
node tests/bench/run.mjs

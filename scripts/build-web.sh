#!/usr/bin/env bash
# Builds the release wasm package into www/pkg (wasm-pack, then wasm-opt from npm's binaryen; tract
# with the web build's patch, scripts/tract-web.sh),
# then lists the page's files and their version for the service worker (scripts/app-files.mjs).
# Skipped when nothing it is built from changed since the last successful build began (a file
# edited while a build runs is older than its output, so the output's own time would miss it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh web
source scripts/env.sh
stamp=www/pkg/.build-started
if [ -f "$stamp" ] && [ -z "$(find build.rs src models Cargo.toml Cargo.lock .cargo scripts/tract-web.patch -newer "$stamp" -print -quit)" ]; then
  echo "== build: the wasm in www/pkg is up to date"
else
  started=$(mktemp)
  echo "== build: wasm-pack (release; the first build of tract takes about 10 minutes)"
  bash scripts/tract-web.sh wasm-pack build --target web --out-dir www/pkg --no-pack --profile wasm-release \
    -- --config "$VE_TRACT_WEB_CONFIG"
  mv "$started" "$stamp"
fi
# Always: the page's own files may have changed without the wasm.
node scripts/app-files.mjs

#!/usr/bin/env bash
# Builds the page with the shipped model and serves www/ on localhost.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-web.sh
source scripts/env.sh
port="${PORT:-8080}"
echo "== serving www/ at http://127.0.0.1:$port/ (Ctrl-C stops)"
exec http-server www -a 127.0.0.1 -p "$port" -c-1 --silent

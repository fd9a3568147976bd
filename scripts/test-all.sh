#!/usr/bin/env bash
# Runs every test suite; prints each suite's result and one closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
source scripts/env.sh
export VE_ARTIFACTS="${VE_ARTIFACTS:-$PWD/artifacts}"
mkdir -p "$VE_ARTIFACTS"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT  # the logs only count tests; tee has printed every line
passed=0 failed=0 summary=()

# Counts the tests a runner reports in its log (cargo, pytest, wasm-bindgen-test, node --test).
count() {
  local p f
  p=$(grep -hoE '([0-9]+ passed|^# pass [0-9]+)' "$1" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
  f=$(grep -hoE '([0-9]+ failed|^# fail [0-9]+)' "$1" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
  echo "$p $f"
}

# A suite that hangs (a browser or server left open) fails after this long, with the suites after it
# still run, instead of taking the whole CI run past its limit. Cold, the slowest suite takes 15 min.
SUITE_LIMIT=2400

# suite NAME KIND COMMAND...: KIND "check" (fmt, lint, a build: one pass when it succeeds) or "tests"
# (a test runner: its own counts, and a run that executed no test is a failure, not a pass).
suite() {
  local name=$1 kind=$2; shift 2
  local log="$logs/${name// /_}.log" start=$SECONDS
  echo; echo "== $name: $*"
  timeout --kill-after=30 "$SUITE_LIMIT" "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]} p f
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then echo "$name did not finish within $SUITE_LIMIT s" | tee -a "$log"; fi
  read -r p f < <(count "$log")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ]; then
    if [ "$kind" = check ]; then p=1; else echo "$name ran no test"; f=1; rc=1; fi
  fi
  passed=$((passed + p)); failed=$((failed + f))
  summary+=("$(printf '%-28s %s (%d passed, %d failed, %ds)' "$name" "$([ "$rc" -eq 0 ] && echo ok || echo FAILED)" "$p" "$f" $((SECONDS - start)))")
}

py="$VE_VENV/bin/python"
smoke="$VE_ARTIFACTS/smoke-model"

suite "rustfmt" check cargo fmt --check
suite "clippy" check cargo clippy --all-targets --all-features --locked -- -D warnings
suite "cargo test" tests cargo test --all-features --locked
suite "training tests" tests "$py" -m pytest training/tests -q -p no:cacheprovider --smoke-out "$smoke"
suite "python package" tests "$py" -m pytest python/tests -q -p no:cacheprovider
suite "smoke model in Rust" tests env VE_PARITY_DIR="$smoke/parity" cargo test --all-features --locked --test parity
# The wasm tests run the tract the page ships (scripts/tract-web.sh).
suite "wasm tests (Chromium)" tests bash scripts/tract-web.sh \
  wasm-pack test --headless --chrome -- --test wasm --config "$VE_TRACT_WEB_CONFIG"
suite "web build" check bash scripts/build-web.sh
suite "end to end (Chromium)" tests node --test --test-concurrency=1 tests/e2e/
suite "end to end (Firefox)" tests env VE_ENGINE=firefox node --test --test-concurrency=1 tests/engines/
suite "end to end (WebKit)" tests env VE_ENGINE=webkit node --test --test-concurrency=1 tests/engines/

echo; echo "== summary"
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Installs whatever is missing; quick when all is present.
#   setup.sh web      what building and serving the page needs (Rust wasm tools, npm packages)
#   setup.sh browser  that, plus Chromium, sox and espeak-ng (benchmarks)
#   setup.sh all      that, plus the training venv (for the tests)
set -euo pipefail
what="${1:-all}"
cd "$(dirname "$0")/.."
source scripts/env.sh
mkdir -p "$VE_TOOLS"

step() { printf '\n== setup: %s\n' "$*"; }

install_system() {
# System packages: Chromium for the browser tests, sox and espeak-ng for test audio; Firefox ESR,
# WebKitGTK's WebDriver (with its MiniBrowser), Xvfb for it, and PulseAudio (the virtual microphone)
# for the other engines' tests.
need_apt=()
for pair in chromium:chromium chromedriver:chromium-driver sox:sox espeak-ng:espeak-ng firefox-esr:firefox-esr \
  WebKitWebDriver:webkit2gtk-driver Xvfb:xvfb pulseaudio:pulseaudio paplay:pulseaudio-utils; do
  command -v "${pair%%:*}" >/dev/null || need_apt+=("${pair#*:}")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    step "apt-get install ${need_apt[*]}"
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "Missing system packages: ${need_apt[*]}" >&2
    echo "Install them with: sudo apt-get install -y ${need_apt[*]}" >&2
    exit 1
  fi
fi
}

install_web() {
# Rust: the wasm target and the exact wasm-bindgen CLI that matches the crate.
if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  step "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 5 minutes, once)"
  # Without --locked: its lock file names a webpki-roots the registry lacks.
  cargo install --quiet --root "$VE_TOOLS" wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
if ! wasm-pack --version 2>/dev/null | grep -q "$WASM_PACK_VERSION"; then
  step "cargo install wasm-pack $WASM_PACK_VERSION (about 5 minutes, once)"
  cargo install --quiet --root "$VE_TOOLS" wasm-pack --version "$WASM_PACK_VERSION"
fi

# JavaScript: binaryen (a wasm-opt that works; Debian's does not) and playwright-core.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
}

install_python() {
# Python: the training pipeline's virtual environment.
stamp="$VE_VENV/.requirements.sha256"
want=$(sha256sum training/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  step "python venv at $VE_VENV (torch is large: about 3 GB download, once)"
  python3 -m venv "$VE_VENV"
  "$VE_VENV/bin/pip" install --quiet -r training/requirements.txt
  echo "$want" > "$stamp"
fi
# The Python package (python/), built from the Rust core by maturin: rebuilt when its sources,
# the core's or the shipped model change (a release build of tract: about 10 minutes, once).
stamp="$VE_VENV/.python-package.sha256"
want=$( (sha256sum python/requirements-dev.txt Cargo.toml Cargo.lock models/emotion.json models/emotion-trunk.onnx models/emotion-head.onnx
  find python src -type f -not -path 'python/target/*' -not -path '*/__pycache__/*' -not -path 'python/tests/*' \
    -not -name '*.so' -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  step "pip install ./python (the Python package; maturin, cargo target $CARGO_TARGET_DIR)"
  "$VE_VENV/bin/pip" install --quiet -r python/requirements-dev.txt
  # maturin runs as a command: the venv's bin on PATH.
  PATH="$VE_VENV/bin:$PATH" "$VE_VENV/bin/pip" install --quiet --no-build-isolation ./python
  echo "$want" > "$stamp"
fi
}

install_web
case "$what" in
  browser) install_system ;;
  all) install_system; install_python ;;
esac

# Shared paths for the set-up, build and test scripts (sourced, not run).
# Tools, the Python environment and build outputs live outside the clone so a
# second run on the same machine is fast; a fresh machine builds them once.
export VE_CACHE="${VE_CACHE:-$HOME/.cache/voice-emotion}"
export VE_TOOLS="$VE_CACHE/tools"
export VE_VENV="$VE_CACHE/venv"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$VE_CACHE/target}"
export PATH="$VE_TOOLS/bin:$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export WASM_BINDGEN_VERSION=0.2.130
export WASM_PACK_VERSION=0.15.1
export VE_TRACT_WEB_CONFIG="$VE_CACHE/tract-web/patch.toml"

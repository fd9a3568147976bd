//! Every input that fuzzing found crashing (saved in `tests/fuzz/regressions/TARGET/`), run through
//! the same checks as its fuzz target; each was a panic before its fix.
// Native only: `wasm-pack test` builds every test target for wasm too (tests/wasm.rs is the browser's).
#![cfg(not(target_arch = "wasm32"))]

#[path = "fuzz/src/lib.rs"]
mod harness;

use std::path::Path;

fn regressions(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz/regressions")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        println!("{}", path.display());
        check(&std::fs::read(&path).unwrap());
        count += 1;
    }
    assert!(count > 0, "no inputs in {}", dir.display());
}

/// symphonia's WAV reader overflowed a shift on a channel mask with too few bits set; a WAV header
/// with a sample rate of 0 was accepted.
#[test]
fn decode_regressions() {
    regressions("decode", harness::decode);
}

/// Finite samples near f32::MAX overflowed the resampler's FFT into a panic inside rubato.
#[test]
fn frontend_regressions() {
    regressions("frontend", harness::frontend);
}

/// tract-onnx indexed a missing output name in a malformed graph.
#[test]
fn model_regressions() {
    regressions("model", harness::model);
}

//! Embeds the shipped model's metadata as the runtime reads it: compact, without `metrics` (the
//! validation figures the model card reports and the runtime never reads: most of the file, about
//! 16 KiB of what the page downloads).

use std::path::Path;

fn main() {
    // Read when the script runs, not when it was compiled: a shared target directory reuses the
    // compiled script for clones at other paths.
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let source = Path::new(&root).join("models/emotion.json");
    println!("cargo::rerun-if-changed={}", source.display());
    let text = std::fs::read(&source).expect("models/emotion.json");
    let mut metadata: serde_json::Value = serde_json::from_slice(&text).expect("models/emotion.json is JSON");
    if let Some(fields) = metadata.as_object_mut() {
        fields.remove("metrics");
    }
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("emotion.json");
    std::fs::write(out, serde_json::to_vec(&metadata).expect("JSON")).expect("OUT_DIR is writable");
}

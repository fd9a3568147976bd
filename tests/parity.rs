//! The Rust runtime against the Python reference, on real speech: the front end against librosa,
//! the streamed windows against the whole window, in tract and in onnxruntime, and the CLI against
//! what the pipeline's calibration step read from the runtime.
//! Fixtures: `tests/fixtures/parity` (shipped model) or `$VE_PARITY_DIR` (e.g. the smoke model).
// Native only: `wasm-pack test` builds every test target for wasm too (tests/wasm.rs is the browser's).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use voice_emotion::window::WindowStream;
use voice_emotion::{EmotionModel, MelFrontEnd};

/// Largest difference allowed between our log-mel frames and librosa's, in dB.
const MAX_DB_ERROR: f32 = 0.01;
/// Largest difference allowed between tract's and onnxruntime's logits (int8 rounding paths differ slightly).
const MAX_LOGIT_ERROR: f32 = 0.02;
/// Largest difference allowed between the probabilities the calibration step read and the CLI's.
const MAX_CALIBRATION_ERROR: f32 = 1e-5;
/// Largest difference allowed between a streamed window and the same window run whole: the same
/// operations on the same values, so float summation order only.
const MAX_STREAM_ERROR: f32 = 1e-4;

struct Fixtures {
    dir: PathBuf,
    index: Value,
}

fn fixtures() -> Fixtures {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::var_os("VE_PARITY_DIR").map_or_else(|| root.join("tests/fixtures/parity"), PathBuf::from);
    let index = serde_json::from_slice(&std::fs::read(dir.join("parity.json")).unwrap()).unwrap();
    Fixtures { dir, index }
}

/// A path from parity.json: absolute, or relative to the repository.
fn resolve(path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
    }
}

fn read_f32(path: &Path) -> Vec<f32> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

/// The model whose whole-window ONNX file the fixture names under `key` (its metadata and parts beside it).
fn model(f: &Fixtures, key: &str) -> EmotionModel {
    EmotionModel::from_path(&resolve(f.index[key].as_str().unwrap())).unwrap()
}

/// librosa's `[n_mels, frames]` matrix of one clip, as rows of frames.
fn librosa_frames(f: &Fixtures, clip: &Value, n_mels: usize) -> Vec<Vec<f32>> {
    let flat = read_f32(&f.dir.join(clip["mel_db"].as_str().unwrap()));
    let frames = clip["frames"].as_u64().unwrap() as usize;
    assert_eq!(flat.len(), n_mels * frames);
    (0..frames)
        .map(|t| (0..n_mels).map(|b| flat[b * frames + t]).collect())
        .collect()
}

#[test]
fn front_end_matches_librosa_on_real_speech() {
    let f = fixtures();
    let model = model(&f, "model");
    let meta = model.metadata();
    let clips = f.index["clips"].as_array().unwrap();
    assert!(clips.len() >= 5, "parity needs at least 5 clips");
    let mut worst = 0.0f32;
    for clip in clips {
        let (samples, rate) = common::read_clip(clip["path"].as_str().unwrap());
        assert_eq!(rate, meta.sample_rate, "corpus clips are at the model rate");
        let ours = MelFrontEnd::new(&meta.frontend, meta.sample_rate).frames(&samples);
        let theirs = librosa_frames(&f, clip, meta.frontend.n_mels);
        assert_eq!(ours.len(), theirs.len(), "{}: frame count", clip["path"]);
        let err = ours
            .iter()
            .zip(&theirs)
            .flat_map(|(a, b)| a.bands_db.iter().zip(b).map(|(x, y)| (x - y).abs()))
            .fold(0.0, f32::max);
        println!("{}: {} frames, max |dB error| {err:.5}", clip["path"], ours.len());
        worst = worst.max(err);
    }
    println!("front end vs librosa: max |dB error| over all clips, frames and bands = {worst:.5}");
    assert!(worst <= MAX_DB_ERROR, "max dB error {worst} > {MAX_DB_ERROR}");
}

/// The streamed windows (the trunk run hop by hop, its steps kept) against the whole window run at
/// once by tract and by onnxruntime, on every window a stream of each clip scores.
#[test]
fn streamed_windows_match_the_whole_window_and_onnxruntime() {
    let f = fixtures();
    // An int8 model's logits are whole multiples of its output step (the fixtures' `logits_step`): a
    // value near a half step can round to neighbouring steps in the two runtimes (v16: one of the 36
    // windows judged against the reference, exactly one step apart). So an int8 window may be one step
    // apart, one window in ten at most; the float model's step is 0.
    let step = f.index["logits_step"].as_f64().unwrap() as f32;
    let mut cases = vec![
        ("model", model(&f, "model"), "logits", step),
        ("model_float", model(&f, "model_float"), "logits_float", 0.0),
    ];
    // A model that takes a reference voice: its windows judged against the six clips' shape too.
    if f.index["clips"][0].get("logits_reference").is_some() {
        let int8 = model(&f, "model");
        let shape = serde_json::from_value(f.index["reference_shape"].clone()).unwrap();
        let reference = voice_emotion::Reference::from_shape(&int8, shape).unwrap();
        cases.push((
            "model with reference",
            int8.with_reference(Some(&reference)).unwrap(),
            "logits_reference",
            step,
        ));
    }
    for (key, model, logits_key, step) in cases {
        let n_mels = model.metadata().frontend.n_mels;
        let (mut worst_reference, mut worst_whole, mut windows, mut stepped) = (0.0f32, 0.0f32, 0, 0);
        for clip in f.index["clips"].as_array().unwrap() {
            let frames = librosa_frames(&f, clip, n_mels);
            let ends: Vec<usize> = clip["window_ends"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e.as_u64().unwrap() as usize)
                .collect();
            let mut stream = WindowStream::new(model.clone()).unwrap();
            let mut pushed = 0;
            for (end, reference) in ends.iter().zip(clip[logits_key].as_array().unwrap()) {
                for frame in &frames[pushed..*end] {
                    stream.push(frame);
                }
                pushed = *end;
                let streamed = stream.logits().unwrap();
                let whole = model
                    .logits(&model.window_input(frames[..*end].iter().map(Vec::as_slice)))
                    .unwrap();
                let reference: Vec<f32> = reference
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap() as f32)
                    .collect();
                let top = |v: &[f32]| (0..v.len()).max_by(|a, b| v[*a].total_cmp(&v[*b])).unwrap();
                assert_eq!(
                    top(&streamed),
                    top(&reference),
                    "{key} {} window ending at {end}: top class",
                    clip["path"]
                );
                let apart = max_difference(&streamed, &reference);
                worst_reference = worst_reference.max(apart);
                stepped += usize::from(apart > MAX_LOGIT_ERROR);
                worst_whole = worst_whole.max(max_difference(&streamed, &whole));
                windows += 1;
            }
        }
        println!(
            "{key}, {windows} windows: streamed vs whole window (tract) max |logit difference| = {worst_whole:.6}, vs onnxruntime {worst_reference:.6} ({stepped} windows over {MAX_LOGIT_ERROR})"
        );
        assert!(
            worst_whole <= MAX_STREAM_ERROR,
            "{key}: streamed vs whole {worst_whole} > {MAX_STREAM_ERROR}"
        );
        assert!(
            worst_reference <= MAX_LOGIT_ERROR + step,
            "{key}: vs onnxruntime {worst_reference} (output step {step})"
        );
        assert!(
            stepped * 10 <= windows,
            "{key}: {stepped} of {windows} windows over {MAX_LOGIT_ERROR} from onnxruntime"
        );
    }
}

/// The file and segment probabilities the pipeline calibrates (training.runtime reads them from the
/// Rust core through the Python package) are those `classify` prints: a second aggregation in
/// Python, or a CLI that aggregates otherwise, fails here.
#[test]
fn calibration_reads_what_the_cli_prints() {
    let f = fixtures();
    let metadata = resolve(f.index["metadata"].as_str().unwrap());
    let labels = model(&f, "model").labels().to_vec();
    let floats = |v: &Value| -> Vec<f32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_f64().unwrap() as f32)
            .collect()
    };
    for clip in f.index["clips"].as_array().unwrap() {
        let path = common::data_dir().join(clip["path"].as_str().unwrap());
        let out = Command::new(env!("CARGO_BIN_EXE_voice-emotion"))
            .arg("--model")
            .arg(&metadata)
            .args(["classify", "--format", "jsonl", "--timeline"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let line: Value = serde_json::from_slice(&out.stdout).unwrap();
        // JSON objects come back in key order: read them in the model's label order.
        let by_label = |scores: &Value| -> Vec<f32> {
            labels
                .iter()
                .map(|l| scores["probabilities"][l.as_str()].as_f64().unwrap() as f32)
                .collect()
        };
        let printed_segments: Vec<Vec<f32>> = line["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| !s["probabilities"].is_null())
            .map(by_label)
            .collect();
        let read_segments: Vec<Vec<f32>> = clip["segments"].as_array().unwrap().iter().map(floats).collect();
        assert_eq!(
            printed_segments.len(),
            read_segments.len(),
            "{}: segments",
            clip["path"]
        );
        assert!(
            !clip["file"].is_null(),
            "{}: the fixture clips hold speech",
            clip["path"]
        );
        let mut worst = max_difference(&by_label(&line), &floats(&clip["file"]));
        for (printed, read) in printed_segments.iter().zip(&read_segments) {
            worst = worst.max(max_difference(printed, read));
        }
        assert!(
            worst <= MAX_CALIBRATION_ERROR,
            "{}: the CLI's probabilities differ from the calibration step's by {worst}",
            clip["path"]
        );
    }
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// Largest difference allowed between the runtime's reference shape and the pipeline's, in dB: the
/// front end's error. The lowest band, which reaches down to 0 Hz, also holds what the runtime's DC
/// blocker removes and training's features keep (0.52 dB on these clips).
const MAX_SHAPE_ERROR: f32 = 0.05;
const MAX_LOWEST_BAND_ERROR: f32 = 1.0;

/// The reference made from the six clips (one recording each) against the pipeline's
/// `training.reference.shape` of their librosa features together.
#[test]
fn reference_shape_matches_the_pipeline() {
    let f = fixtures();
    let model = EmotionModel::from_path(&resolve(f.index["metadata"].as_str().unwrap())).unwrap();
    let mut recorder = voice_emotion::ReferenceRecorder::new(&model).unwrap();
    for clip in f.index["clips"].as_array().unwrap() {
        let (samples, rate) = common::read_clip(clip["path"].as_str().unwrap());
        recorder.add(&samples, rate).unwrap();
    }
    let ours = recorder.finish().unwrap();
    let theirs: Vec<f32> = serde_json::from_value(f.index["reference_shape"].clone()).unwrap();
    let lowest = (ours.shape()[0] - theirs[0]).abs();
    let err = max_difference(&ours.shape()[1..], &theirs[1..]);
    println!(
        "reference shape vs the pipeline: max |dB error| over bands 1-{} = {err:.4}, band 0 {lowest:.4}",
        theirs.len() - 1
    );
    assert!(err <= MAX_SHAPE_ERROR, "{err} dB > {MAX_SHAPE_ERROR}");
    assert!(
        lowest <= MAX_LOWEST_BAND_ERROR,
        "band 0: {lowest} dB > {MAX_LOWEST_BAND_ERROR}"
    );
}

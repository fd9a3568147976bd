//! The `voice-emotion` command as a user meets it: real files, bad files, every output format.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn voice_emotion(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_voice-emotion"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("voice-emotion-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_wav(path: &Path, samples: &[f32], rate: u32, channels: u16) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for s in samples {
        w.write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16).unwrap();
    }
    w.finalize().unwrap();
}

fn angry_path() -> String {
    common::data_dir().join(common::ANGRY_CLIP).display().to_string()
}

#[test]
fn classify_prints_exact_jsonl() {
    let out = voice_emotion(&["classify", "--format", "jsonl", &angry_path()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let line: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    let keys: Vec<&str> = line.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["confidence", "file", "label", "probabilities", "speech_seconds"]);
    assert_eq!(line["label"], "angry");
    let probabilities = line["probabilities"].as_object().unwrap();
    let labels = [
        "neutral",
        "calm",
        "happy",
        "sad",
        "angry",
        "fearful",
        "disgust",
        "surprised",
    ];
    assert_eq!(probabilities.len(), 8);
    assert!(labels.iter().all(|l| probabilities.contains_key(*l)));
    let sum: f64 = probabilities.values().map(|v| v.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-4);
    assert!(line["speech_seconds"].as_f64().unwrap() > 1.0);
}

#[test]
fn classify_table_csv_and_timeline() {
    let table = voice_emotion(&["classify", "--timeline", &angry_path()]);
    let table = text(&table.stdout);
    assert!(table.starts_with("EMOTION"), "{table}");
    assert!(table.contains("angry") && table.contains(" - "), "{table}");

    let csv = voice_emotion(&["classify", "--format", "csv", &angry_path()]);
    let csv = text(&csv.stdout);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "file,label,confidence,neutral,calm,happy,sad,angry,fearful,disgust,surprised,speech_seconds"
    );
    assert!(lines.next().unwrap().contains(",angry,"));

    let timeline = voice_emotion(&["classify", "--format", "jsonl", "--timeline", &angry_path()]);
    let line: serde_json::Value = serde_json::from_str(text(&timeline.stdout).trim()).unwrap();
    let segments = line["timeline"].as_array().unwrap();
    assert!(!segments.is_empty());
    assert_eq!(segments[0]["start"], 0.0);
}

#[test]
fn bad_files_are_named_with_a_reason_and_the_rest_still_run() {
    let dir = temp_dir("bad");
    let empty = dir.join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    let text_file = dir.join("notes.wav");
    std::fs::write(&text_file, "these are my notes, not audio\n".repeat(20)).unwrap();
    let silent = dir.join("silent.wav");
    write_wav(&silent, &vec![0.0; 3 * 16_000], 16_000, 1);
    let no_samples = dir.join("no-samples.wav");
    write_wav(&no_samples, &[], 16_000, 1);
    let truncated = dir.join("truncated.wav");
    let (speech, rate) = common::read_clip(common::ANGRY_CLIP);
    write_wav(&truncated, &speech, rate, 1);
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2 + 1]).unwrap();
    let missing = dir.join("missing.flac");

    let cases: [(&Path, &str); 6] = [
        (&empty, "not a recognized audio file"),
        (&text_file, "not a recognized audio file"),
        (&silent, "no speech detected"),
        (&no_samples, "no audio samples"),
        (&truncated, "truncated"),
        (&missing, "No such file"),
    ];
    let mut args = vec!["classify".to_string(), "--format".into(), "jsonl".into()];
    args.extend(cases.iter().map(|(p, _)| p.display().to_string()));
    args.push(angry_path());
    let out = voice_emotion(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    println!("{stderr}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed file makes the exit status non-zero"
    );
    assert_eq!(stdout.lines().count(), 1, "the good file is still reported: {stdout}");
    assert!(stdout.contains("angry"));
    assert_eq!(stderr.lines().count(), cases.len(), "one line per bad file: {stderr}");
    for ((path, reason), line) in cases.iter().zip(stderr.lines()) {
        assert!(
            line.contains(&path.display().to_string()) && line.contains(reason),
            "{path:?}: expected {reason:?} in {line:?}"
        );
    }
}

#[test]
fn odd_rates_and_channel_counts_are_handled() {
    let dir = temp_dir("rates");
    let (speech, rate) = common::read_clip(common::ANGRY_CLIP);
    let mut files = Vec::new();
    for target in [8_000, 96_000] {
        let path = dir.join(format!("angry-{target}.wav"));
        write_wav(
            &path,
            &voice_emotion::audio::resample(&speech, rate, target).unwrap(),
            target,
            1,
        );
        files.push(path);
    }
    let six: Vec<f32> = speech.iter().flat_map(|s| [*s; 6]).collect();
    let path = dir.join("angry-6ch.wav");
    write_wav(&path, &six, rate, 6);
    files.push(path);
    let mut args = vec!["classify".to_string(), "--format".into(), "jsonl".into()];
    args.extend(files.iter().map(|p| p.display().to_string()));
    let out = voice_emotion(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let labels: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["label"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    println!("8 kHz, 96 kHz, 6 channels: {labels:?}");
    assert_eq!(labels.len(), 3);
    assert_eq!(labels[1], "angry", "96 kHz");
    assert_eq!(labels[2], "angry", "6 channels");
}

#[test]
fn eval_reports_accuracy_recall_and_confusion() {
    let dir = temp_dir("eval");
    let manifest = std::fs::read_to_string(common::data_dir().join("manifest.csv")).unwrap();
    let mut lines = manifest.lines();
    let header = lines.next().unwrap();
    // Two files per emotion from one RAVDESS actor keeps the test quick.
    let mut picked = vec![header.to_string()];
    let mut seen = std::collections::HashMap::new();
    for line in lines.filter(|l| l.starts_with("ravdess/Actor_03/")) {
        let emotion = line.split(',').nth(4).unwrap().to_string();
        let n = seen.entry(emotion).or_insert(0);
        if *n < 2 {
            *n += 1;
            picked.push(line.to_string());
        }
    }
    let path = dir.join("manifest.csv");
    std::fs::write(&path, picked.join("\n")).unwrap();
    let root = common::data_dir().display().to_string();
    let out = voice_emotion(&["eval", "--manifest", &path.display().to_string(), "--root", &root]);
    let stdout = text(&out.stdout);
    println!("{stdout}");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("files: 16 evaluated"), "{stdout}");
    for what in [
        "accuracy: ",
        "unweighted average recall (UA): ",
        "per-class recall:",
        "confusion matrix",
    ] {
        assert!(stdout.contains(what), "missing {what:?}");
    }
    let manifest = path.display().to_string();
    let with_labels =
        |labels: &str| voice_emotion(&["eval", "--manifest", &manifest, "--root", &root, "--labels", labels]);
    let stdout = text(&with_labels("angry,sad,happy").stdout);
    assert!(
        stdout.contains("files: 6 evaluated") && stdout.contains("10 skipped"),
        "{stdout}"
    );
    let unknown = with_labels("bored");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("unknown label \"bored\""));
}

#[test]
fn a_broken_model_is_a_clear_error() {
    let dir = temp_dir("model");
    let onnx = dir.join("broken.onnx");
    std::fs::write(&onnx, &voice_emotion::model::DEFAULT_ONNX[..1000]).unwrap();
    std::fs::write(dir.join("broken.json"), voice_emotion::model::DEFAULT_METADATA).unwrap();
    let out = voice_emotion(&["--model", &onnx.display().to_string(), "classify", &angry_path()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("voice-emotion: model: "),
        "{}",
        text(&out.stderr)
    );
    let out = voice_emotion(&["--model", "/nonexistent/model.onnx", "classify", &angry_path()]);
    assert!(
        text(&out.stderr).contains("/nonexistent/model.onnx"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn ogg_vorbis_and_mp3_decode() {
    // Synthetic speech (espeak-ng) encoded by sox: small committed fixtures, not corpus audio.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio");
    for name in ["speech-22k-stereo.ogg", "speech-44k.mp3"] {
        let path = dir.join(name).display().to_string();
        let out = voice_emotion(&["classify", "--format", "jsonl", &path]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        let line: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
        let speech = line["speech_seconds"].as_f64().unwrap();
        println!(
            "{name}: {} {:.2}, speech {speech:.1} s",
            line["label"], line["confidence"]
        );
        assert!(
            speech > 2.0 && speech < 4.5,
            "{name}: {speech} s of speech in a 4 s clip"
        );
    }
}

#[test]
fn a_truncated_flac_is_named_as_truncated() {
    let dir = temp_dir("flac");
    let bytes = std::fs::read(common::data_dir().join(common::ANGRY_CLIP)).unwrap();
    let truncated = dir.join("truncated.flac");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let out = voice_emotion(&["classify", &truncated.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("truncated.flac") && stderr.contains("truncated"),
        "{stderr}"
    );
}

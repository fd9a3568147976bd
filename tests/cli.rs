//! The `voice-emotion` command as a user meets it: real files, bad files, every output format.
// Native only: `wasm-pack test` builds every test target for wasm too (tests/wasm.rs is the browser's).
#![cfg(not(target_arch = "wasm32"))]

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

/// A scratch folder, removed with everything in it when the test ends.
fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("voice-emotion-cli-{name}-"))
        .tempdir()
        .unwrap()
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
    assert_eq!(
        keys,
        [
            "arousal",
            "confidence",
            "duration",
            "file",
            "label",
            "probabilities",
            "speech_seconds",
            "valence"
        ]
    );
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
    // Written in the model's label order.
    let stdout = text(&out.stdout);
    let at: Vec<usize> = labels
        .iter()
        .map(|l| stdout.find(&format!("\"{l}\":")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{stdout}");
    let sum: f64 = probabilities.values().map(|v| v.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-4);
    assert!(line["speech_seconds"].as_f64().unwrap() > 1.0);
    // An angry voice: energetic and unpleasant (metadata `affect`).
    let (arousal, valence) = (line["arousal"].as_f64().unwrap(), line["valence"].as_f64().unwrap());
    assert!(arousal > 0.5 && valence < 0.5, "arousal {arousal}, valence {valence}");
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
        "file,label,confidence,arousal,valence,neutral,calm,happy,sad,angry,fearful,disgust,surprised,speech_seconds"
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
    let empty = dir.path().join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    let text_file = dir.path().join("notes.wav");
    std::fs::write(&text_file, "these are my notes, not audio\n".repeat(20)).unwrap();
    let silent = dir.path().join("silent.wav");
    write_wav(&silent, &vec![0.0; 3 * 16_000], 16_000, 1);
    let no_samples = dir.path().join("no-samples.wav");
    write_wav(&no_samples, &[], 16_000, 1);
    let truncated = dir.path().join("truncated.wav");
    let (speech, rate) = common::read_clip(common::ANGRY_CLIP);
    write_wav(&truncated, &speech, rate, 1);
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2 + 1]).unwrap();
    let missing = dir.path().join("missing.flac");

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
    // The good file is reported, and the truncated one for the part that is there.
    let reported: Vec<&str> = stdout.lines().collect();
    assert_eq!(reported.len(), 2, "{stdout}");
    assert!(
        reported[0].contains("truncated.wav") && reported[1].contains("angry"),
        "{stdout}"
    );
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
        let path = dir.path().join(format!("angry-{target}.wav"));
        write_wav(
            &path,
            &voice_emotion::audio::resample(&speech, rate, target).unwrap(),
            target,
            1,
        );
        files.push(path);
    }
    let six: Vec<f32> = speech.iter().flat_map(|s| [*s; 6]).collect();
    let path = dir.path().join("angry-6ch.wav");
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
    assert_eq!(labels[0], "angry", "8 kHz (telephone rate)");
    assert_eq!(labels[1], "angry", "96 kHz");
    assert_eq!(labels[2], "angry", "6 channels");
}

fn write_float_wav(path: &Path, samples: &[f32], rate: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    samples.iter().for_each(|s| w.write_sample(*s).unwrap());
    w.finalize().unwrap();
}

/// Classifies the files in one run and asserts that each is heard as angry.
fn assert_all_angry(files: &[String]) {
    let mut args = vec!["classify", "--format", "jsonl"];
    args.extend(files.iter().map(String::as_str));
    let out = voice_emotion(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for (file, line) in files.iter().zip(text(&out.stdout).lines()) {
        let line: serde_json::Value = serde_json::from_str(line).unwrap();
        println!("{file}: {} {:.2}", line["label"], line["confidence"].as_f64().unwrap());
        assert_eq!(line["label"], "angry", "{file}");
    }
}

/// A quiet or a loud recording of the same speech gets the same answer: the model normalizes each
/// window's level, so a constant gain cancels (only the speech gate, an absolute level,
/// still moves which windows are scored). Float WAVs, so nothing clips; 20 dB down to 24 dB up.
#[test]
fn the_recording_level_does_not_change_the_answer() {
    let dir = temp_dir("level");
    let (speech, rate) = common::read_clip(common::ANGRY_CLIP);
    let files: Vec<String> = [0.1f32, 1.0, 16.0]
        .iter()
        .map(|gain| {
            let path = dir.path().join(format!("gain-{gain}.wav"));
            write_float_wav(&path, &speech.iter().map(|s| s * gain).collect::<Vec<_>>(), rate);
            path.display().to_string()
        })
        .collect();
    assert_all_angry(&files);
}

/// What recordings really look like, beyond clean 16-bit speech: a DC offset, hard clipping, float
/// samples beyond full scale. Each still gives the clip's answer. (12 dB of overdrive, on a clip
/// that already peaks near full scale: 2 % of the samples clip.)
#[test]
fn offset_clipped_and_overdriven_speech_is_still_recognized() {
    let dir = temp_dir("unusual");
    let (speech, rate) = common::read_clip(common::ANGRY_CLIP);
    let offset = dir.path().join("dc-offset.wav");
    write_wav(&offset, &speech.iter().map(|s| s + 0.25).collect::<Vec<_>>(), rate, 1);
    let clipped = dir.path().join("clipped.wav");
    let overdriven: Vec<f32> = speech.iter().map(|s| s * 4.0).collect();
    let clipped_fraction = overdriven.iter().filter(|s| s.abs() >= 1.0).count() as f64 / speech.len() as f64;
    println!("{:.1} % of the samples clipped", 100.0 * clipped_fraction);
    assert!(clipped_fraction > 0.01);
    write_wav(&clipped, &overdriven, rate, 1);
    let loud = dir.path().join("beyond-full-scale.wav");
    write_float_wav(&loud, &overdriven, rate);
    let files = [&offset, &clipped, &loud].map(|p| p.display().to_string());
    assert_all_angry(&files);
}

#[test]
fn nan_samples_are_named_and_the_batch_goes_on() {
    let dir = temp_dir("nan");
    let (mut speech, rate) = common::read_clip(common::ANGRY_CLIP);
    speech[20_000] = f32::NAN;
    let nan = dir.path().join("nan.wav");
    write_float_wav(&nan, &speech, rate);
    let out = voice_emotion(&[
        "classify",
        "--format",
        "jsonl",
        &nan.display().to_string(),
        &angry_path(),
    ]);
    let stderr = text(&out.stderr);
    println!("{stderr}");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("nan.wav: sample 20000 is not a finite number"),
        "{stderr}"
    );
    assert!(text(&out.stdout).contains("angry"), "the good file is still reported");
}

/// Every way a model can be wrong gives exit status 2 and one line saying what is wrong.
#[test]
fn bad_models_are_refused_with_the_reason() {
    let dir = temp_dir("bad-models");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models");
    let metadata: serde_json::Value = serde_json::from_slice(voice_emotion::model::DEFAULT_METADATA).unwrap();
    // NAME.json naming NAME-trunk.onnx and NAME-head.onnx beside it.
    let write = |name: &str, trunk: &[u8], head: &[u8], meta: &serde_json::Value| {
        let mut meta = meta.clone();
        meta["stream"]["trunk"] = format!("{name}-trunk.onnx").into();
        meta["stream"]["head"] = format!("{name}-head.onnx").into();
        std::fs::write(dir.path().join(format!("{name}-trunk.onnx")), trunk).unwrap();
        std::fs::write(dir.path().join(format!("{name}-head.onnx")), head).unwrap();
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_vec(&meta).unwrap()).unwrap();
        path
    };
    let (trunk, head) = (voice_emotion::model::DEFAULT_TRUNK, voice_emotion::model::DEFAULT_HEAD);
    let mut seven_labels = metadata.clone();
    seven_labels["labels"].as_array_mut().unwrap().pop();
    for axis in ["arousal", "valence"] {
        seven_labels["affect"]["positions"][axis].as_array_mut().unwrap().pop();
    }
    let mut no_window = metadata.clone();
    no_window.as_object_mut().unwrap().remove("window");
    let wrong_input = std::fs::read(fixtures.join("wrong-input.onnx")).unwrap();
    let cases = [
        (
            write("wrong-input", &wrong_input, head, &metadata),
            "cannot load the trunk",
        ),
        (write("seven-labels", trunk, head, &seven_labels), "[1, 7]"),
        (write("no-window", trunk, head, &no_window), "missing field `window`"),
        (
            write("truncated", &trunk[..trunk.len() - 999], head, &metadata),
            "cannot load the trunk",
        ),
        (write("swapped", head, trunk, &metadata), "cannot load the"),
    ];
    for (model, reason) in &cases {
        let out = voice_emotion(&["--model", &model.display().to_string(), "classify", &angry_path()]);
        let stderr = text(&out.stderr);
        println!("{}: {}", model.file_name().unwrap().to_string_lossy(), stderr.trim());
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.starts_with("voice-emotion: model") && stderr.contains(reason),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }

    // The tiny fixture fits the contract, so it loads and answers (with its meaningless weights).
    let read = |name: &str| std::fs::read(fixtures.join(name)).unwrap();
    let tiny = write("tiny", &read("tiny-trunk.onnx"), &read("tiny-head.onnx"), &metadata);
    let out = voice_emotion(&["--model", &tiny.display().to_string(), "classify", &angry_path()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
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
    let path = dir.path().join("manifest.csv");
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
    let onnx = dir.path().join("broken.onnx");
    let mut meta: serde_json::Value = serde_json::from_slice(voice_emotion::model::DEFAULT_METADATA).unwrap();
    meta["stream"]["trunk"] = "broken-trunk.onnx".into();
    std::fs::write(
        dir.path().join("broken-trunk.onnx"),
        &voice_emotion::model::DEFAULT_TRUNK[..1000],
    )
    .unwrap();
    std::fs::write(dir.path().join("broken-head.onnx"), voice_emotion::model::DEFAULT_HEAD).unwrap();
    meta["stream"]["head"] = "broken-head.onnx".into();
    std::fs::write(dir.path().join("broken.json"), serde_json::to_vec(&meta).unwrap()).unwrap();
    let out = voice_emotion(&["--model", &onnx.display().to_string(), "classify", &angry_path()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("voice-emotion: model: "),
        "{}",
        text(&out.stderr)
    );
    let out = voice_emotion(&["--model", "/nonexistent/model.json", "classify", &angry_path()]);
    assert!(
        text(&out.stderr).contains("/nonexistent/model.json"),
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
fn a_truncated_flac_is_named_as_truncated_and_its_part_reported() {
    let dir = temp_dir("flac");
    let bytes = std::fs::read(common::data_dir().join(common::ANGRY_CLIP)).unwrap();
    let truncated = dir.path().join("truncated.flac");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let out = voice_emotion(&["classify", "--format", "jsonl", &truncated.display().to_string()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a truncated file makes the exit status non-zero"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("truncated.flac: the file is truncated: the result covers the first")
            && stderr.contains("s of the 3.6 s its header promises"),
        "{stderr}"
    );
    let line: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    let duration = line["duration"].as_f64().unwrap();
    assert!(
        (1.0..3.0).contains(&duration),
        "{duration} s of a 3.6 s clip, cut in half"
    );
}

/// Real clips from several RAVDESS actors, a missing file among them.
fn a_batch() -> Vec<String> {
    let mut files: Vec<String> = ["Actor_01", "Actor_05", "Actor_09", "Actor_12", "Actor_16", "Actor_20"]
        .iter()
        .flat_map(|actor| {
            let dir = common::data_dir().join("ravdess").join(actor);
            let mut clips: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
            clips.sort();
            clips.into_iter().step_by(20).take(3)
        })
        .map(|p| p.display().to_string())
        .collect();
    files.insert(4, "/nonexistent/missing.wav".into());
    files
}

#[test]
fn jobs_lists_and_resume_give_the_same_results_in_the_same_order() {
    let files = a_batch();
    let args = |extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = ["classify", "--format", "jsonl"].map(String::from).to_vec();
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let run = |args: &[String]| voice_emotion(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let one = run(&[args(&["--jobs", "1"]), files.clone()].concat());
    assert_eq!(one.status.code(), Some(1), "the missing file fails the batch");
    let lines: Vec<&str> = std::str::from_utf8(&one.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), files.len() - 1, "every readable file is reported");
    for (line, file) in lines.iter().zip(files.iter().filter(|f| !f.contains("missing"))) {
        assert!(line.contains(&format!("\"file\":\"{file}\"")), "in input order: {line}");
    }

    // On every core, from a list file, from stdin: the same bytes on stdout and stderr.
    let parallel = run(&[args(&["--jobs", "3"]), files.clone()].concat());
    assert_eq!(
        (parallel.stdout.as_slice(), parallel.stderr.as_slice()),
        (one.stdout.as_slice(), one.stderr.as_slice())
    );
    let dir = temp_dir("batch");
    let list = dir.path().join("list.txt");
    std::fs::write(&list, files.join("\n") + "\n\n").unwrap();
    let listed = run(&args(&["--files-from", &list.display().to_string()]));
    assert_eq!(listed.stdout, one.stdout);
    let mut piped = Command::new(env!("CARGO_BIN_EXE_voice-emotion"))
        .args(args(&["--files-from", "-", "--jobs", "2"]))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut piped.stdin.take().unwrap(), files.join("\n").as_bytes()).unwrap();
    assert_eq!(piped.wait_with_output().unwrap().stdout, one.stdout);

    // An interrupted run (two results and half a line written) resumed: only the rest is analysed.
    let output = dir.path().join("out.jsonl");
    std::fs::write(&output, format!("{}\n{}\n{}", lines[0], lines[1], &lines[2][..40])).unwrap();
    let resumed = run(&[args(&["--resume", &output.display().to_string()]), files.clone()].concat());
    let rest: Vec<&str> = std::str::from_utf8(&resumed.stdout).unwrap().lines().collect();
    assert_eq!(rest, lines[2..], "{}", text(&resumed.stderr));
    assert!(text(&resumed.stderr).contains("resuming: 2 files already in the output are skipped"));
    let refused = run(&[
        "classify".into(),
        "--resume".into(),
        output.display().to_string(),
        files[0].clone(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("--resume reads JSON lines"));
}

/// The peak resident memory (VmHWM) of a running process, in bytes, while it runs.
fn run_measuring_peak_memory(command: &mut Command) -> (Output, u64) {
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0;
    while child.try_wait().unwrap().is_none() {
        let hwm = std::fs::read_to_string(&status).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
        });
        peak_kb = peak_kb.max(hwm.unwrap_or(0));
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    (child.wait_with_output().unwrap(), peak_kb * 1024)
}

/// A long telephone-rate call (8 kHz 16-bit WAV of `seconds`) with the angry clip at its start,
/// middle and end and silence between, written as it goes (a 12-hour file is 691 MB).
fn write_call(path: &Path, seconds: u32) {
    const RATE: u32 = 8_000;
    let (speech, rate) = common::read_clip(common::ANGRY_CLIP);
    let speech: Vec<i16> = voice_emotion::audio::resample(&speech, rate, RATE)
        .unwrap()
        .iter()
        .map(|s| (s.clamp(-1.0, 1.0) * 32767.0) as i16)
        .collect();
    let total = (seconds * RATE) as usize;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut wav = hound::WavWriter::new(std::io::BufWriter::new(std::fs::File::create(path).unwrap()), spec).unwrap();
    let mut writer = wav.get_i16_writer(total as u32);
    let starts = [0, total / 2, total - speech.len()];
    let mut at = 0;
    for start in starts {
        (at..start).for_each(|_| writer.write_sample(0));
        speech.iter().for_each(|s| writer.write_sample(*s));
        at = start + speech.len();
    }
    writer.flush().unwrap();
    wav.finalize().unwrap();
}

/// A 12-hour telephone-rate recording (8 kHz WAV, 691 MB) with the angry clip at its start, middle
/// and end and silence between: streamed (memory stays far below the file's size), progress on
/// stderr, and the right answer.
#[test]
fn a_twelve_hour_recording_streams_in_bounded_memory() {
    const HOURS: u32 = 12;
    let dir = temp_dir("twelve-hours");
    let path = dir.path().join("call.wav");
    write_call(&path, HOURS * 3600);
    let file_bytes = std::fs::metadata(&path).unwrap().len();

    let started = std::time::Instant::now();
    let (out, peak) = run_measuring_peak_memory(
        Command::new(env!("CARGO_BIN_EXE_voice-emotion"))
            .args(["classify", "--progress", "--format", "jsonl"])
            .arg(&path),
    );
    std::fs::remove_file(&path).unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    println!(
        "{HOURS} h at 8 kHz ({file_bytes} bytes) in {:.1} s, peak resident memory {} MB; last progress line: {:?}",
        started.elapsed().as_secs_f64(),
        peak / 1_000_000,
        stderr.lines().last()
    );
    assert!(out.status.success(), "{stderr}");
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(line["label"], "angry");
    let speech_seconds = line["speech_seconds"].as_f64().unwrap();
    assert!((3.0..15.0).contains(&speech_seconds), "{speech_seconds} s of speech");
    // One progress line per ten minutes of audio.
    assert_eq!(stderr.lines().count(), (HOURS * 6) as usize, "{stderr}");
    assert!(
        stderr.lines().last().unwrap().ends_with(": 720 min analysed"),
        "{stderr}"
    );
    assert!(peak > 0 && peak < 200_000_000, "peak resident memory {peak} bytes");
}

/// `classify` with `args`, then `files`.
fn classify_files(args: &[&str], files: &[String]) -> Output {
    let mut all = vec!["classify"];
    all.extend(args);
    all.extend(files.iter().map(String::as_str));
    voice_emotion(&all)
}

/// Progress goes to stderr only: a batch's stdout is the same bytes with `--progress` as without,
/// and `--progress` into a log adds a line per ten minutes of each file's audio, and nothing else.
#[test]
fn progress_in_a_log_is_a_line_per_ten_minutes_and_stdout_is_unchanged() {
    let dir = temp_dir("progress");
    let call = dir.path().join("call.wav");
    write_call(&call, 20 * 60);
    let mut files = a_batch();
    files.insert(2, call.display().to_string());
    let expected = [10, 20].map(|minutes| format!("{}: {minutes} min analysed", call.display()));
    for format in ["table", "jsonl", "csv"] {
        let quiet = classify_files(&["--jobs", "2", "--format", format], &files);
        let progress = classify_files(&["--jobs", "2", "--format", format, "--progress"], &files);
        assert_eq!(quiet.status.code(), Some(1), "the missing file fails the batch");
        assert_eq!(progress.status.code(), Some(1));
        assert!(
            text(&quiet.stdout).contains("call.wav"),
            "{format}: {}",
            text(&quiet.stdout)
        );
        assert_eq!(progress.stdout, quiet.stdout, "{format}");
        let (quiet_err, progress_err) = (text(&quiet.stderr), text(&progress.stderr));
        println!("{format}, --progress:\n{progress_err}");
        let (lines, rest): (Vec<&str>, Vec<&str>) = progress_err.lines().partition(|l| l.ends_with(" min analysed"));
        assert_eq!(lines, expected, "{format}");
        assert_eq!(rest, quiet_err.lines().collect::<Vec<_>>(), "{format}");
        assert!(
            quiet_err.starts_with("voice-emotion: /nonexistent/missing.wav: ") && quiet_err.lines().count() == 1,
            "{format}: {quiet_err}"
        );
    }
}

/// Runs the shell `command` on a pseudo-terminal (util-linux `script`); what the terminal showed,
/// a line per `\n` or `\r` with the escape sequences left out and the trailing blanks trimmed.
fn on_a_terminal(command: &str) -> (Output, Vec<String>) {
    let out = Command::new("script")
        .args(["-q", "-e", "-c", command, "/dev/null"])
        .output()
        .expect("util-linux `script` runs commands on a pseudo-terminal");
    let mut screen = String::new();
    let mut chars = text(&out.stdout).chars().collect::<Vec<_>>().into_iter().peekable();
    while let Some(c) = chars.next() {
        match c {
            // CSI: ESC [ parameters, then one final letter.
            '\x1b' if chars.peek() == Some(&'[') => {
                chars.by_ref().find(char::is_ascii_alphabetic);
            }
            '\r' => screen.push('\n'),
            c => screen.push(c),
        }
    }
    let lines = screen
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    (out, lines)
}

/// `files`, quoted for the shell.
fn quoted(files: &[String]) -> String {
    files.iter().map(|f| format!("'{f}'")).collect::<Vec<_>>().join(" ")
}

/// On a terminal: one bar for the batch on stderr (files done of the total, hours of audio), a
/// spinner with the count when the list comes on stdin, the missing file's line whole between the
/// bar's frames, and stdout the same bytes as without a terminal.
#[test]
fn a_terminal_shows_one_bar_for_the_batch_and_stdout_is_unchanged() {
    let files = a_batch();
    let plain = classify_files(&["--format", "jsonl"], &files);
    let missing = text(&plain.stderr).trim_end().to_string();
    assert!(
        missing.starts_with("voice-emotion: /nonexistent/missing.wav: "),
        "{missing}"
    );
    let dir = temp_dir("terminal");
    let (stdout, list) = (dir.path().join("stdout.jsonl"), dir.path().join("list.txt"));
    std::fs::write(&list, files.join("\n")).unwrap();
    let bin = env!("CARGO_BIN_EXE_voice-emotion");
    let (n, stdout_path) = (files.len(), stdout.display());
    for (input, counted) in [
        (quoted(&files), true),
        (format!("--files-from - < '{}'", list.display()), false),
    ] {
        let command = format!("'{bin}' classify --format jsonl {input} > '{stdout_path}'");
        let (out, screen) = on_a_terminal(&command);
        println!("{}", screen.join("\n"));
        assert_eq!(out.status.code(), Some(1), "{command}: {}", text(&out.stderr));
        assert_eq!(std::fs::read(&stdout).unwrap(), plain.stdout, "{command}");
        assert!(screen.contains(&missing), "{command}: the error line whole");
        let (summary, frames) = screen.split_last().unwrap();
        let frames: Vec<&String> = frames.iter().filter(|l| l.contains(" files, ")).collect();
        let total = format!("/{n} files, ");
        let done = if counted {
            format!(" {n}{total}")
        } else {
            format!(" {n} files, ")
        };
        assert!(
            frames.iter().any(|l| l.contains(&done)),
            "{command}: a frame with {done:?}"
        );
        assert!(
            frames
                .iter()
                .all(|l| l.contains(&total) == counted && l.ends_with(" left") == counted),
            "{command}: every frame with the total and the time left, or neither"
        );
        assert!(
            summary.starts_with(&format!("{n} files, 0.0")) && summary.contains(" h of audio in "),
            "{command}: {summary}"
        );
    }
}

/// `--reference`: the files judged against the speaker's own voice, as the library does it; a
/// recording that cannot be a reference is reported and the files are judged without one.
#[test]
fn classify_with_a_reference_judges_against_that_voice() {
    let dir = temp_dir("reference");
    let metadata = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/emotion.json");
    let (model, angry) = (metadata.display().to_string(), angry_path());
    let neutral = common::NEUTRAL_CLIPS.map(|c| common::data_dir().join(c).display().to_string());
    let classify = |extra: &[&str]| {
        let mut args = vec!["--model", &model];
        args.extend(extra);
        args.extend(["classify", "--format", "jsonl", "--timeline", &angry]);
        voice_emotion(&args)
    };
    let with = classify(&["--reference", &neutral[0], "--reference", &neutral[1]]);
    assert!(with.status.success(), "{}", text(&with.stderr));

    // The library's answer with the same reference.
    let shipped = voice_emotion::EmotionModel::from_path(&metadata).unwrap();
    let mut recorder = voice_emotion::ReferenceRecorder::new(&shipped).unwrap();
    for path in &neutral {
        recorder.add_file(Path::new(path)).unwrap();
    }
    let judged = shipped.with_reference(Some(&recorder.finish().unwrap())).unwrap();
    let analysis = voice_emotion::analyze_file(&judged, Path::new(&angry)).unwrap();
    let expected = voice_emotion::Report {
        file: &angry,
        analysis: &analysis,
        labels: judged.labels(),
    }
    .json(true);
    assert_eq!(text(&with.stdout).trim(), expected);
    let without = classify(&[]);
    assert_ne!(with.stdout, without.stdout, "the reference changed nothing");

    // Too short, silent, not audio, and a model that takes none: said, then judged without one.
    let silent = dir.path().join("silent.wav");
    write_wav(&silent, &vec![0.0; 8 * 16_000], 16_000, 1);
    let not_audio = dir.path().join("notes.wav");
    std::fs::write(&not_audio, "not audio").unwrap();
    for (args, words) in [
        (
            vec!["--reference", neutral[0].as_str()],
            "lasts 3.6 s: at least 5 s are needed",
        ),
        (vec!["--reference", silent.to_str().unwrap()], "is silent"),
        (vec!["--reference", not_audio.to_str().unwrap()], "cannot decode audio"),
    ] {
        let out = classify(&args);
        let stderr = text(&out.stderr);
        println!("{}", stderr.trim());
        assert!(
            stderr.contains(words) && stderr.contains("judging without a reference"),
            "{stderr}"
        );
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(out.stdout, without.stdout);
    }
    let plain = common::without_a_reference(&metadata, dir.path()).display().to_string();
    let out = voice_emotion(&["--model", &plain, "--reference", &neutral[0], "classify", &angry]);
    assert!(text(&out.stderr).contains("this model cannot compare a voice with a reference"));
    assert_eq!(out.status.code(), Some(1));

    // The same speech through a telephone (8 kHz), judged against the studio reference: another
    // channel, said, and judged without the reference (as without one), exit 1.
    let phone = dir.path().join("phone.wav");
    let (samples, rate) = common::read_clip(common::ANGRY_CLIP);
    write_wav(
        &phone,
        &voice_emotion::audio::resample(&samples, rate, 8_000).unwrap(),
        8_000,
        1,
    );
    let phone = phone.display().to_string();
    let run = |extra: &[&str]| {
        let mut args = vec!["--model", &model];
        args.extend(extra);
        args.extend(["classify", "--format", "jsonl", &phone]);
        voice_emotion(&args)
    };
    let judged = run(&["--reference", &neutral[0], "--reference", &neutral[1]]);
    let stderr = text(&judged.stderr);
    println!("{}", stderr.trim());
    assert!(
        stderr.contains("another microphone or room than this recording") && stderr.contains("judged without it"),
        "{stderr}"
    );
    assert_eq!(judged.status.code(), Some(1));
    assert_eq!(judged.stdout, run(&[]).stdout);
}

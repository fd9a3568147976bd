//! Native speed of the core: front end per 3 s, inference per window run whole (int8 beside its
//! float twin), the live recognizer's cost per 0.5 s hop of speech (front end, trunk on the new
//! frames, head) without and with a reference voice, making a reference from 7 s of speech, and
//! `analyze` on 60 s. Prints figures; never fails on a timing.

#[path = "../common/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use voice_emotion::{EmotionModel, MelFrontEnd, Recognizer, Reference, analyze};

fn models() -> [(&'static str, EmotionModel); 2] {
    let float = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/emotion-float.onnx");
    [
        ("int8", EmotionModel::shipped().unwrap()),
        ("float", EmotionModel::from_path(&float).unwrap()),
    ]
}

fn bench(c: &mut Criterion) {
    let (speech, rate) = common::read_clip(common::ANGRY_CLIP);
    let [(_, int8), _] = models();
    let meta = int8.metadata().clone();
    let three_seconds = &speech[..3 * rate as usize];

    let mut front_end = MelFrontEnd::new(&meta.frontend, meta.sample_rate);
    c.bench_function("front end, 3 s of speech", |b| {
        b.iter(|| front_end.frames(three_seconds))
    });

    let frames = front_end.frames(three_seconds);
    let input = int8.window_input(frames.iter().map(|f| f.bands_db.as_slice()));
    let mut group = c.benchmark_group("inference per window, whole");
    for (name, model) in models() {
        group.bench_function(name, |b| b.iter(|| model.logits(&input).unwrap()));
    }
    group.finish();

    // The two graphs a live hop runs: the trunk on one hop's frames (its state carried), the head on a
    // window's steps.
    let hop_frames = meta.window.hop_frames;
    let hop_input: Vec<f32> = input
        .chunks_exact(input.len() / meta.frontend.n_mels)
        .flat_map(|band| band[..hop_frames].iter().copied())
        .collect();
    let window_steps = vec![0.5; int8.step_size() * meta.stream.window_steps];
    let mut state = int8.silent_state();
    let mut group = c.benchmark_group("live hop stages");
    group.bench_function("trunk on one hop", |b| {
        b.iter(|| int8.trunk(&mut state, &hop_input, hop_frames).unwrap())
    });
    group.bench_function("head on one window", |b| b.iter(|| int8.head(&window_steps).unwrap()));
    group.finish();

    // A reference voice: the actor's two neutral sentences.
    let neutral: Vec<f32> = common::NEUTRAL_CLIPS
        .iter()
        .flat_map(|c| common::read_clip(c).0)
        .collect();
    c.bench_function("reference from 7 s of speech", |b| {
        b.iter(|| Reference::from_recording(&int8, &neutral, rate).unwrap())
    });
    let reference = Reference::from_recording(&int8, &neutral, rate).unwrap();

    // Each iteration pushes the next 0.5 s of a looped utterance: one window scored from one hop's trunk.
    let hop = meta.window.hop_frames * meta.frontend.hop_length;
    let mut group = c.benchmark_group("live recognizer per 0.5 s hop of speech");
    for (name, model) in [
        ("without reference", int8.clone()),
        ("with reference", int8.with_reference(Some(&reference)).unwrap()),
    ] {
        let mut recognizer = Recognizer::new(model, rate).unwrap();
        let mut at = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                if at + hop > speech.len() {
                    at = 0;
                }
                at += hop;
                recognizer.push(&speech[at - hop..at]).unwrap()
            })
        });
    }
    group.finish();

    let minute: Vec<f32> = speech.iter().cycle().take(60 * rate as usize).copied().collect();
    let mut group = c.benchmark_group("analyze");
    group.sample_size(10);
    group.bench_function("60 s clip", |b| b.iter(|| analyze(&int8, &minute, rate).unwrap()));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Native speed of the core: front end per 3 s, inference per window (int8 beside its float twin),
//! and `analyze` on 60 s. Prints figures; never fails on a timing.

#[path = "../common/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use voice_emotion::{EmotionModel, MelFrontEnd, analyze};

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
    let mut input = vec![0.0; meta.input.shape.iter().product()];
    int8.fill_input(frames.iter().map(|f| f.bands_db.as_slice()), &mut input);
    let mut group = c.benchmark_group("inference per window");
    for (name, model) in models() {
        group.bench_function(name, |b| b.iter(|| model.logits(&input).unwrap()));
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

//! A long live stream: speech from eight speakers with silence, noise and hum between, at 44.1 kHz
//! in random chunk sizes. Memory stays flat, every prediction comes exactly one hop after the last,
//! and the time per audio hour is printed. One hour by default; `VE_SOAK_HOURS=3` for the long run.
//! Alone in its own test binary, so that no other test's allocations move the process-wide count.
// Native only: `wasm-pack test` builds every test target for wasm too (tests/wasm.rs is the browser's).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use voice_emotion::{EmotionModel, Recognizer};

/// Counts live heap bytes, to show that a long stream does not grow memory.
struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const RATE: u32 = 44_100;

/// One pass of the programme: each clip, then four seconds of silence, low noise or mains hum.
fn programme() -> Vec<f32> {
    let clips = [
        "ravdess/Actor_01/03-01-02-02-01-01-01.flac",
        "ravdess/Actor_04/03-01-03-02-02-01-04.flac",
        "ravdess/Actor_07/03-01-04-02-01-02-07.flac",
        common::ANGRY_CLIP,
        "ravdess/Actor_12/03-01-06-02-02-01-12.flac",
        "ravdess/Actor_15/03-01-07-02-01-01-15.flac",
        "ravdess/Actor_18/03-01-08-02-02-02-18.flac",
        "tess/OAF_Fear/OAF_back_fear.flac",
    ];
    let mut rng = SmallRng::seed_from_u64(3);
    let gap = 4 * RATE as usize;
    let mut audio = Vec::new();
    for (i, clip) in clips.iter().enumerate() {
        let (speech, rate) = common::read_clip(clip);
        audio.extend(voice_emotion::audio::resample(&speech, rate, RATE).unwrap());
        audio.extend((0..gap).map(|n| match i % 3 {
            0 => 0.0,
            1 => rng.random_range(-0.01..0.01),
            _ => 0.05 * (std::f32::consts::TAU * 50.0 * n as f32 / RATE as f32).sin(),
        }));
    }
    audio
}

#[test]
fn hours_of_audio_keep_memory_flat_and_timing_exact() {
    let hours: f64 = std::env::var("VE_SOAK_HOURS").map_or(1.0, |h| h.parse().expect("VE_SOAK_HOURS is a number"));
    let audio = programme();
    let model = EmotionModel::shipped().unwrap();
    let meta = model.metadata().clone();
    let mut recognizer = Recognizer::new(model, RATE).unwrap();
    let pass_seconds = audio.len() as f64 / f64::from(RATE);
    let passes = (hours * 3600.0 / pass_seconds).ceil() as usize;

    // Prediction k ends with frame 50(k + 1) - 1: its time is exact, not accumulated.
    let (hop_frames, hop_length) = (meta.window.hop_frames as u64, meta.frontend.hop_length as u64);
    let expected_time = |k: u64| {
        (((k + 1) * hop_frames - 1) * hop_length + meta.frontend.n_fft as u64) as f64 / f64::from(meta.sample_rate)
    };

    let mut rng = SmallRng::seed_from_u64(11);
    let (mut predictions, mut speech) = (0u64, 0u64);
    let mut baseline = None;
    let mut peak = 0isize;
    let mut hour_started = (Instant::now(), 0.0);
    let mut seconds_per_hour = Vec::new();
    for pass in 0..passes {
        let mut at = 0;
        while at < audio.len() {
            let end = (at + rng.random_range(1..8192)).min(audio.len());
            for p in recognizer.push(&audio[at..end]).unwrap() {
                assert_eq!(p.time, expected_time(predictions), "prediction {predictions}");
                predictions += 1;
                speech += u64::from(p.speech());
            }
            at = end;
            peak = peak.max(LIVE.load(Ordering::Relaxed));
        }
        if pass == 2 {
            baseline = Some(LIVE.load(Ordering::Relaxed));
        }
        let streamed = (pass + 1) as f64 * pass_seconds;
        if streamed - hour_started.1 >= 3600.0 || pass + 1 == passes {
            seconds_per_hour.push(hour_started.0.elapsed().as_secs_f64() * 3600.0 / (streamed - hour_started.1));
            hour_started = (Instant::now(), streamed);
        }
    }

    let streamed = passes as f64 * pass_seconds;
    let hop_seconds = (hop_frames * hop_length) as f64 / f64::from(meta.sample_rate);
    let expected = ((streamed - meta.frontend.n_fft as f64 / f64::from(RATE)) / hop_seconds).floor() as u64;
    let end = LIVE.load(Ordering::Relaxed);
    let baseline = baseline.unwrap();
    println!(
        "{passes} passes ({:.2} h): {predictions} predictions ({speech} with speech); live heap {baseline} bytes \
         after 3 passes, {end} at the end, peak {peak}; processing seconds per audio hour: {seconds_per_hour:.1?}",
        streamed / 3600.0
    );
    assert!(
        predictions.abs_diff(expected) <= 1,
        "{predictions} predictions, expected {expected}"
    );
    assert!(
        speech > predictions / 3 && speech < predictions,
        "{speech} of {predictions} with speech"
    );
    assert!(
        (end - baseline).abs() < 64 * 1024,
        "heap grew from {baseline} to {end} bytes"
    );
}

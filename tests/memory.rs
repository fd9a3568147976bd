//! A long stream keeps memory flat. Alone in its own test binary, so that no other test's
//! allocations move the process-wide count.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

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

#[test]
fn an_hour_of_audio_keeps_memory_flat() {
    let (audio, rate) = common::conversation();
    let mut recognizer = Recognizer::new(EmotionModel::shipped().unwrap(), rate).unwrap();
    let seconds_per_pass = audio.len() as f64 / f64::from(rate);
    let passes = (3600.0 / seconds_per_pass).ceil() as usize;
    let mut baseline = None;
    let mut peak = 0isize;
    for pass in 0..passes {
        for chunk in audio.chunks(2048) {
            let predictions = recognizer.push(chunk).unwrap();
            drop(predictions);
            peak = peak.max(LIVE.load(Ordering::Relaxed));
        }
        if pass == 2 {
            baseline = Some(LIVE.load(Ordering::Relaxed));
        }
    }
    let end = LIVE.load(Ordering::Relaxed);
    let baseline = baseline.unwrap();
    println!(
        "{passes} passes ({:.0} s): live heap {baseline} bytes after 3 passes, {end} at the end, peak {peak}",
        passes as f64 * seconds_per_pass
    );
    assert!(
        (end - baseline).abs() < 64 * 1024,
        "heap grew from {baseline} to {end} bytes"
    );
}

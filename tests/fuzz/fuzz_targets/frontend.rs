//! `frontend`: see `voice_emotion_fuzz::frontend` for what must hold.
#![no_main]

libfuzzer_sys::fuzz_target!(
    // libfuzzer-sys aborts in its panic hook, before the crate's guards against third-party
    // panics (`catch_unwind`) can turn them into errors; the default hook lets them. A panic
    // that nothing catches still aborts the run as a crash.
    init: drop(std::panic::take_hook()),
    |data: &[u8]| voice_emotion_fuzz::frontend(data)
);

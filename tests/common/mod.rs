//! Helpers shared by the native integration tests.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::PathBuf;

use voice_emotion::decode::AudioReader;

/// The corpora folder: `$VE_DATA`, or `../shared/data` beside the repository.
pub fn data_dir() -> PathBuf {
    std::env::var_os("VE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"))
}

/// A corpus clip decoded to mono, with its sample rate.
pub fn read_clip(relative: &str) -> (Vec<f32>, u32) {
    let path = data_dir().join(relative);
    let mut reader = AudioReader::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut samples = Vec::new();
    while let Some(chunk) = reader.next_chunk().unwrap() {
        samples.extend(chunk);
    }
    (samples, reader.sample_rate())
}

/// A clearly angry RAVDESS utterance (actor 05, strong intensity).
pub const ANGRY_CLIP: &str = "ravdess/Actor_05/03-01-05-02-02-02-05.flac";

/// Speech, then 3 s of silence, then speech again, at 44.1 kHz as a browser might deliver it.
pub fn conversation() -> (Vec<f32>, u32) {
    let (speech, rate) = read_clip(ANGRY_CLIP);
    let mut audio = speech.clone();
    audio.extend(std::iter::repeat_n(0.0, 3 * rate as usize));
    audio.extend(&speech);
    (voice_emotion::audio::resample(&audio, rate, 44_100).unwrap(), 44_100)
}

/// A copy in `dir` of the model whose metadata is `metadata` (its trunk and head beside it), as
/// a model made before references were: its metadata without `reference`. Returns its metadata.
pub fn without_a_reference(metadata: &std::path::Path, dir: &std::path::Path) -> PathBuf {
    let mut meta: serde_json::Value = serde_json::from_slice(&std::fs::read(metadata).unwrap()).unwrap();
    meta.as_object_mut().unwrap().remove("reference");
    std::fs::create_dir_all(dir).unwrap();
    for part in ["trunk", "head"] {
        let name = meta["stream"][part].as_str().unwrap();
        std::fs::copy(metadata.with_file_name(name), dir.join(name)).unwrap();
    }
    let path = dir.join("plain-model.json");
    std::fs::write(&path, serde_json::to_vec(&meta).unwrap()).unwrap();
    path
}

/// Two neutral sentences of one RAVDESS actor: together about 7 s, the reference's 5 s at least.
pub const NEUTRAL_CLIPS: [&str; 2] = [
    "ravdess/Actor_05/03-01-01-01-01-01-05.flac",
    "ravdess/Actor_05/03-01-01-01-02-01-05.flac",
];

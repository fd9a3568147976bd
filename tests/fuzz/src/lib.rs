//! What each fuzz target checks, shared with the regression tests (`tests/robustness.rs` runs
//! every input saved in `regressions/` through the same function).

use std::sync::OnceLock;

use voice_emotion::audio::MAX_SAMPLE_MAGNITUDE;
use voice_emotion::decode::AudioReader;
use voice_emotion::{EmotionModel, Error, MelFrontEnd, Recognizer, model};

/// Enough decoded audio to reach every decoding path without making a slow input of a tiny one.
const MAX_DECODED_SAMPLES: usize = 1 << 20;

/// Any bytes as an audio file: samples or a `Decode` error, never a panic.
pub fn decode(data: &[u8]) {
    let mut reader = match AudioReader::from_bytes(data.to_vec()) {
        Ok(reader) => reader,
        Err(Error::Decode(_)) => return,
        Err(e) => panic!("not a decode error: {e}"),
    };
    assert!(reader.sample_rate() > 0 && reader.channels() > 0);
    let mut decoded = 0;
    loop {
        match reader.next_chunk() {
            Ok(Some(chunk)) => decoded += chunk.len(),
            Ok(None) | Err(Error::Decode(_)) => break,
            Err(e) => panic!("not a decode error: {e}"),
        }
        if decoded > MAX_DECODED_SAMPLES {
            break;
        }
    }
}

fn shipped() -> &'static EmotionModel {
    static MODEL: OnceLock<EmotionModel> = OnceLock::new();
    MODEL.get_or_init(|| EmotionModel::shipped().unwrap())
}

/// Any bit patterns as samples (NaN, infinities, denormals, squares, 0 or 1 samples) at any rate
/// in any chunking: the front end gives one frame per hop; the recognizer refuses bad rates and
/// corrupt samples with typed errors, and otherwise predicts finite probabilities.
/// Layout: 3 bytes rate / 4, 2 bytes chunk length, then little-endian f32 samples.
pub fn frontend(data: &[u8]) {
    let Some((head, body)) = data.split_first_chunk::<5>() else {
        return;
    };
    let rate = u32::from_le_bytes([head[0], head[1], head[2], 0]) * 4;
    let chunk = usize::from(head[3]) * 16 + usize::from(head[4]) + 1;
    let samples: Vec<f32> = body
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();

    let meta = shipped().metadata();
    let mut frontend = MelFrontEnd::new(&meta.frontend, meta.sample_rate);
    let expected = frontend.frame_count(samples.len());
    assert_eq!(frontend.frames(&samples).len(), expected);

    let mut recognizer = match Recognizer::new(shipped().clone(), rate) {
        Ok(r) => r,
        Err(Error::SampleRate { .. }) => return,
        Err(e) => panic!("unexpected error for rate {rate}: {e}"),
    };
    for piece in samples.chunks(chunk) {
        match recognizer.push(piece) {
            Ok(predictions) => {
                for emotion in predictions.iter().filter_map(|p| p.emotion.as_ref()) {
                    assert!(emotion.probabilities.iter().all(|p| p.is_finite()), "{emotion:?}");
                }
            }
            Err(Error::NonFiniteSample { .. } | Error::SampleOutOfRange { .. }) => {
                assert!(piece.iter().any(|s| !s.is_finite() || s.abs() > MAX_SAMPLE_MAGNITUDE));
            }
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
}

/// Any bytes as the trunk's ONNX file (first byte % 4 == 0), the head's (1), the metadata JSON (2),
/// or JSON and trunk (3: the next byte times 64 bytes of JSON, then ONNX): a model that scores a
/// window, or a model error.
pub fn model(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (json, trunk, head) = (model::DEFAULT_METADATA, model::DEFAULT_TRUNK, model::DEFAULT_HEAD);
    let loaded = match mode % 4 {
        0 => EmotionModel::from_bytes(json, rest, head),
        1 => EmotionModel::from_bytes(json, trunk, rest),
        2 => EmotionModel::from_bytes(rest, trunk, head),
        _ => {
            let split = rest.len().min(usize::from(rest.first().copied().unwrap_or(0)) * 64);
            let (json, onnx) = rest.split_at(split);
            EmotionModel::from_bytes(json, onnx, head)
        }
    };
    match loaded {
        Ok(model) => {
            let len = model.metadata().input.shape.iter().product();
            let logits = model.logits(&vec![0.0; len]).expect("a loaded model runs");
            assert_eq!(logits.len(), model.labels().len());
        }
        Err(Error::Model(_) | Error::Metadata(_)) => {}
        Err(e) => panic!("not a model error: {e}"),
    }
}

//! The JavaScript bindings in headless Chromium (`wasm-pack test --headless --chrome`), with the
//! shipped model and a real RAVDESS clip that the browser itself decodes.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Function, Uint8Array};
use serde_json::Value;
use voice_emotion::wasm::{AttemptRecorder, JsAnalyzer as Analyzer, JsModel as Model, Microphone, VoiceRecorder};
use voice_emotion::window::WindowStream;
use voice_emotion::{Analysis, CsvWriter, EmotionModel, FileAnalysis, MelFrontEnd, Reference, Report, model};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{AudioBuffer, OfflineAudioContext};

wasm_bindgen_test_configure!(run_in_browser);

/// An angry RAVDESS utterance (actor 05, normal intensity), built into the test.
const ANGRY_FLAC: &[u8] = include_bytes!("../../shared/data/ravdess/Actor_05/03-01-05-01-01-01-05.flac");
/// The RAVDESS files are 16 kHz; decoding at 44.1 kHz makes the browser resample, as a page
/// whose AudioContext runs at the device's rate would.
const DECODE_RATE: u32 = 44_100;

/// The clip decoded by the browser's decodeAudioData, as mono samples at `DECODE_RATE`.
async fn decoded_clip() -> Vec<f32> {
    decoded_clip_at(DECODE_RATE).await
}

async fn decoded_clip_at(rate: u32) -> Vec<f32> {
    let context =
        OfflineAudioContext::new_with_number_of_channels_and_length_and_sample_rate(1, 1, rate as f32).unwrap();
    let bytes = Uint8Array::from(ANGRY_FLAC).buffer();
    let buffer: AudioBuffer = JsFuture::from(context.decode_audio_data(&bytes).unwrap())
        .await
        .unwrap()
        .unchecked_into();
    assert_eq!(buffer.number_of_channels(), 1);
    assert_eq!(buffer.sample_rate(), rate as f32);
    buffer.get_channel_data(0).unwrap()
}

fn json(value: JsValue) -> Value {
    serde_wasm_bindgen::from_value(value).unwrap()
}

fn error_message(error: JsError) -> String {
    String::from(JsValue::from(error).unchecked_into::<js_sys::Error>().message())
}

/// `bytes` with every `from` replaced by `to` (of the same length).
fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut found = false;
    for i in 0..=out.len() - from.len() {
        if &out[i..i + from.len()] == from {
            out[i..i + from.len()].copy_from_slice(to);
            found = true;
        }
    }
    assert!(found, "{from:?} not found");
    out
}

fn assert_distribution(emotion: &Value, labels: &[String]) {
    let p: Vec<f64> = serde_json::from_value(emotion["probabilities"].clone()).unwrap();
    assert_eq!(p.len(), labels.len());
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-4, "{p:?}");
    let best = (0..p.len()).max_by(|a, b| p[*a].total_cmp(&p[*b])).unwrap();
    assert_eq!(emotion["label"], labels[best].as_str());
    assert_eq!(emotion["confidence"].as_f64().unwrap(), p[best]);
}

#[wasm_bindgen_test]
async fn analyze_matches_the_rust_api_on_a_decoded_clip() {
    let samples = decoded_clip().await;
    let model = Model::new().unwrap();
    let labels = model.labels();
    assert_eq!(labels.len(), 8);
    assert!((0.0..1.0).contains(&model.unsure_below()));
    assert_eq!(model.hop_seconds(), 0.5);

    let analysis = json(model.analyze(&samples, DECODE_RATE).unwrap());
    let duration = analysis["duration"].as_f64().unwrap();
    assert!((duration - 3.87).abs() < 0.01, "duration {duration}");
    assert!(analysis["speech_seconds"].as_f64().unwrap() > 1.0, "{analysis}");
    assert_distribution(&analysis["overall"], &labels);
    let timeline = analysis["timeline"].as_array().unwrap();
    assert!(!timeline.is_empty());
    assert_eq!(timeline[0]["start"], 0.0);
    assert!((timeline.last().unwrap()["end"].as_f64().unwrap() - duration).abs() < 1e-9);
    for segment in timeline.iter().filter(|s| !s["emotion"].is_null()) {
        assert_distribution(&segment["emotion"], &labels);
    }

    // The same samples through the Rust API give the same answer.
    let native = voice_emotion::analyze(&EmotionModel::shipped().unwrap(), &samples, DECODE_RATE).unwrap();
    assert_eq!(analysis["overall"]["label"], native.overall.unwrap().label.as_str());
    assert_eq!(timeline.len(), native.timeline.len());

    // Piecewise analysis gives exactly what the one-shot analysis gives.
    let mut analyzer: Analyzer = model.analyzer(DECODE_RATE).unwrap();
    for chunk in samples.chunks(5000) {
        analyzer.push(chunk).unwrap();
    }
    assert!((analyzer.seconds().unwrap() - duration).abs() < 1e-9);
    assert_eq!(json(analyzer.finish().unwrap()), analysis);
    assert!(error_message(analyzer.finish().unwrap_err()).contains("already finished"));
}

#[wasm_bindgen_test]
async fn push_in_worklet_sized_chunks_predicts_every_hop() {
    let samples = decoded_clip().await;
    let model = Model::new().unwrap();
    let labels = model.labels();
    let mut recognizer = model.recognizer(DECODE_RATE).unwrap();
    let predictions: Vec<Value> = samples
        .chunks(2048)
        .filter_map(|chunk| {
            let p = recognizer.push(chunk).unwrap();
            (!p.is_undefined()).then(|| json(p))
        })
        .collect();
    // One prediction per half-second hop (the 2048-sample chunks are shorter than a hop).
    assert!(predictions.len() >= 6, "{} predictions", predictions.len());
    let times: Vec<f64> = predictions.iter().map(|p| p["time"].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|t| t[1] > t[0]), "{times:?}");
    let speech: Vec<&Value> = predictions.iter().filter(|p| !p["emotion"].is_null()).collect();
    assert!(!speech.is_empty(), "no speech detected: {predictions:?}");
    for p in speech {
        assert_distribution(&p["emotion"], &labels);
    }

    // A new stream starts at time zero again.
    recognizer.reset();
    let first = (0..)
        .map(|i| recognizer.push(&samples[i * 2048..(i + 1) * 2048]).unwrap())
        .find(|p| !p.is_undefined())
        .unwrap();
    assert_eq!(json(first)["time"], predictions[0]["time"]);
}

/// librosa's features of two real clips (a RAVDESS sentence, a TESS word shorter than a window) and
/// onnxruntime's logits of the whole-window int8 graph for every window a stream of each scores.
const PARITY: &str = include_str!("fixtures/parity/parity.json");
const PARITY_MELS: [(&str, &[u8]); 2] = [
    (
        "03-01-05-02-01-01-01.f32",
        include_bytes!("fixtures/parity/03-01-05-02-01-01-01.f32"),
    ),
    ("OAF_back_fear.f32", include_bytes!("fixtures/parity/OAF_back_fear.f32")),
];

/// In the browser too, the streamed windows (the trunk run hop by hop) equal the whole window run at
/// once, and onnxruntime's logits of the same windows.
#[wasm_bindgen_test]
fn streamed_windows_match_the_whole_window_and_onnxruntime() {
    let model = EmotionModel::shipped().unwrap();
    let index: Value = serde_json::from_str(PARITY).unwrap();
    for (name, bytes) in PARITY_MELS {
        let clip = index["clips"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["mel_db"] == name)
            .unwrap();
        let flat: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        let n = clip["frames"].as_u64().unwrap() as usize;
        let frames: Vec<Vec<f32>> = (0..n).map(|t| (0..64).map(|b| flat[b * n + t]).collect()).collect();
        let mut stream = WindowStream::new(model.clone()).unwrap();
        let mut pushed = 0;
        for (end, reference) in clip["window_ends"]
            .as_array()
            .unwrap()
            .iter()
            .zip(clip["logits"].as_array().unwrap())
        {
            let end = end.as_u64().unwrap() as usize;
            frames[pushed..end].iter().for_each(|f| stream.push(f));
            pushed = end;
            let streamed = stream.logits().unwrap();
            let whole = model
                .logits(&model.window_input(frames[..end].iter().map(Vec::as_slice)))
                .unwrap();
            for ((s, w), r) in streamed.iter().zip(&whole).zip(reference.as_array().unwrap()) {
                assert!((s - w).abs() <= 1e-4, "{name} at {end}: streamed {s} vs whole {w}");
                assert!(
                    (s - r.as_f64().unwrap() as f32).abs() <= 0.02,
                    "{name} at {end}: {s} vs onnxruntime {r}"
                );
            }
        }
    }
}

/// `Model`'s two stages and its input tensor are exactly what the Rust core computes for the first window.
#[wasm_bindgen_test]
async fn model_stages_match_the_rust_core() {
    let samples = decoded_clip_at(16_000).await;
    let mut model = Model::new().unwrap();
    assert_eq!(
        (model.sample_rate(), model.mel_bands(), model.window_frames()),
        (16_000, 64, 300)
    );
    let mel = model.mel_spectrogram(&samples).unwrap();
    let logits = model.logits(&mel[..300 * 64]).unwrap();

    let native = EmotionModel::shipped().unwrap();
    let meta = native.metadata();
    let frames = MelFrontEnd::new(&meta.frontend, meta.sample_rate).frames(&samples);
    assert_eq!(mel.len(), frames.len() * 64);
    assert!(frames.iter().flat_map(|f| &f.bands_db).eq(mel.iter()));
    let input = native.window_input(frames.iter().take(300).map(|f| &f.bands_db[..]));
    assert_eq!(model.input(&mel[..300 * 64]).unwrap(), input);
    assert_eq!(logits, native.logits(&input).unwrap());

    let message = error_message(model.logits(&mel[..100]).unwrap_err());
    assert_eq!(message, "100 values are not whole frames of 64 bands");
    let message = error_message(model.mel_spectrogram(&[f32::INFINITY]).unwrap_err());
    assert!(message.contains("not a finite number"), "{message}");
}

/// A file's bytes are decoded and analysed in the page by the core's own path, and exported by the
/// core's own writers: the binding adds nothing.
#[wasm_bindgen_test]
fn a_file_is_decoded_analysed_and_exported_by_the_core() {
    let model = Model::new().unwrap();
    let mut file = model.open_file(ANGRY_FLAC.to_vec()).unwrap();
    let promised = file.promised_seconds().unwrap().unwrap();
    assert!((promised - 3.87).abs() < 0.01, "{promised}");
    let mut steps = 0;
    while file.advance(0.5).unwrap() {
        steps += 1;
    }
    assert!(steps >= 6, "{steps} steps of half a second");
    assert!(!file.truncated().unwrap());
    let analysis = file.finish().unwrap();

    let shipped = EmotionModel::shipped().unwrap();
    let core = FileAnalysis::from_bytes(&shipped, ANGRY_FLAC.to_vec())
        .unwrap()
        .finish()
        .unwrap();
    let crossed: Analysis = serde_wasm_bindgen::from_value(analysis.clone()).unwrap();
    assert_eq!(crossed, core);
    let report = Report {
        file: "angry.flac",
        analysis: &core,
        labels: shipped.labels(),
    };
    assert_eq!(
        model.report_json("angry.flac", analysis.clone()).unwrap(),
        report.json(true) + "\n"
    );
    let mut csv = CsvWriter::new(Vec::new(), shipped.labels(), true).unwrap();
    csv.write(&report).unwrap();
    let csv = String::from_utf8(csv.into_inner().unwrap()).unwrap();
    assert_eq!(model.report_csv("angry.flac", analysis).unwrap(), csv);
}

/// Two neutral sentences of the angry clip's actor, built in: a reference of that voice.
const NEUTRAL_FLACS: [&[u8]; 2] = [
    include_bytes!("../../shared/data/ravdess/Actor_05/03-01-01-01-01-01-05.flac"),
    include_bytes!("../../shared/data/ravdess/Actor_05/03-01-01-01-02-01-05.flac"),
];

/// A FLAC's mono samples, decoded by the core.
fn decoded(bytes: &[u8]) -> Vec<f32> {
    let mut reader = voice_emotion::decode::AudioReader::from_bytes(bytes.to_vec()).unwrap();
    let mut samples = Vec::new();
    while let Some(chunk) = reader.next_chunk().unwrap() {
        samples.extend(chunk);
    }
    samples
}

/// The shipped model as one made before references were (its metadata without `reference`).
fn plain_model() -> Model {
    let mut meta: Value = serde_json::from_slice(model::DEFAULT_METADATA).unwrap();
    meta.as_object_mut().unwrap().remove("reference");
    Model::from_bytes(&meta.to_string(), model::DEFAULT_TRUNK, model::DEFAULT_HEAD).unwrap()
}

fn error_name(error: JsValue) -> (String, String) {
    let error = error.unchecked_into::<js_sys::Error>();
    (String::from(error.name()), String::from(error.message()))
}

#[wasm_bindgen_test]
fn a_reference_voice_is_made_and_judged_against_as_the_core_does() {
    let model = Model::new().unwrap();
    let core = EmotionModel::shipped().unwrap();
    assert!(model.takes_reference() && !model.compares_with_reference());
    assert!(!plain_model().takes_reference());

    let voice: Vec<f32> = NEUTRAL_FLACS.iter().flat_map(|f| decoded(f)).collect();
    let reference = model.reference(&voice, 16_000).unwrap();
    let native = Reference::from_recording(&core, &voice, 16_000).unwrap();
    assert_eq!(reference.shape(), native.shape());
    let kept = model.reference_from_shape(reference.shape()).unwrap();
    assert_eq!(kept.shape(), reference.shape());
    let saved = model.reference_from_json(&reference.to_json()).unwrap();
    assert_eq!(saved.shape(), reference.shape());
    let (name, message) = error_name(model.reference_from_json("{\"voice\": 3}").err().unwrap());
    assert_eq!(name, "UnusableReference");
    assert!(message.starts_with("this is not a saved voice"), "{message}");

    let judged = model.with_reference(&reference).unwrap();
    assert!(judged.compares_with_reference());
    let angry = decoded(ANGRY_FLAC);
    let expected = voice_emotion::analyze(&core.with_reference(Some(&native)).unwrap(), &angry, 16_000).unwrap();
    let crossed: Analysis = serde_wasm_bindgen::from_value(judged.analyze(&angry, 16_000).unwrap()).unwrap();
    assert_eq!(crossed, expected);
    assert_ne!(
        json(model.analyze(&angry, 16_000).unwrap()),
        json(judged.analyze(&angry, 16_000).unwrap())
    );
    let forgotten = judged.without_reference().unwrap();
    assert!(!forgotten.compares_with_reference());
    assert_eq!(
        json(forgotten.analyze(&angry, 16_000).unwrap()),
        json(model.analyze(&angry, 16_000).unwrap())
    );

    // What cannot be a reference says why, by name.
    let (name, message) = error_name(model.reference(&vec![0.0; 8 * 16_000], 16_000).err().unwrap());
    assert_eq!(
        (name.as_str(), message.as_str()),
        ("UnusableReference", "the reference recording is silent")
    );
    let (name, message) = error_name(model.reference(&voice[..16_000], 16_000).err().unwrap());
    assert_eq!(name, "UnusableReference");
    assert!(message.contains("at least 5 s"), "{message}");
    let (name, message) = error_name(plain_model().reference(&voice, 16_000).err().unwrap());
    assert_eq!(name, "UnusableReference");
    assert!(message.contains("cannot compare a voice with a reference"), "{message}");
    let (name, _) = error_name(model.reference(&[0.1, f32::NAN], 16_000).err().unwrap());
    assert_eq!(name, "Error");
    let (name, _) = error_name(model.reference_from_shape(vec![1.0; 3]).err().unwrap());
    assert_eq!(name, "UnusableReference");
    // A recording's bytes are decoded as the CLI decodes them (the page's file succeeds end to end).
    let (name, message) = error_name(model.reference_from_file(NEUTRAL_FLACS[0].to_vec()).err().unwrap());
    assert_eq!(name, "UnusableReference");
    assert!(
        message.contains("lasts 3.") && message.contains("at least 5 s"),
        "{message}"
    );
    let (name, _) = error_name(model.reference_from_file(b"no audio here".to_vec()).err().unwrap());
    assert_eq!(name, "FormatError", "the page decodes those in the browser");
}

#[wasm_bindgen_test]
fn bad_input_gives_errors_with_clear_messages() {
    let metadata = std::str::from_utf8(model::DEFAULT_METADATA).unwrap();
    let (trunk, head) = (model::DEFAULT_TRUNK, model::DEFAULT_HEAD);
    let message = error_message(Model::from_bytes(metadata, b"not an onnx file", head).err().unwrap());
    assert!(message.starts_with("model: cannot load the trunk"), "{message}");
    let message = error_message(
        Model::from_bytes(metadata, trunk, &head[..head.len() / 2])
            .err()
            .unwrap(),
    );
    assert!(message.starts_with("model: cannot load the head"), "{message}");
    let message = error_message(Model::from_bytes("{", trunk, head).err().unwrap());
    assert!(message.starts_with("model metadata:"), "{message}");
    // An operator the web build's tract does not register (scripts/tract-web.patch): named in the
    // error, no trap.
    let tanh = replace(trunk, b"Relu", b"Tanh");
    let message = error_message(Model::from_bytes(metadata, &tanh, head).err().unwrap());
    assert!(message.starts_with("model: cannot load the trunk"), "{message}");
    assert!(message.contains("Tanh"), "{message}");
    // The shipped bytes through fromBytes are a working model, with its own decision constants.
    let loaded = Model::from_bytes(metadata, trunk, head).unwrap();
    assert_eq!(loaded.labels().len(), 8);
    assert_eq!(
        loaded.unsure_below(),
        EmotionModel::shipped().unwrap().metadata().decision.unsure_below
    );

    let mut recognizer = loaded.recognizer(16_000).unwrap();
    let mut samples = vec![0.1; 4000];
    samples[123] = f32::NAN;
    let message = error_message(recognizer.push(&samples).unwrap_err());
    assert!(message.contains("sample 123 is not a finite number"), "{message}");
    let message = error_message(loaded.analyze(&samples, 16_000).unwrap_err());
    assert!(message.contains("not a finite number"), "{message}");
    let message = error_message(loaded.recognizer(1_000).err().unwrap());
    assert!(message.contains("unsupported sample rate 1000 Hz"), "{message}");

    // Bytes that are no audio format the core reads: an error the page can tell apart.
    let error: js_sys::Error = loaded
        .open_file(b"these are notes".to_vec())
        .err()
        .unwrap()
        .unchecked_into();
    assert_eq!(String::from(error.name()), "FormatError");
    assert!(String::from(error.message()).contains("not a recognized audio file"));
}

/// The microphone path end to end inside the test page: Chromium's fake device (webdriver.json
/// turns it on) -> AudioContext -> the real worklet processor -> predictions in a callback.
#[wasm_bindgen_test]
async fn microphone_delivers_predictions_and_stop_releases_it() {
    let (predictions, collect) = collector();
    let microphone = Microphone::new(
        &Model::new().unwrap(),
        collect.as_ref().unchecked_ref::<Function>().clone(),
        worklet_url(),
    );
    JsFuture::from(microphone.start().unwrap()).await.unwrap();
    assert!(microphone.running());
    let rate = microphone.sample_rate().unwrap();
    assert!(rate >= 8000.0, "context rate {rate}");

    // Predictions arrive every half second of audio.
    for _ in 0..40 {
        if predictions.length() >= 2 {
            break;
        }
        sleep(100).await;
    }
    assert!(predictions.length() >= 2, "{} predictions in 4 s", predictions.length());
    let first = json(predictions.get(0));
    assert!(first["time"].as_f64().unwrap() > 0.0, "{first}");

    microphone.stop();
    assert!(!microphone.running());
    assert_eq!(microphone.sample_rate(), None);
    let after_stop = predictions.length();
    sleep(700).await;
    assert_eq!(predictions.length(), after_stop, "predictions after stop");
}

/// The practice path: an attempt through the fake device, ended by `finish()`, is released and
/// analysed once; abandoning one reports nothing.
#[wasm_bindgen_test]
async fn an_attempt_is_recorded_finished_and_analysed_once() {
    let (progress, on_progress) = collector();
    let (ended, on_ended) = collector();
    let recorder = AttemptRecorder::new(
        &Model::new().unwrap(),
        on_progress.as_ref().unchecked_ref::<Function>().clone(),
        on_ended.as_ref().unchecked_ref::<Function>().clone(),
        worklet_url(),
    );
    JsFuture::from(recorder.start().unwrap()).await.unwrap();
    assert!(recorder.running());
    let seconds = |p: &Array| {
        p.length()
            .checked_sub(1)
            .map_or(0.0, |i| json(p.get(i))["seconds"].as_f64().unwrap())
    };
    for _ in 0..40 {
        if seconds(&progress) >= 1.5 {
            break;
        }
        sleep(100).await;
    }
    let last = json(progress.get(progress.length() - 1));
    assert!(
        last["seconds"].as_f64().unwrap() >= 1.5 && last["heardSpeech"].is_boolean(),
        "{last}"
    );

    recorder.finish();
    assert!(!recorder.running());
    assert_eq!(ended.length(), 1);
    let analysis = json(ended.get(0));
    let duration = analysis["duration"].as_f64().unwrap();
    assert!(duration >= last["seconds"].as_f64().unwrap(), "{analysis}");
    assert!(
        analysis["timeline"].is_array() && analysis.get("overall").is_some(),
        "{analysis}"
    );
    recorder.finish();
    assert_eq!(ended.length(), 1, "a second finish reported again");

    JsFuture::from(recorder.start().unwrap()).await.unwrap();
    recorder.stop();
    assert!(!recorder.running());
    sleep(700).await;
    assert_eq!(ended.length(), 1, "an abandoned attempt was reported");
}

/// The reference recorder through Chromium's fake microphone (a beep a second): progress while it
/// records, the device released on finish, and a reference or the reason there is none; a model
/// that takes none refuses at once.
#[wasm_bindgen_test]
async fn a_voice_is_recorded_from_the_microphone_into_a_reference() {
    let model = Model::new().unwrap();
    let (progress, on_progress) = collector();
    let recorder = VoiceRecorder::new(
        &model,
        on_progress.as_ref().unchecked_ref::<Function>().clone(),
        worklet_url(),
    );
    JsFuture::from(recorder.start().unwrap()).await.unwrap();
    assert!(recorder.running());
    let last = || json(progress.get(progress.length().max(1) - 1));
    for _ in 0..100 {
        if progress.length() > 0 && last()["seconds"].as_f64().unwrap() >= 6.0 {
            break;
        }
        sleep(100).await;
    }
    let seen = last();
    assert!(
        seen["seconds"].as_f64().unwrap() >= 6.0 && seen["speechSeconds"].is_number(),
        "{seen}"
    );
    match recorder.finish() {
        Ok(reference) => assert_eq!(reference.shape().len(), 64),
        Err(error) => assert_eq!(error_name(error).0, "UnusableReference"),
    }
    assert!(!recorder.running());
    assert!(
        recorder.finish().is_err(),
        "a second finish made a reference of nothing"
    );

    let (_, on_progress) = collector();
    let plain = VoiceRecorder::new(
        &plain_model(),
        on_progress.as_ref().unchecked_ref::<Function>().clone(),
        worklet_url(),
    );
    let (name, message) = error_name(plain.start().err().unwrap());
    assert_eq!(name, "UnusableReference");
    assert!(message.contains("cannot compare"), "{message}");
    assert!(!plain.running());
}

/// `capture-worklet.js` as a blob URL (the test page serves no files of ours).
fn worklet_url() -> String {
    let worklet = js_sys::Array::of1(&include_str!("../www/capture-worklet.js").into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&worklet, &options).unwrap();
    web_sys::Url::create_object_url_with_blob(&blob).unwrap()
}

/// A callback that keeps every value it is called with.
fn collector() -> (Array, Closure<dyn FnMut(JsValue)>) {
    let values = Array::new();
    let push = {
        let values = values.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |v: JsValue| {
            values.push(&v);
        })
    };
    (values, push)
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

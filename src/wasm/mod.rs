//! The JavaScript API: a thin wasm-bindgen layer over the core. One `Model` (the shipped one, or
//! any other from its bytes) makes the rest: a live `Recognizer`, an `Analyzer` for a clip's
//! samples, a `FileAnalysis` for a file's bytes, the [`Microphone`] and the [`AttemptRecorder`], and
//! the exports; a model that takes a reference voice also makes a `Reference` (from samples, or
//! from the microphone with the [`VoiceRecorder`]) and a `Model` that judges against it.
//! Results cross as plain objects (serde-wasm-bindgen); errors become JS `Error`s.

mod microphone;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::{
    Analysis, Analyzer, CsvWriter, EmotionModel, Error, FileAnalysis, MelFrontEnd, Recognizer, Reference,
    ReferenceRecorder, Report,
};
pub use microphone::{AttemptRecorder, Microphone, VoiceRecorder};

fn js_error(e: Error) -> JsError {
    JsError::new(&e.to_string())
}

fn from_js<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&e.to_string()))
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// A loaded model: its labels and decision constants, and the recognizers made from it.
#[wasm_bindgen(js_name = Model)]
pub struct JsModel {
    model: EmotionModel,
    frontend: MelFrontEnd,
}

#[wasm_bindgen(js_class = Model)]
impl JsModel {
    /// The model built into the page.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<JsModel, JsError> {
        Ok(Self::wrap(EmotionModel::shipped().map_err(js_error)?))
    }

    /// Another model: its metadata JSON text and the bytes of the two ONNX files it names (the
    /// trunk and the head).
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(metadata_json: &str, trunk: &[u8], head: &[u8]) -> Result<JsModel, JsError> {
        let model = EmotionModel::from_bytes(metadata_json.as_bytes(), trunk, head).map_err(js_error)?;
        Ok(Self::wrap(model))
    }

    fn wrap(model: EmotionModel) -> Self {
        let meta = model.metadata();
        Self {
            frontend: MelFrontEnd::new(&meta.frontend, meta.sample_rate),
            model,
        }
    }

    /// The labels, in the order of every `probabilities` array.
    #[wasm_bindgen(getter)]
    pub fn labels(&self) -> Vec<String> {
        self.model.labels().to_vec()
    }

    /// Below this confidence a result should read "not sure" (from the model's metadata).
    #[wasm_bindgen(getter, js_name = unsureBelow)]
    pub fn unsure_below(&self) -> f32 {
        self.model.metadata().decision.unsure_below
    }

    /// Seconds between two live predictions.
    #[wasm_bindgen(getter, js_name = hopSeconds)]
    pub fn hop_seconds(&self) -> f64 {
        let meta = self.model.metadata();
        meta.window.hop_frames as f64 * meta.hop_seconds()
    }

    /// Whether this model can judge a voice against the speaker's own everyday voice.
    #[wasm_bindgen(getter, js_name = takesReference)]
    pub fn takes_reference(&self) -> bool {
        self.model.metadata().reference.is_some()
    }

    /// Whether this model judges against a reference voice (`withReference`).
    #[wasm_bindgen(getter, js_name = comparesWithReference)]
    pub fn compares_with_reference(&self) -> bool {
        self.model.reference().is_some()
    }

    /// A reference of the speaker's everyday voice from one recording's mono samples at
    /// `sampleRate` Hz (5 to 60 s, most of it speech, through the microphone and room it will
    /// judge). Throws an `Error` named `UnusableReference` saying why one cannot be made (silent,
    /// too short, clipped, steady noise, a model that takes none).
    pub fn reference(
        &self,
        samples: &[f32],
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: u32,
    ) -> Result<JsReference, JsValue> {
        Reference::from_recording(&self.model, samples, sample_rate)
            .map(|inner| JsReference { inner })
            .map_err(named)
    }

    /// A reference from a whole recording's bytes (WAV, FLAC, Ogg Vorbis or MP3, decoded as the CLI
    /// decodes `--reference FILE`). Throws an `Error` named `FormatError` for a format the core does
    /// not read (decode it in the browser and call `reference`), or `UnusableReference`.
    #[wasm_bindgen(js_name = referenceFromFile)]
    pub fn reference_from_file(&self, bytes: Vec<u8>) -> Result<JsReference, JsValue> {
        let mut recorder = ReferenceRecorder::new(&self.model).map_err(named)?;
        recorder
            .add_file_bytes(bytes)
            .and_then(|()| recorder.finish())
            .map(|inner| JsReference { inner })
            .map_err(named)
    }

    /// A reference saved earlier (`Reference.toJson()`), checked against this model; throws an `Error`
    /// named `UnusableReference` for text that is not one this model can take.
    #[wasm_bindgen(js_name = referenceFromJson)]
    pub fn reference_from_json(&self, json: &str) -> Result<JsReference, JsValue> {
        Reference::from_json(&self.model, json.as_bytes())
            .map(|inner| JsReference { inner })
            .map_err(named)
    }

    /// A reference kept earlier as its `shape`, checked against this model.
    #[wasm_bindgen(js_name = referenceFromShape)]
    pub fn reference_from_shape(&self, shape: Vec<f32>) -> Result<JsReference, JsValue> {
        Reference::from_shape(&self.model, shape)
            .map(|inner| JsReference { inner })
            .map_err(named)
    }

    /// This model judging every voice against `reference`: a new `Model` sharing this one's graphs.
    #[wasm_bindgen(js_name = withReference)]
    pub fn with_reference(&self, reference: &JsReference) -> Result<JsModel, JsValue> {
        let model = self.model.with_reference(Some(&reference.inner)).map_err(named)?;
        Ok(Self::wrap(model))
    }

    /// This model judging against its training voices again.
    #[wasm_bindgen(js_name = withoutReference)]
    pub fn without_reference(&self) -> Result<JsModel, JsError> {
        Ok(Self::wrap(self.model.with_reference(None).map_err(js_error)?))
    }

    /// A live recognizer for a mono stream at `sampleRate` Hz.
    pub fn recognizer(&self, #[wasm_bindgen(js_name = sampleRate)] sample_rate: u32) -> Result<JsRecognizer, JsError> {
        Ok(JsRecognizer {
            inner: Recognizer::new(self.model.clone(), sample_rate).map_err(js_error)?,
        })
    }

    /// Analyses a whole mono clip: `{duration, speech_seconds, overall, timeline}` (and
    /// `reference_mismatch` as `Analyzer.finish` gives it).
    pub fn analyze(
        &self,
        samples: &[f32],
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: u32,
    ) -> Result<JsValue, JsError> {
        to_js(&crate::analyze(&self.model, samples, sample_rate).map_err(js_error)?)
    }

    /// A clip's mono samples analysed in pieces (long clips: push, yield to the page, finish).
    pub fn analyzer(&self, #[wasm_bindgen(js_name = sampleRate)] sample_rate: u32) -> Result<JsAnalyzer, JsError> {
        Ok(JsAnalyzer {
            inner: Some(Analyzer::new(self.model.clone(), sample_rate).map_err(js_error)?),
        })
    }

    /// An audio file's bytes (WAV, FLAC, MP3, Ogg Vorbis), decoded here as the CLI decodes
    /// them, and analysed a piece at a time. Throws an `Error` named `FormatError` for a format
    /// or codec this build does not read (the page then lets the browser decode it).
    #[wasm_bindgen(js_name = openFile)]
    pub fn open_file(&self, bytes: Vec<u8>) -> Result<JsFileAnalysis, JsValue> {
        FileAnalysis::from_bytes(&self.model, bytes)
            .map(|file| JsFileAnalysis { inner: Some(file) })
            .map_err(named)
    }

    /// An analysis of the file `file` as the CLI's `classify --format jsonl --timeline` writes it.
    #[wasm_bindgen(js_name = reportJson)]
    pub fn report_json(&self, file: &str, analysis: JsValue) -> Result<String, JsError> {
        let analysis = from_js(analysis)?;
        Ok(self.report(file, &analysis).json(true) + "\n")
    }

    /// The same as `classify --format csv --timeline` writes it.
    #[wasm_bindgen(js_name = reportCsv)]
    pub fn report_csv(&self, file: &str, analysis: JsValue) -> Result<String, JsError> {
        let analysis = from_js(analysis)?;
        let mut csv = CsvWriter::new(Vec::new(), self.model.labels(), true).map_err(js_error)?;
        csv.write(&self.report(file, &analysis)).map_err(js_error)?;
        let bytes = csv.into_inner().map_err(js_error)?;
        String::from_utf8(bytes).map_err(|e| JsError::new(&e.to_string()))
    }

    fn report<'a>(&'a self, file: &'a str, analysis: &'a Analysis) -> Report<'a> {
        Report {
            file,
            analysis,
            labels: self.model.labels(),
        }
    }

    /// Sample rate (Hz) that `melSpectrogram` expects.
    #[wasm_bindgen(getter, js_name = sampleRate)]
    pub fn sample_rate(&self) -> u32 {
        self.model.metadata().sample_rate
    }
    /// Mel bands per frame.
    #[wasm_bindgen(getter, js_name = melBands)]
    pub fn mel_bands(&self) -> usize {
        self.frontend.n_mels()
    }

    /// Frames in one window of the model's input.
    #[wasm_bindgen(getter, js_name = windowFrames)]
    pub fn window_frames(&self) -> usize {
        self.model.metadata().window.frames
    }

    /// Log-mel frames in dB of mono samples at `sampleRate`, time-major (`melBands` per frame).
    #[wasm_bindgen(js_name = melSpectrogram)]
    pub fn mel_spectrogram(&mut self, samples: &[f32]) -> Result<Vec<f32>, JsError> {
        crate::audio::check_samples(samples, 0).map_err(js_error)?;
        Ok(self
            .frontend
            .frames(samples)
            .into_iter()
            .flat_map(|f| f.bands_db)
            .collect())
    }

    /// The whole-window ONNX graph's input (`stream.whole` in the metadata) for the window ending
    /// with the frames from `melSpectrogram`: normalized, band-major, silence before them
    /// (`models/METADATA.md`). For running the graph elsewhere.
    pub fn input(&self, mel: &[f32]) -> Result<Vec<f32>, JsError> {
        let n_mels = self.frontend.n_mels();
        if mel.len() % n_mels != 0 {
            return Err(JsError::new(&format!(
                "{} values are not whole frames of {n_mels} bands",
                mel.len()
            )));
        }
        Ok(self.model.window_input(mel.chunks_exact(n_mels)))
    }

    /// Raw scores, one per label, of the window ending with the frames from `melSpectrogram`, the
    /// trunk run over the whole window.
    pub fn logits(&self, mel: &[f32]) -> Result<Vec<f32>, JsError> {
        self.model.logits(&self.input(mel)?).map_err(js_error)
    }
}

/// A speaker's everyday voice; see `Model.reference`. A few numbers (`shape`), which a person may
/// keep and give back (`Model.referenceFromShape`).
#[wasm_bindgen(js_name = Reference)]
pub struct JsReference {
    pub(crate) inner: Reference,
}

#[wasm_bindgen(js_class = Reference)]
impl JsReference {
    /// Per mel band, dB relative to the bands' power mean.
    #[wasm_bindgen(getter)]
    pub fn shape(&self) -> Vec<f32> {
        self.inner.shape().to_vec()
    }

    /// The reference as its owner may save it to a file (`Model.referenceFromJson` reads it back).
    #[wasm_bindgen(js_name = toJson)]
    pub fn to_json(&self) -> String {
        self.inner.to_json()
    }
}

/// A core error as a JS `Error` named for the causes a page acts on: `FormatError` (audio the
/// core does not decode: the browser may), `UnusableReference` (a reference that cannot be made or
/// used); any other is a plain `Error`.
fn named(e: Error) -> JsValue {
    let name = match e {
        Error::Format(_) => "FormatError",
        Error::Reference(_) => "UnusableReference",
        _ => "",
    };
    named_error(name, &e.to_string())
}

/// A JS `Error` whose `name` is a stable cause (`name` empty: a plain `Error`).
fn named_error(name: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    if !name.is_empty() {
        error.set_name(name);
    }
    error.into()
}

/// Live recognition of one stream; see `Model.recognizer`.
#[wasm_bindgen(js_name = Recognizer)]
pub struct JsRecognizer {
    inner: Recognizer,
}

#[wasm_bindgen(js_class = Recognizer)]
impl JsRecognizer {
    /// Feeds the next mono samples. Returns the newest prediction (`{time, emotion}`, `emotion`
    /// null when nobody speaks), or `undefined` if no hop completed.
    pub fn push(&mut self, samples: &[f32]) -> Result<JsValue, JsError> {
        match self.inner.push(samples).map_err(js_error)?.pop() {
            Some(prediction) => to_js(&prediction),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Starts a new stream (for example when the microphone restarts).
    pub fn reset(&mut self) {
        self.inner.reset();
    }
}

/// A clip analysed in pieces; see `Model.analyzer`.
#[wasm_bindgen(js_name = Analyzer)]
pub struct JsAnalyzer {
    inner: Option<Analyzer>,
}

#[wasm_bindgen(js_class = Analyzer)]
impl JsAnalyzer {
    /// Consumes the next mono samples of the clip.
    pub fn push(&mut self, samples: &[f32]) -> Result<(), JsError> {
        unfinished(&mut self.inner)?.push(samples).map_err(js_error)
    }

    /// Seconds of audio analysed so far.
    #[wasm_bindgen(getter)]
    pub fn seconds(&mut self) -> Result<f64, JsError> {
        Ok(unfinished(&mut self.inner)?.seconds())
    }

    /// Ends the clip and returns `{duration, speech_seconds, overall, timeline}` (and
    /// `reference_mismatch`, in words, when it was judged without the model's reference voice).
    pub fn finish(&mut self) -> Result<JsValue, JsError> {
        to_js(&finished(&mut self.inner)?.finish().map_err(js_error)?)
    }
}

/// A file analysed in pieces; see `Model.openFile`.
#[wasm_bindgen(js_name = FileAnalysis)]
pub struct JsFileAnalysis {
    inner: Option<FileAnalysis>,
}

#[wasm_bindgen(js_class = FileAnalysis)]
impl JsFileAnalysis {
    /// Decodes and analyses at least `seconds` more audio; `false` once the file has ended.
    pub fn advance(&mut self, seconds: f64) -> Result<bool, JsError> {
        unfinished(&mut self.inner)?.advance(seconds).map_err(js_error)
    }

    /// Seconds of audio analysed so far.
    #[wasm_bindgen(getter)]
    pub fn seconds(&mut self) -> Result<f64, JsError> {
        Ok(unfinished(&mut self.inner)?.seconds())
    }

    /// The length the file's header states, in seconds, or `undefined`.
    #[wasm_bindgen(getter, js_name = promisedSeconds)]
    pub fn promised_seconds(&mut self) -> Result<Option<f64>, JsError> {
        Ok(unfinished(&mut self.inner)?.promised_seconds())
    }

    /// Whether the file ended in the middle of its audio (a download cut short).
    #[wasm_bindgen(getter)]
    pub fn truncated(&mut self) -> Result<bool, JsError> {
        Ok(unfinished(&mut self.inner)?.truncated())
    }

    /// Analyses the rest and returns `{duration, speech_seconds, overall, timeline}` (and
    /// `reference_mismatch`, in words, when it was judged without the model's reference voice).
    pub fn finish(&mut self) -> Result<JsValue, JsError> {
        to_js(&finished(&mut self.inner)?.finish().map_err(js_error)?)
    }
}

/// A piecewise analysis still going.
fn unfinished<T>(inner: &mut Option<T>) -> Result<&mut T, JsError> {
    inner
        .as_mut()
        .ok_or_else(|| JsError::new("this analysis is already finished"))
}

/// A piecewise analysis, taken to be finished.
fn finished<T>(inner: &mut Option<T>) -> Result<T, JsError> {
    inner
        .take()
        .ok_or_else(|| JsError::new("this analysis is already finished"))
}

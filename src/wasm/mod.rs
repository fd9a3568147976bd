//! The JavaScript API: a thin wasm-bindgen layer over [`Recognizer`] and [`Analyzer`], and the
//! [`Microphone`] that feeds a recognizer live.
//! Results cross as plain objects (serde-wasm-bindgen); errors become JS `Error`s.

mod microphone;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::{Analyzer, EmotionModel, Error, MelFrontEnd, Recognizer};
pub use microphone::Microphone;

fn js_error(e: Error) -> JsError {
    JsError::new(&e.to_string())
}

/// The shipped model, or the one given as ONNX bytes and metadata JSON text.
fn load_model(custom: Option<(&[u8], &str)>) -> Result<EmotionModel, JsError> {
    match custom {
        None => EmotionModel::shipped(),
        Some((onnx, json)) => EmotionModel::from_bytes(onnx, json.as_bytes()),
    }
    .map_err(js_error)
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

/// Emotion recognition for one audio stream, with the shipped model or another one.
#[wasm_bindgen(js_name = Recognizer)]
pub struct JsRecognizer {
    model: EmotionModel,
    live: Option<(u32, Recognizer)>,
}

#[wasm_bindgen(js_class = Recognizer)]
impl JsRecognizer {
    /// A recognizer with the model built into the page.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<JsRecognizer, JsError> {
        Ok(Self {
            model: load_model(None)?,
            live: None,
        })
    }

    /// A recognizer with another model: its ONNX bytes and its metadata JSON text.
    #[wasm_bindgen(js_name = withModel)]
    pub fn with_model(onnx: &[u8], metadata_json: &str) -> Result<JsRecognizer, JsError> {
        Ok(Self {
            model: load_model(Some((onnx, metadata_json)))?,
            live: None,
        })
    }

    /// The model's labels, in the order of every `probabilities` array.
    #[wasm_bindgen(getter)]
    pub fn labels(&self) -> Vec<String> {
        self.model.labels().to_vec()
    }

    /// Below this confidence a result should read "not sure" (the model's own, from its metadata).
    #[wasm_bindgen(getter, js_name = unsureBelow)]
    pub fn unsure_below(&self) -> f32 {
        self.model.metadata().decision.unsure_below
    }

    /// Feeds live mono samples at `sampleRate` Hz. Returns the newest prediction
    /// (`{time, emotion}`, `emotion` null when nobody speaks) or `undefined` if no hop completed.
    /// A new sample rate starts a new stream.
    pub fn push(
        &mut self,
        samples: &[f32],
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: u32,
    ) -> Result<JsValue, JsError> {
        if self.live.as_ref().is_none_or(|(rate, _)| *rate != sample_rate) {
            self.live = Some((
                sample_rate,
                Recognizer::new(self.model.clone(), sample_rate).map_err(js_error)?,
            ));
        }
        let (_, recognizer) = self.live.as_mut().expect("set above");
        match recognizer.push(samples).map_err(js_error)?.pop() {
            Some(prediction) => to_js(&prediction),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Forgets the live stream (for example when the microphone stops).
    pub fn reset(&mut self) {
        self.live = None;
    }

    /// Analyses a whole mono clip: `{duration, speech_seconds, overall, timeline}`.
    pub fn analyze(
        &self,
        samples: &[f32],
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: u32,
    ) -> Result<JsValue, JsError> {
        to_js(&crate::analyze(&self.model, samples, sample_rate).map_err(js_error)?)
    }

    /// Starts a piecewise analysis, for long files: push chunks, yield to the page, then finish.
    pub fn analyzer(&self, #[wasm_bindgen(js_name = sampleRate)] sample_rate: u32) -> Result<JsAnalyzer, JsError> {
        Ok(JsAnalyzer {
            inner: Some(Analyzer::new(self.model.clone(), sample_rate).map_err(js_error)?),
        })
    }
}

/// A clip analysed in pieces; see `Recognizer.analyzer`.
#[wasm_bindgen(js_name = Analyzer)]
pub struct JsAnalyzer {
    inner: Option<Analyzer>,
}

#[wasm_bindgen(js_class = Analyzer)]
impl JsAnalyzer {
    fn inner(&mut self) -> Result<&mut Analyzer, JsError> {
        self.inner
            .as_mut()
            .ok_or_else(|| JsError::new("this analysis is already finished"))
    }

    /// Consumes the next mono samples of the clip.
    pub fn push(&mut self, samples: &[f32]) -> Result<(), JsError> {
        self.inner()?.push(samples).map_err(js_error)
    }

    /// Seconds of audio analysed so far.
    #[wasm_bindgen(getter)]
    pub fn seconds(&mut self) -> Result<f64, JsError> {
        Ok(self.inner()?.seconds())
    }

    /// Ends the clip and returns `{duration, speech_seconds, overall, timeline}`.
    pub fn finish(&mut self) -> Result<JsValue, JsError> {
        let analyzer = self
            .inner
            .take()
            .ok_or_else(|| JsError::new("this analysis is already finished"))?;
        to_js(&analyzer.finish().map_err(js_error)?)
    }
}

/// The model's two stages on their own: log-mel features of a clip at the model's sample rate,
/// and the logits of one window of them. For custom pipelines and benchmarks.
#[wasm_bindgen(js_name = Model)]
pub struct JsModel {
    model: EmotionModel,
    frontend: MelFrontEnd,
    input: Vec<f32>,
}

#[wasm_bindgen(js_class = Model)]
impl JsModel {
    /// The model built into the page.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<JsModel, JsError> {
        Ok(Self::wrap(load_model(None)?))
    }

    /// Another model: its ONNX bytes and its metadata JSON text.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(onnx: &[u8], metadata_json: &str) -> Result<JsModel, JsError> {
        Ok(Self::wrap(load_model(Some((onnx, metadata_json)))?))
    }

    fn wrap(model: EmotionModel) -> Self {
        let meta = model.metadata();
        Self {
            frontend: MelFrontEnd::new(&meta.frontend, meta.sample_rate),
            input: vec![0.0; meta.input.shape.iter().product()],
            model,
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

    /// The ONNX graph's input for up to `windowFrames` frames from `melSpectrogram`: normalized,
    /// band-major, padded with silence (`models/METADATA.md`). For running the graph elsewhere.
    pub fn input(&mut self, mel: &[f32]) -> Result<Vec<f32>, JsError> {
        self.fill_input(mel)?;
        Ok(self.input.clone())
    }

    /// Raw scores, one per label, for up to `windowFrames` frames from `melSpectrogram`
    /// (fewer are padded with silence).
    pub fn logits(&mut self, mel: &[f32]) -> Result<Vec<f32>, JsError> {
        self.fill_input(mel)?;
        self.model.logits(&self.input).map_err(js_error)
    }

    fn fill_input(&mut self, mel: &[f32]) -> Result<(), JsError> {
        let n_mels = self.frontend.n_mels();
        if mel.len() % n_mels != 0 {
            return Err(JsError::new(&format!(
                "{} values are not whole frames of {n_mels} bands",
                mel.len()
            )));
        }
        self.model.fill_input(mel.chunks_exact(n_mels), &mut self.input);
        Ok(())
    }
}
